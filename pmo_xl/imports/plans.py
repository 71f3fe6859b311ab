"""`read_plan`: a project plan file (.mpp, .mpx or Project XML) as a `Plan`, whatever its kind.

The kind is told from the bytes, not the name (a plan renamed .xml by a PM is still read): Project XML goes to the
native reader, which needs no Java; .mpp (an OLE compound file) and .mpx (text starting `MPX,`) go to MPXJ, the
optional `plans` extra. Anything else is refused in one line that says what would be read.
"""

from __future__ import annotations

from pathlib import Path

from pmo_xl.errors import PlanError
from pmo_xl.imports.schedule import BASELINE_NUMBERS, Plan
from pmo_xl.values import readable_name

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # MS-CFB: .mpp (and .xls, .doc, .msg: MPXJ tells those apart)
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
KNOWN_KINDS = "a Microsoft Project plan (.mpp, .mpx or Project XML)"


def plan_kind(data: bytes) -> str | None:
    """'xml', 'mpp' or 'mpx' from the file's first bytes; None for anything else."""
    if data.startswith(_OLE_MAGIC):
        return "mpp"
    if data.startswith(_UTF16_BOMS):
        return "xml"
    text = data.removeprefix(_UTF8_BOM).lstrip()
    if text.startswith(b"<"):
        return "xml"
    if text.startswith(b"MPX,"):
        return "mpx"
    return None


def _what_it_is(data: bytes) -> str:
    if not data:
        return "an empty file"
    if data.startswith(b"PK\x03\x04"):
        return "a zip package (an Excel or Word file?)"
    if data.startswith(b"%PDF"):
        return "a PDF"
    return "not " + KNOWN_KINDS


def read_plan_bytes(data: bytes, *, source: str, baseline: int = 0) -> Plan:
    """The plan in `data`; `source` names it in messages. Its baseline dates are baseline `baseline` (0-10)."""
    if baseline not in BASELINE_NUMBERS:
        raise PlanError(f"baseline {baseline}: Microsoft Project keeps baselines 0 to 10")
    kind = plan_kind(data)
    if kind is None:
        raise PlanError(f"{source}: {_what_it_is(data)}; pmo reads {KNOWN_KINDS}")
    if kind == "xml":
        from pmo_xl.imports.project_xml import read_project_xml

        plan = read_project_xml(data, baseline=baseline, source=source)
    else:
        from pmo_xl.imports.mpp import read_with_mpxj

        plan = read_with_mpxj(data, baseline=baseline, source=source, kind=kind)
    if not plan.tasks:
        raise PlanError(f"{source}: the plan holds no tasks; add them in Microsoft Project and save it again")
    return plan


def read_plan(path: Path, *, baseline: int = 0) -> Plan:
    """The plan in the file at `path` (see read_plan_bytes)."""
    source = readable_name(Path(path).name)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise PlanError(f"{readable_name(str(path))}: no such file") from None
    except IsADirectoryError:
        raise PlanError(f"{readable_name(str(path))}: a folder, not a plan file") from None
    except OSError as error:
        raise PlanError(f"{readable_name(str(path))}: cannot be read ({error.strerror})") from None
    return read_plan_bytes(data, source=source, baseline=baseline)
