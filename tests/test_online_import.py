"""`pmo import project-online` end to end, as a PMO runs it and as a hostile tester tries to break it (issue 15).

One export, made by pmo_xl.demo.online_export from the checked-in list of names, is written in the four forms the
import reads (JSON verbose and light, .xlsx tables, a German `;` CSV), each in pages small enough that several sets
arrive in pages with a row repeated across them, and imported once per form through the real `pmo` command with a
names file beside it (its German custom field), a proposals rule and an id field. The forms must give the same files
byte for byte; a second run must change nothing; a bad input must get one line and write nothing; and the files must
work in the commands that read them (optimize, score, generate, capacity) and open as valid workbooks.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pmo_xl.cli import main
from pmo_xl.demo.online_export import FORMS, NAMES_CSV, ExportSize, sample_sets, write_export
from pmo_xl.excel.tables import read_table
from pmo_xl.imports.project_online import ENTITY_SETS
from pmo_xl.ledger import open_ledger

PERIOD = "2026-06"
HORIZON_END = "2027-05"  # the last month of a status workbook's ResourceDemand for PERIOD
PAGE_SIZE = 10  # several sets come in pages, the last row of each page repeated as the next one's first
PROPOSALS = "type=Proposal"
ID_FIELD = "Project Code"
# What the import writes that every form must give byte for byte (the seeds are listed from the folder).
SHARED = (
    "register.csv", "pipeline.csv", "pipeline-resources.csv", "pipeline-scenarios.json", "scoring-model.csv",
    "capacity.csv",
)  # fmt: skip
# The names the builder writes that no ProjectData page documents, as its docstring lists them: the custom fields
# as the feed names them, the role custom field, and the one unknown property.
QUIRKS = {
    "Projects": {"ProjectCode", "Sponsor", "Geschaeftsbereich"},
    "Resources": {"ResourceRole"},
    "Tasks": {"TaskColourCode"},
}


def pmo(*arguments: object) -> Result:
    return CliRunner().invoke(main, [str(argument) for argument in arguments])


def import_args(export: Path, out: Path, names: Path, *more: object) -> list[object]:
    return ["import", "project-online", export, "--out", out, "--names", names, "--proposals", PROPOSALS,
            "--id-field", ID_FIELD, "--period", PERIOD, *more]  # fmt: skip


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, by its path relative to it."""
    return {
        file.relative_to(folder).as_posix(): file.read_bytes() for file in sorted(folder.rglob("*")) if file.is_file()
    }


@dataclass(frozen=True)
class Imported:
    export: Path
    out: Path
    output: str


@dataclass(frozen=True)
class Sample:
    root: Path
    sets: dict
    names: Path
    forms: dict[str, Imported]
    zipped: Imported


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Sample:
    """The sample export in every form, each imported once. Each form's export is named pwa-export, so that the
    source each seed names is the same."""
    root = tmp_path_factory.mktemp("online")
    sets = sample_sets(ExportSize())
    names = root / "names.csv"  # beside the export, not inside it
    names.write_text(NAMES_CSV, encoding="utf-8")
    forms = {}
    for form in FORMS:
        export = root / form / "pwa-export"
        write_export(sets, export, form, page_size=PAGE_SIZE)
        out = root / form / "imported"
        result = pmo(*import_args(export, out, names))
        assert result.exit_code == 0, result.output
        forms[form] = Imported(export, out, result.output)
    archive = root / "zip" / "pwa-export.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as written:
        for file in sorted(forms["verbose"].export.iterdir()):
            written.write(file, f"pwa-export/{file.name}")  # a folder inside the zip, as Windows' "Send to" makes
    result = pmo(*import_args(archive, root / "zip" / "imported", names))
    assert result.exit_code == 0, result.output
    return Sample(root, sets, names, forms, Imported(archive, root / "zip" / "imported", result.output))


def mapping(imported: Imported):
    return read_table(imported.out / "import-report.xlsx", "Mapping").fillna("")


# -- 1. the four forms agree -----------------------------------------------------------------------------------------


def test_the_sample_comes_in_pages_with_repeated_rows(sample):
    for form, imported in sample.forms.items():
        suffix = ".json" if form in ("verbose", "light") else f".{form}"
        assert (imported.export / f"Tasks-2{suffix}").is_file(), form
        assert (imported.export / f"AssignmentTimephasedDataSet-3{suffix}").is_file(), form
    assert not (sample.forms["verbose"].export / "names.csv").exists()


