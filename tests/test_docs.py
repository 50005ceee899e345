"""Documentation that is generated must match the code, and the site must build."""
import subprocess
import sys
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


def test_documentation_site_builds_strictly(tmp_path):
    """`mkdocs build --strict` (mkdocs.yml: strict, every link, anchor and page checked) succeeds
    offline with no warning: every page is in the nav and every link resolves inside docs/."""
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                            cwd=root, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output, output
    assert (tmp_path / "site" / "index.html").is_file()
