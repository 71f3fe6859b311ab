"""`pmo templates adopt`: a template the PMO restyled (through LibreOffice, as tests/test_template_restyled.py does)
becomes the one generate and upgrade use, and workbooks made from it upgrade cleanly when pmo-xl ships the next
version of the test series (tests/template_series.py: 1.0 -> 1.1 -> 2.0).

The story: pmo-xl writes 1.0; the PMO restyles its status template and adopts it; pmo generate makes the month's
workbooks from it and PMs half-fill them. Then pmo-xl ships 2.0: generate refuses the adopted 1.0 template with
the fix, the PMO restyles the 2.0 template the same way and adopts it, and pmo templates upgrade moves the PMs'
workbooks into it, every entry at its destination. A restyled template with a table renamed, a header changed, a
name deleted or a rule dropped is refused, one line each.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.collect.reader import read_submission
from pmo_xl.excel.package import XlsxPackage
from pmo_xl.templates import catalog, migrations
from pmo_xl.templates.adopt import adopted_templates_dir, check_template
from pmo_xl.templates.builder import build_template
from pmo_xl.templates.versions import migration_map
from tests.libreoffice import edit_with_libreoffice
from tests.template_series import V2, series_schema, use_series, write_register
from tests.test_collect_versions import RAG, _entries, _fill
from tests.test_template_restyled import RESTYLE

pytestmark = pytest.mark.libreoffice
PERIOD = "2026-10"


def _invoke(*arguments: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in arguments], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    root = tmp_path_factory.mktemp("adopt")
    register = root / "register.csv"
    write_register(register, RAG)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("XDG_DATA_HOME", str(root / "data"))
        monkeypatch.setenv("LOCALAPPDATA", str(root / "data"))
        use_series(monkeypatch)
        v1_0 = series_schema("1.0")
        # pmo-xl at 1.0: the series' first version is the current one
        monkeypatch.setitem(catalog.SCHEMAS, "project_status", v1_0)
        monkeypatch.setitem(migrations.MIGRATIONS, "project_status", ())
        build_template(v1_0, root / "built-1.0" / "project_status.xlsx")
        restyled_1_0 = edit_with_libreoffice(root / "built-1.0" / "project_status.xlsx",
                                             root / "restyled-1.0" / "project_status.xlsx", RESTYLE)  # fmt: skip
        adopted_1_0 = _invoke("templates", "adopt", restyled_1_0)
        generated = _invoke("generate", "--register", register, "--out", root / "outbox", "--period", PERIOD)
        held = root / "held"
        held.mkdir()
        for workbook in sorted((root / "outbox").glob("*.xlsx")):
            project_id = workbook.name.split(" - ")[0]
            _fill(workbook, held / workbook.name, "1.0", *_entries(project_id, PERIOD, "1.0"))
        # pmo-xl ships 2.0
        use_series(monkeypatch)
        stale = _invoke("generate", "--register", register, "--out", root / "outbox-2", "--period", "2026-11")
        build_template(V2, root / "built-2.0" / "project_status.xlsx")
        restyled_2_0 = edit_with_libreoffice(root / "built-2.0" / "project_status.xlsx",
                                             root / "restyled-2.0" / "project_status.xlsx", RESTYLE)  # fmt: skip
        adopted_2_0 = _invoke("templates", "adopt", restyled_2_0)
        upgraded = _invoke("templates", "upgrade", held, "--out", root / "upgraded")
        yield {"root": root, "held": held, "register": register, "restyled_2_0": restyled_2_0,
               "adopted_1_0": adopted_1_0, "generated": generated, "stale": stale, "adopted_2_0": adopted_2_0,
               "upgraded": upgraded, "monkeypatch": monkeypatch}  # fmt: skip


def test_an_adopted_template_is_the_one_generate_uses(story):
    root = story["root"]
    code, output = story["adopted_1_0"]
    target = root / "data" / "pmo-xl" / "templates" / "project_status.xlsx"
    assert code == 0 and f"as project_status 1.0: pmo generate and pmo templates upgrade now use {target}" in output
    # a copy of the file as saved (the 2.0 one adopted later put it in .pmo-backup)
    kept = target.parent / ".pmo-backup" / "project_status.xlsx"
    assert kept.read_bytes() == (root / "restyled-1.0" / "project_status.xlsx").read_bytes()
    assert target.read_bytes() == story["restyled_2_0"].read_bytes()
    code, output = story["generated"]
    assert code == 0, output
    workbook = XlsxPackage.from_path(next((root / "outbox").glob("P-1 *")))
    assert workbook.structure.table("RAID").sheet == "Risks and issues"  # the PMO's restyle, not the shipped one
    assert workbook.structure.table("Milestones").first_column == 4


def test_a_template_adopted_at_an_older_version_is_refused_with_the_fix_not_passed_over(story):
    code, output = story["stale"]
    assert code == 2 and not (story["root"] / "outbox-2").exists()
    assert re.search(r"the adopted project_status template, is version 1\.0, but this pmo-xl writes 2\.0: restyle "
                     r"the new template \(pmo templates build\) and adopt it", output), output  # fmt: skip


def test_workbooks_made_from_an_adopted_template_upgrade_into_the_next_adopted_one(story):
    root, held = story["root"], story["held"]
    code, output = story["adopted_2_0"]
    assert code == 0 and "the template adopted before is kept in" in output, output
    code, output = story["upgraded"]
    assert code == 0 and "3 workbook(s): 3 upgraded, 0 already current, 0 refused" in output, output
    the_map = migration_map("project_status", "1.0")
    for original in sorted(held.glob("*.xlsx")):
        before, _ = read_submission(original)
        after, findings = read_submission(root / "upgraded" / original.name)
        assert not [f for f in findings if f.severity == "error"], findings
        assert after.metadata.as_dict() == {**before.metadata.as_dict(), "template_version": "2.0"}
        for name, value in before.fields.items():
            if the_map.fields[name] is not None:
                assert after.fields[the_map.fields[name]] == value, (original.name, name)
        for table, rows in before.tables.items():
            for row, moved in zip(rows, after.tables[table], strict=True):
                for key, value in row.items():
                    destinations = the_map.columns[(table, key)]
                    if len(destinations) == 1:
                        expected = the_map.choices.get((f"{table}[{destinations[0]}]", value), value)
                        assert moved[destinations[0]] == expected, (original.name, table, key)
                    else:
                        parts = value.split(" / ") if " / " in str(value) else [value]
                        assert [moved[k] for k in destinations] == parts + [None] * (len(destinations) - len(parts))
        upgraded = XlsxPackage.from_path(root / "upgraded" / original.name)
        assert upgraded.structure.table("RAID").sheet == "Risks and issues"  # made from the adopted 2.0 template


# -- hostile: a restyle that broke the contract -------------------------------------------------------------------


def _broken(source, edit) -> bytes:
    package = XlsxPackage.from_path(source)
    return package.write(edit(package))


def _rename_table(package):
    part = package.structure.table("RAID").part
    return {part: package.members[part].replace(b'displayName="RAID"', b'displayName="Risks"')}


def _change_header(package):
    part = package.structure.table("NextSteps").part
    return {part: package.members[part].replace(b'name="Owner"', b'name="Who"')}


def _delete_name(package):
    xml = package.members["xl/workbook.xml"]
    return {"xl/workbook.xml": re.sub(rb'<definedName[^>]*\bname="rag_overall"[^>]*>[^<]*</definedName>', b"", xml)}


def _drop_rule(package):
    reference = package.structure.name("percent_complete")
    part = package.structure.sheet_parts[reference.sheet]
    xml = package.members[part]
    pattern = rb'<dataValidation\b[^>]*\bsqref="' + reference.address.encode() + rb'"[^>]*>.*?</dataValidation>'
    return {part: re.sub(pattern, b"", xml, count=1, flags=re.S)}


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (_rename_table, "the table 'RAID' (Risks, assumptions, issues and dependencies) is missing: was it renamed? "
                        "Name it RAID again (Table Design > Table Name)"),
        (_change_header, "the table NextSteps has no column 'Owner' (its headers: Step ID, Next step, Who, "
                         "Owner's team, Required by, Check): restore that header"),
        (_delete_name, "the defined name 'rag_overall' (Overall RAG) is missing or no longer on a cell"),
        (_drop_rule, "(percent_complete): its validation rule (decimal) was removed; restore it (Data > Data "
                     "Validation) or start again"),
    ],
    ids=["a table renamed", "a header changed", "a name deleted", "a rule dropped"],
)  # fmt: skip
def test_a_restyle_that_broke_the_contract_is_refused_in_one_line_and_not_adopted(story, tmp_path, edit, problem):
    restyled = story["restyled_2_0"]
    broken = tmp_path / "project_status.xlsx"
    broken.write_bytes(_broken(restyled, edit))
    check = check_template(broken.read_bytes(), str(broken), V2)
    assert len(check.problems) == 1 and check.problems[0].endswith(problem), check.problems
    adopted = adopted_templates_dir() / "project_status.xlsx"
    before = adopted.read_bytes()
    code, output = _invoke("templates", "adopt", broken)
    assert code == 2 and f"{broken}: " in output and problem in output
    assert f"{broken} was not adopted: 1 problem(s) listed above" in output
    assert adopted.read_bytes() == before