def test_the_four_forms_give_the_same_files_byte_for_byte(sample):
    verbose = snapshot(sample.forms["verbose"].out)
    seeds = sorted(name for name in verbose if name.startswith("seeds/"))
    assert seeds == ["seeds/P-0001.json", "seeds/P-0002.json", "seeds/P-0003.json", "seeds/P-0004.json"]
    assert set(SHARED) <= set(verbose)
    for form in FORMS[1:]:
        files = snapshot(sample.forms[form].out)
        assert sorted(files) == sorted(verbose), form
        for name in [*SHARED, *seeds]:
            assert files[name] == verbose[name], (form, name)
    register = read_table(sample.forms["csv"].out / "register.csv")
    assert sorted(register["project_id"]) == ["P-0001", "P-0002", "P-0003", "P-0004"]
    assert sorted(register["custom_business_unit"]) == ["Back Office", "Digital Customer", "Digital Customer",
                                                       "Operations"]  # fmt: skip
    pipeline = read_table(sample.forms["csv"].out / "pipeline.csv")
    assert sorted(pipeline["request_id"]) == ["P-0005", "P-0006"]


def test_the_report_names_the_unknown_property_the_repeats_and_the_rename(sample):
    for form, imported in sample.forms.items():
        report = mapping(imported)
        lines = {(row.entity_set, row.property): row for row in report.itertuples()}
        assert lines[("Tasks", "TaskColourCode")].note == "unknown property: not in docs/project-online.md", form
        tasks = lines[("Tasks", "")].note
        assert tasks.startswith("48 row(s) from Tasks.") and "4 row(s) repeated across pages kept once" in tasks
        renamed = lines[("Projects", "Business Unit")]
        assert renamed.became == "register custom_business_unit"
        assert renamed.note.startswith("named Geschaeftsbereich in the export (--names)")
        assert "unknown: Tasks.TaskColourCode" in imported.output
        assert "4 project(s), 2 proposal(s), 4 seeded, from pwa-export" in imported.output
        # every documented property the import reads says what it became; only three are not read at all
        unmapped = report[report["note"].str.contains("not mapped yet")]
        assert sorted(unmapped["property"]) == ["ProjectActualCost", "ProjectDepartments", "ProjectPercentCompleted"]
        assert lines[("ProjectWorkflowStageDataSet", "StageName")].became == "register stage: the current one"
        assert lines[("ProjectBaselines", "ProjectBaselineCost")].became.startswith("register budget where")
    # the same lines in every form, but for the files' suffixes
    shown = {form: mapping(imported).replace(r"\.(json|xlsx|csv)\b", ".*", regex=True) for form, imported in
             sample.forms.items()}  # fmt: skip
    for form in FORMS[1:]:
        assert shown[form].equals(shown["verbose"]), form
    for sheet in ("ProjectIds", "Seeds", "Messages", "Drivers"):
        first = read_table(sample.forms["verbose"].out / "import-report.xlsx", sheet)
        for form in FORMS[1:]:
            assert read_table(sample.forms[form].out / "import-report.xlsx", sheet).equals(first), (form, sheet)


def test_a_zip_of_the_export_gives_the_same_files(sample):
    verbose, zipped = snapshot(sample.forms["verbose"].out), snapshot(sample.zipped.out)
    assert sorted(zipped) == sorted(verbose)
    for name in SHARED:
        assert zipped[name] == verbose[name], name
    for name in (name for name in verbose if name.startswith("seeds/")):
        seed, expected = json.loads(zipped[name]), json.loads(verbose[name])
        assert seed.pop("source") == "pwa-export.zip" and expected.pop("source") == "pwa-export"
        assert seed == expected, name
    assert "from pwa-export.zip" in sample.zipped.output


# -- 2. the fixtures come from the checked-in list of names ----------------------------------------------------------


