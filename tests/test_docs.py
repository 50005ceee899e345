"""Documentation that is generated must match the code."""
from pathlib import Path

from oceancdr.config import reference_markdown


def test_configuration_reference_is_current():
    doc = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
    assert doc.read_text() == reference_markdown(), "regenerate: python -m oceancdr.config > docs/configuration.md"
