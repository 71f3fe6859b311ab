"""`pmo templates guide`: the PM's one-page printable guide, made from the schema.

The page is parsed as HTML (html.parser) and read as text, as a PM's browser shows it; it is printed by Chromium,
as a PM prints it, and must fit on one A4 page.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.templates.catalog import PROJECT_STATUS, SCHEMAS
from pmo_xl.templates.guide import example_value, template_guide_html
from pmo_xl.templates.schema import VALUE_KINDS, Check, Field, Section


class _Page(HTMLParser):
    """The page's text (entities decoded), its tags and every attribute value, as a browser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [value or "" for _, value in attrs]

    def handle_data(self, data):
        self.text.append(data)


def _read(html: str) -> tuple[_Page, str]:
    page = _Page()
    page.feed(html)
    page.close()
    return page, " ".join(" ".join(page.text).split())


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("template_id", sorted(SCHEMAS))
def test_every_input_has_its_label_help_example_and_rules_and_nothing_loads(template_id):
    schema = SCHEMAS[template_id]
    page, text = _read(template_guide_html(schema))
    body = text.split("How values are read")[0] if "How values are read" in text else text
    inputs = [f for f in schema.fields if f.is_input]
    assert inputs
    for f in inputs:
        assert _words(f.label) in body, f.name
        assert _words(f.help) in body, f.name
        if f.required:
            assert f"{f.label} {_words(f.help)} Required." in text or f"{_words(f.help)} Required." in text, f.name
    for table in schema.tables:
        assert table.name in text
        for column in table.columns:
            if column.formula is None and not column.locked:
                assert column.header in text and _words(column.help) in text, (table.name, column.key)
                assert example_value(column, table), (table.name, column.key)
    for check in schema.checks:  # every rule the workbook shows live, in the template's own words
        if check.kind in VALUE_KINDS:  # one cell's own rules (Required., From 0% to 100%.), said once as such
            assert "the Check column flags as you type a required cell left empty" in text, check.name
            continue
        assert _words(check.message) in text and _words(check.fix) in text, check.name
    # A self-contained page: nothing runs, nothing is fetched, no link leaves it.
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert not any(value.lower().startswith(("http:", "https:", "//")) for value in page.attributes)
    assert "http://" not in text and "https://" not in text and "@import" not in text


def test_the_status_guide_says_the_rules_in_words():
    _, text = _read(template_guide_html(PROJECT_STATUS))
    assert "Percent complete Share of the total work done, 0% to 100%." in text
    assert "From 0% to 100%." in text  # a percent's bounds as the PM types them, not 0 to 1
    assert "Should move each period." in text  # Milestones' forecast date (moves=True)
    assert "List: Open, Monitoring, Closed." in text  # RAID status
    assert "In the sheet's currency and unit ('Amounts in')." in text  # never a unit the guide invents
    assert example_value(PROJECT_STATUS.field("estimate_at_completion")) == "1250"  # a number, no unit made up
    assert "03/12/2027 could be 3 December or 12 March and is returned" in text  # the accepted date forms
    assert "Type 65% (or 0.65)." in text


def test_a_hostile_label_help_and_check_are_escaped():
    hostile = '<script>alert("x")</script>'
    field = Field("sneaky", "<b>Owner</b> & co", "text", required_when=("rag_overall", ("Red",)), help=hostile)
    schema = dataclasses.replace(
        PROJECT_STATUS,
        sections=(*PROJECT_STATUS.sections, Section("</h3><script>", (field,))),
        checks=(
            *PROJECT_STATUS.checks,
            Check("sneaky_check", "sneaky", "error", "Bad <img src=x onerror=alert(1)>", 'Fix "it" <now>'),
            # On a cell the PM does not fill (the PMO's budget): still in the guide, under Other checks.
            Check("budget_same", "budget_current", "warning", "Budget & more", "Look <there>", kind="changed",
                  other="budget_original"),
        ),
    )  # fmt: skip
    html = template_guide_html(schema)
    page, text = _read(html)
    assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert hostile in text and "<b>Owner</b> & co" in text and "</h3><script>" in text
    assert 'Returned if: Bad <img src=x onerror=alert(1)>. Fix: Fix "it" <now>' in text
    assert "Other checks Please check if: Budget & more. Fix: Look <there>" in text


def test_the_command_writes_each_template_and_the_status_guide_prints_on_one_a4_page(tmp_path):
    result = CliRunner().invoke(main, ["templates", "guide", "--out", str(tmp_path / "guides")])
    assert result.exit_code == 0, result.output
    written = sorted(path.name for path in (tmp_path / "guides").iterdir())
    assert written == ["project_request-guide.html", "project_status-guide.html"]
    status = (tmp_path / "guides" / "project_status-guide.html").read_text(encoding="utf-8")
    assert status == template_guide_html(PROJECT_STATUS)
    one = CliRunner().invoke(main, ["templates", "guide", "--template", "project_request", "--out", str(tmp_path)])
    assert one.exit_code == 0 and "project_request-guide.html" in one.output
    for name in written:
        assert _printed_pages(tmp_path / "guides" / name, tmp_path) == 1, name


def _printed_pages(html: Path, tmp_path: Path) -> int:
    """How many pages Chromium prints the page on (its @page says A4)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    assert chromium, "the guide's print test needs Chromium (apt-get install chromium)"
    pdf = tmp_path / (html.stem + ".pdf")
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", f"--print-to-pdf={pdf}", html.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    data = pdf.read_bytes()
    for width, height in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data):
        assert round(float(width)) == 595 and round(float(height)) == 842  # A4, in points
    return len(re.findall(rb"/Type\s*/Page(?!s)", data))