def test_every_name_the_builder_writes_is_documented_but_the_listed_quirks(sample):
    for set_name, rows in sample.sets.items():
        assert set_name in ENTITY_SETS, set_name
        written = {name for row in rows for name in row}
        quirks = QUIRKS.get(set_name, set())
        assert quirks <= written, set_name  # the quirks are really there
        assert not quirks & set(ENTITY_SETS[set_name].properties), set_name  # and really undocumented
        assert written - quirks <= set(ENTITY_SETS[set_name].properties), (set_name, written - quirks)
    assert "BusinessDriveName" in {name for row in sample.sets["PrioritizationDrivers"] for name in row}


# -- 3. re-running changes nothing -----------------------------------------------------------------------------------


def test_a_second_run_changes_nothing_and_the_ledger_records_the_baselines_once(sample, tmp_path):
    export, out, ledger = sample.forms["light"].export, tmp_path / "imported", tmp_path / "pmo_ledger.db"
    first = pmo(*import_args(export, out, sample.names, "--ledger", ledger))
    assert first.exit_code == 0, first.output
    assert "(written)" in first.output and "4 baseline(s) 0 recorded" in first.output
    written = snapshot(out)
    assert "import-report.xlsx" in written and written == snapshot(sample.forms["verbose"].out) | {
        "import-report.xlsx": written["import-report.xlsx"]}  # fmt: skip
    with open_ledger(ledger) as opened:
        baselines = opened.imported_baselines()
    assert sorted(baseline.project_id for baseline in baselines) == ["P-0001", "P-0002", "P-0003", "P-0004"]
    again = pmo(*import_args(export, out, sample.names, "--ledger", ledger))
    assert again.exit_code == 0, again.output
    assert "(unchanged)" in again.output
    assert "0 baseline(s) 0 recorded" in again.output and "(4 already there)" in again.output
    assert snapshot(out) == written
    with open_ledger(ledger) as opened:
        assert opened.imported_baselines() == baselines


# -- 4. bad inputs: one clear line, nothing written ------------------------------------------------------------------


def _page(export: Path, name: str) -> dict:
    return json.loads((export / name).read_text(encoding="utf-8"))


def _rewrite(export: Path, name: str, change) -> None:
    """Change the rows of a verbose page as a hand edit would."""
    page = _page(export, name)
    change(page["d"]["results"])
    (export / name).write_text(json.dumps(page), encoding="utf-8")


def _set(row: dict, **values) -> None:
    row.update(values)


def _zip_with(export: Path, extra: dict[str, bytes], prefix: str = "") -> Path:
    archive = export.parent / "pwa-export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as written:
        for file in sorted(export.iterdir()):
            written.write(file, prefix + file.name)
        for name, data in extra.items():
            written.writestr(name, data)
    return archive


def _lying_zip(export: Path) -> Path:
    """A zip whose last member inflates to 50 MB but says 100 bytes in both its headers: a bomb."""
    archive = _zip_with(export, {"Risks-9.json": b" " * 50_000_000})
    data = bytearray(archive.read_bytes())
    central, local = data.rfind(b"PK\x01\x02"), data.rfind(b"PK\x03\x04")
    data[central + 24 : central + 28] = data[local + 22 : local + 26] = (100).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    return archive


def _one_column_projects(export: Path) -> None:
    """Only Projects, and no comma in it: split at commas it is one column, not a refusal for too many fields."""
    for file in export.iterdir():
        file.unlink()
    (export / "Projects.csv").write_text(
        "ProjectId;ProjectName;ProjectCost;ProjectStartDate;ProjectFinishDate\r\n"
        "60213349-7846-5241-8b83-cb21a4390463;Data centre move;1250;05.01.2026 08:00;30.06.2026 17:00\r\n",
        encoding="utf-8-sig",
    )


def _page_twice(export: Path) -> None:
    shutil.copy(export / "Tasks-2.json", export / "Tasks-02.json")


def _projects_is_a_folder(export: Path) -> None:
    (export / "Projects.json").unlink()
    (export / "Projects.json").mkdir()


