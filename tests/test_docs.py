"""Documentation that is generated must match the code."""
from pathlib import Path

from oceancdr.config import reference_markdown


def test_configuration_reference_is_current():
    doc = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
    assert doc.read_text() == reference_markdown(), "regenerate: python -m oceancdr.config > docs/configuration.md"


def test_biology_parameter_table_is_current():
    from oceancdr.biology.parameters import markdown_table

    doc = (Path(__file__).resolve().parents[1] / "docs" / "biology.md").read_text()
    assert markdown_table() in doc, "regenerate the table: python -m oceancdr.biology.parameters"


def test_intervention_parameter_table_is_current():
    from oceancdr.interventions.parameters import markdown_table

    doc = (Path(__file__).resolve().parents[1] / "docs" / "interventions.md").read_text()
    assert markdown_table() in doc, "regenerate the table: python -m oceancdr.interventions.parameters"