BAD_INPUTS = {
    "a missing Prioritizations set with BusinessDrivers present": (
        "verbose", lambda export: (export / "Prioritizations.json").unlink(), (),
        "pwa-export: no Prioritizations set (Prioritizations.json, .xlsx or .csv): the weights of the drivers come "
        "from a prioritization",
    ),
    "broken JSON in a page": (
        "verbose",
        lambda export: (export / "Tasks-3.json").write_text((export / "Tasks-3.json").read_text()[:-40]), (),
        "pwa-export: Tasks-3.json is not JSON (parse error: premature EOF); save the feed's page again",
    ),
    "two projects with one id": (
        "verbose", lambda export: _rewrite(export, "Projects.json", lambda rows: _set(rows[1], ProjectCode="p-0001")),
        (), "pwa-export: 'P-0001' is the id of both 'CRM replacement' and 'Data centre move'",
    ),
    "an unknown ForceStatus code": (
        "verbose", lambda export: _rewrite(export, "CostScenarioProjects.json", lambda rows: _set(rows[0], ForceStatus=7)),
        (), "CostScenarioProjects, scenario 'Within budget', project 'HR self-service': ForceStatus 7 is not a code "
        "pmo-xl knows",
    ),
    "an unknown relation text": (
        "verbose",
        lambda export: _rewrite(export, "PrioritizationDriverRelations.json",
                                lambda rows: _set(rows[0], RelationValue="is kind of more important than")),
        (), "PrioritizationDriverRelations of 'Board 2026': the pair 'Grow revenue' vs 'Reduce cost' says 'is kind of "
        "more important than', not a judgement pmo-xl reads",
    ),
    "a ; CSV with decimal commas read as en-US": (
        "csv", lambda export: None, ("--csv-locale", "en-US"),
        ".csv, line 2: 2 fields under 1 headers",  # which file first depends on where the commas fall
    ),
    "a ; CSV without a comma read as en-US (one column)": (
        "csv", _one_column_projects, ("--csv-locale", "en-US"),
        "pwa-export: Projects.csv reads as one column headed 'ProjectId;ProjectName;ProjectCost;",
    ),
    "a page file numbered twice": (
        "verbose", _page_twice, (), "pwa-export: Tasks-02.json, Tasks-2.json are both page 2 of Tasks; keep one",
    ),
    "a set in two forms": (
        "verbose", lambda export: shutil.copy(export / "Risks.json", export / "Risks.xlsx"), (),
        "pwa-export: Risks.json, Risks.xlsx are both page 1 of Risks; keep one",
    ),
    "a file named Projects.json that is a folder": (
        "verbose", _projects_is_a_folder, (), "pwa-export: no Projects set (Projects.json, .xlsx or .csv)",
    ),
    "an empty Projects set": (
        "verbose", lambda export: (export / "Projects.json").write_text('{"d": {"results": []}}'), (),
        "pwa-export: Projects.json holds no rows: export the Projects set again",
    ),
    "a page saved by PowerShell's Out-File (UTF-16)": (
        "verbose",
        lambda export: (export / "Projects.json").write_bytes((export / "Projects.json").read_text().encode("utf-16")),
        (), "pwa-export: Projects.json is not JSON",
    ),
    "a /Date()/ past the calendar's end": (
        "verbose",
        lambda export: _rewrite(export, "Projects.json",
                                lambda rows: _set(rows[0], ProjectStartDate="/Date(999999999999999999)/")),
        (), "pwa-export: Projects, project 'Data centre move': ProjectStartDate: '/Date(999999999999999999)/' is not "
        "a date",
    ),
    "a GUID in upper case on the page that repeats the row": (
        "verbose",
        lambda export: _rewrite(export, "Tasks-2.json",
                                lambda rows: _set(rows[0], ProjectId=str(rows[0]["ProjectId"]).upper())),
        (), "pwa-export: Tasks has two different rows for ProjectId 60213349-7846-5241-8B83-CB21A4390463",
    ),
    "a zip member that inflates past its declared size": (
        "verbose", _lying_zip, (), "pwa-export.zip: not a readable zip (the part Risks-9.json)",
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def good_run(sample, tmp_path_factory) -> tuple[Path, Path]:
    """A folder and a ledger a good run filled: a bad run must leave both as they are."""
    root = tmp_path_factory.mktemp("good")
    out, ledger = root / "imported", root / "pmo_ledger.db"
    result = pmo(*import_args(sample.forms["verbose"].export, out, sample.names, "--ledger", ledger))
    assert result.exit_code == 0, result.output
    return out, ledger


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_a_bad_input_is_one_line_and_writes_nothing(sample, good_run, tmp_path, case):
    form, spoil, options, expected = BAD_INPUTS[case]
    export = tmp_path / "pwa-export"
    shutil.copytree(sample.forms[form].export, export)
    spoiled = spoil(export)
    target = spoiled if isinstance(spoiled, Path) and spoiled.suffix == ".zip" else export
    out, ledger = good_run
    before, ledger_before = snapshot(out), ledger.read_bytes()
    for folder, with_ledger in ((tmp_path / "absent", ()), (out, ("--ledger", ledger))):
        result = pmo(*import_args(target, folder, sample.names, *options, *with_ledger))
        assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
        message = result.stderr.strip()
        assert message.startswith("pmo: ") and "\n" not in message and "Traceback" not in result.output, message
        assert expected in message
    assert not (tmp_path / "absent").exists()
    assert snapshot(out) == before and ledger.read_bytes() == ledger_before


def test_a_names_file_with_a_blank_name_is_one_line(sample, tmp_path):
    names = tmp_path / "names.csv"
    names.write_text("feed_name;name\nGeschaeftsbereich;   \n", encoding="utf-8")
    result = pmo(*import_args(sample.forms["verbose"].export, tmp_path / "out", names))
    assert result.exit_code == 2 and result.stderr.strip() == "pmo: names.csv, row 2: give both feed_name and name"
    assert not (tmp_path / "out").exists()


def test_guids_in_upper_case_in_projects_still_find_their_rows(sample, tmp_path):
    """Projects with its GUIDs in upper case, every other set in lower case: the same files, but for the GUIDs as
    Projects wrote them."""
    export = tmp_path / "pwa-export"
    shutil.copytree(sample.forms["verbose"].export, export)
    _rewrite(export, "Projects.json", lambda rows: [_set(row, ProjectId=row["ProjectId"].upper()) for row in rows])
    result = pmo(*import_args(export, tmp_path / "out", sample.names))
    assert result.exit_code == 0, result.output
    files, expected = snapshot(tmp_path / "out"), snapshot(sample.forms["verbose"].out)
    for name in [*SHARED, *(name for name in expected if name.startswith("seeds/"))]:
        assert files[name].decode("utf-8").casefold() == expected[name].decode("utf-8").casefold(), name
    upper = next(row["ProjectId"] for row in _page(export, "Projects.json")["d"]["results"])
    assert upper.isupper() and upper in files["register.csv"].decode("utf-8")


def test_a_zip_with_folders_and_climbing_names_is_read_flat(sample, tmp_path):
    """Members under folders or named ../../ are read by their file name and unpacked nowhere else."""
    export = tmp_path / "deep" / "er" / "pwa-export"
    shutil.copytree(sample.forms["verbose"].export, export)
    archive = _zip_with(export, {}, prefix="../../")
    result = pmo(*import_args(archive, tmp_path / "out", sample.names))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "deep").iterdir()) == ["er"]  # nothing climbed out
    assert snapshot(tmp_path / "out")["register.csv"] == snapshot(sample.forms["verbose"].out)["register.csv"]


# -- 5. the outputs work downstream ----------------------------------------------------------------------------------

# Each proposal's impact per driver, as a PMO would rate them (ProjectData holds none): by PMO id or by name.
IMPACTS = (
    "project,Grow revenue,Reduce cost,Comply with regulation,Customer satisfaction\n"
    "P-0005,Strong,Low,None,Moderate\n"
    "Network refresh,Extreme,None,Moderate,Low\n"
)


@pytest.fixture(scope="module")
def rated(sample, tmp_path_factory) -> Path:
    """The verbose export imported with an impacts sheet, so that pmo score has each proposal's ratings."""
    root = tmp_path_factory.mktemp("rated")
    impacts = root / "impacts.csv"
    impacts.write_text(IMPACTS, encoding="utf-8")
    result = pmo(*import_args(sample.forms["verbose"].export, root / "imported", sample.names, "--impacts", impacts))
    assert result.exit_code == 0, result.output
    return root / "imported"


def run_json(*arguments: object) -> dict:
    result = pmo(*arguments, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.splitlines()[-1])


def test_pmo_optimize_reads_the_pipeline_its_resources_and_compares_the_saved_scenario(sample, tmp_path):
    out = sample.forms["verbose"].out
    pipeline, resources = out / "pipeline.csv", out / "pipeline-resources.csv"
    # 400,000 buys HR self-service (344,000, priority 72.5) or Network refresh (237,000, 65), not both.
    summary = run_json("optimize", pipeline, "--resources", resources, "--total-budget", "400000",
                       "-o", tmp_path / "portfolio.xlsx")  # fmt: skip
    assert (summary["status"], summary["selected"], summary["value"]) == ("optimal", ["P-0005"], 72.5)
    assert summary["requests"] == 2 and summary["cost"] == 344000
    # The cost scenario: HR self-service forced in, Network refresh forced out, the budget its selected cost.
    compared = run_json(
        "optimize",
        pipeline,
        "--resources",
        resources,
        "--total-budget",
        "1000000",
        "--scenarios",
        out / "pipeline-scenarios.json",
        "--compare",
        "-o",
        tmp_path / "compare.xlsx",
    )
    (scenario,) = compared["scenarios"]
    assert (scenario["name"], scenario["selected"], scenario["cost"]) == ("Within budget", ["P-0005"], 344000)
    assert compared["selected"] == ["P-0005", "P-0006"]  # without the scenario's forces, 1,000,000 buys both


def test_pmo_score_ranks_the_rated_proposals_by_the_imported_drivers(rated, tmp_path):
    summary = run_json("score", rated / "pipeline.csv", "--model", rated / "scoring-model.csv",
                       "-o", tmp_path / "scores.xlsx")  # fmt: skip
    assert summary["model"] == {"name": "Project Online: Board 2026", "version": "imported"}
    # The weights Project computed from the pairwise judgements, as the feed gives them to six places (they add up
    # to 1.000001, so the score is divided by that); levels None..Extreme are 0, 0.25, 0.5, 0.75, 1.
    comply, grow, reduce, customers = 0.580592, 0.255358, 0.114114, 0.049937
    total = comply + grow + reduce + customers
    network = (comply * 0.5 + grow * 1.0 + reduce * 0.0 + customers * 0.25) / total * 100
    hr = (comply * 0.0 + grow * 0.75 + reduce * 0.25 + customers * 0.5) / total * 100
    ranking = [(entry["request_id"], entry["rank"], entry["score"]) for entry in summary["ranking"]]
    assert ranking == [("P-0006", 1, pytest.approx(network, abs=1e-6)), ("P-0005", 2, pytest.approx(hr, abs=1e-6))]


def test_pmo_generate_fills_milestones_raid_and_resource_demand_from_the_seeds(sample, tmp_path):
    from pmo_xl.templates.catalog import PROJECT_STATUS

    out = sample.forms["verbose"].out
    summary = run_json("generate", "--register", out / "register.csv", "--seeds", out / "seeds", "--out",
                       tmp_path / "workbooks", "--period", PERIOD)  # fmt: skip
    seeded = {entry["project_id"]: entry["rows"] for entry in summary["seeds"]["seeded"]}
    assert sorted(seeded) == ["P-0001", "P-0002", "P-0003", "P-0004"]
    for generated in summary["workbooks"]:
        seed = json.loads((out / "seeds" / f"{generated['project_id']}.json").read_text(encoding="utf-8"))
        workbook = Path(generated["path"])
        assert workbook.is_file()
        for table_name in ("Milestones", "RAID", "ResourceDemand"):
            table = PROJECT_STATUS.table(table_name)
            frame = read_table(workbook, table_name)
            header = {column.key: column.header for column in table.columns}
            rows = seed["tables"][table_name]
            assert rows and seeded[generated["project_id"]][table_name] == len(rows), table_name
            for number, row in enumerate(rows):
                for key, value in row.items():
                    if key[:4].isdigit() and not PERIOD <= key <= HORIZON_END:
                        continue  # the table holds the period and the 11 months after it
                    shown = frame.iloc[number][header.get(key, key)]
                    if hasattr(shown, "date"):
                        shown = shown.date().isoformat()
                    assert shown == value or shown == pytest.approx(value), (table_name, number, key)


def test_pmo_capacity_reads_the_imported_capacity(sample, tmp_path):
    """Five people with 140 hours a month each, one a role: 140 / (20 days x 8 hours) = 0.875 FTE a role, through
    2028-12, the last month the export holds capacity for."""
    from pmo_xl.ledger import open_ledger as opened_ledger

    ledger = tmp_path / "pmo_ledger.db"
    with opened_ledger(ledger, write=True):
        pass
    summary = run_json("capacity", "--ledger", ledger, "--capacity", sample.forms["verbose"].out / "capacity.csv",
                       "--period", PERIOD, "-o", tmp_path / "capacity_plan.xlsx")  # fmt: skip
    assert summary["roles"] == ["Business Analyst", "Developer", "Project Manager", "Solution Architect", "Tester"]
    plan = read_table(tmp_path / "capacity_plan.xlsx", "Demand vs capacity", first_sheet=False)
    capacity = dict(zip(plan.iloc[:, 0], plan.iloc[:, 1], strict=True))
    assert capacity["2026-06"] == capacity["2027-05"] == pytest.approx(5 * 0.875)
    assert capacity.get("2029-01", 0) == 0


# -- 6. validity ---------------------------------------------------------------------------------------------------


def _valid(path: Path) -> None:
    from openxml_audit import OpenXmlValidator

    from tests.ooxml_checks import check_package

    result = OpenXmlValidator().validate(str(path))
    assert result.is_valid, [str(error) for error in list(result.errors)[:5]]
    assert check_package(path) == []


def test_the_report_and_a_seeded_workbook_are_valid(sample, tmp_path):
    _valid(sample.forms["verbose"].out / "import-report.xlsx")
    out = sample.forms["verbose"].out
    summary = run_json("generate", "--register", out / "register.csv", "--seeds", out / "seeds", "--out",
                       tmp_path / "workbooks", "--period", PERIOD)  # fmt: skip
    _valid(Path(summary["workbooks"][0]["path"]))


def test_a_hostile_project_name_makes_a_valid_report_and_is_listed_to_mend(sample, tmp_path):
    """A bell character, markup, a formula and 40,000 characters in ProjectName: the report stays valid, the name
    stays text, and the register says what to shorten."""
    export = tmp_path / "pwa-export"
    shutil.copytree(sample.forms["verbose"].export, export)
    name = 'Data\x07 centre <move> & "=HYPERLINK(1)"' + "x" * 40000
    _rewrite(export, "Projects.json", lambda rows: _set(rows[0], ProjectName=name))
    result = pmo(*import_args(export, tmp_path / "out", sample.names))
    assert result.exit_code == 1, result.output
    assert "project_name holds 40,037 characters; an Excel cell holds at most 32,767" in result.stderr
    _valid(tmp_path / "out" / "import-report.xlsx")


@pytest.mark.libreoffice
def test_libreoffice_converts_the_report(sample, tmp_path):
    from tests.libreoffice import convert

    converted = convert(sample.forms["verbose"].out / "import-report.xlsx", "csv", tmp_path)
    text = converted.read_text(encoding="utf-8", errors="replace")
    assert text.startswith("entity_set,property,became,note") and "TaskColourCode" in text


def test_a_changed_export_into_a_filled_folder_needs_force(sample, good_run, tmp_path):
    """The PMO exports again a month later: the files that differ are named and nothing is replaced until --force."""
    export = tmp_path / "pwa-export"
    shutil.copytree(sample.forms["verbose"].export, export)
    _rewrite(export, "Projects.json", lambda rows: _set(rows[0], ProjectName="Data centre move (phase 2)"))
    out, ledger = good_run
    before, ledger_before = snapshot(out), ledger.read_bytes()
    refused = pmo(*import_args(export, out, sample.names, "--ledger", ledger))
    assert refused.exit_code == 2, refused.output
    message = refused.stderr.strip()
    assert "\n" not in message and "exist and differ from this import's; give another --out, or --force" in message
    assert "register.csv" in message
    assert snapshot(out) == before and ledger.read_bytes() == ledger_before
    shutil.copytree(out, tmp_path / "copy")
    forced = pmo(*import_args(export, tmp_path / "copy", sample.names, "--force"))
    assert forced.exit_code == 0, forced.output
    register = (tmp_path / "copy" / "register.csv").read_text(encoding="utf-8-sig")
    assert "Data centre move (phase 2)" in register
