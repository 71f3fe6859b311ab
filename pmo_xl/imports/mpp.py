"""Microsoft Project's own files (.mpp, and the older .mpx text format) read through MPXJ.

MPXJ (github.com/joniles/mpxj) is the well-kept reader of .mpp: the format is undocumented and changes with each
Project release, and nothing in Python reads it. It is Java, reached through JPype, and both are the optional
`plans` extra (`pip install -e '.[plans]'` in the clone) with a Java runtime: without them a .mpp gets one line saying what to
install, and Project XML is still read natively (project_xml). The JVM starts once per process, on the first
.mpp, and stays for the next (JPype cannot start a second one).
"""

from __future__ import annotations

import datetime as dt
import threading

from pmo_xl.errors import PlanError
from pmo_xl.imports.schedule import FLAG_NUMBERS, Plan, PlanTask
from pmo_xl.values import short

INSTALL_EXTRA = (
    "{source}: reading a .{kind} plan needs MPXJ and a Java runtime (11 or newer): pip install mpxj JPype1 (or "
    "pip install -e '.[plans]' in the pmo-xl clone), "
    "or save the plan from Microsoft Project as XML (File > Save As > XML), which pmo reads without Java"
)
INSTALL_JAVA = (
    "{source}: reading a .{kind} plan needs a Java runtime (11 or newer), and none was found ({why}): install one (Debian or "
    "Ubuntu: apt-get install default-jre-headless; Windows or macOS: https://adoptium.net) or set JAVA_HOME, or save "
    "the plan from Microsoft Project as XML (File > Save As > XML), which pmo reads without Java"
)
# MPXJ logs through log4j, which warns on stderr that it has no logging set up: not the PMO's business.
_JVM_OPTIONS = ("-Dlog4j2.StatusLogger.level=OFF", "-Djava.awt.headless=true")
_START = threading.Lock()


def _reader_class(kind: str, source: str):
    """MPXJ's reader of the kind ("mpp" or "mpx"), the JVM started on the first call of the process."""
    try:
        import jpype
        import mpxj  # noqa: F401  (puts MPXJ's jars on the class path, before the JVM starts)
    except ImportError:
        raise PlanError(INSTALL_EXTRA.format(source=source, kind=kind)) from None
    with _START:
        if not jpype.isJVMStarted():
            try:
                jpype.startJVM(*_JVM_OPTIONS, convertStrings=False)
            except (jpype.JVMNotFoundException, jpype.JVMNotSupportedException, OSError, RuntimeError) as error:
                raise PlanError(INSTALL_JAVA.format(source=source, kind=kind, why=short(str(error), 100))) from None
    try:
        from org.mpxj.mpp import MPPReader
        from org.mpxj.mpx import MPXReader
    except ImportError:
        raise PlanError(
            f"{source}: MPXJ's classes are not on the running Java's class path (Java was started before MPXJ was loaded); "
            "run pmo in a new process"
        ) from None
    # The kind's own reader, not MPXJ's UniversalProjectReader, which answers a damaged file with no project and
    # no reason; these say what is wrong (and MPPReader that a file is protected by a password).
    return MPPReader if kind == "mpp" else MPXReader


def read_with_mpxj(data: bytes, *, baseline: int, source: str, kind: str) -> Plan:
    """The plan in `data` (a .mpp or .mpx file's bytes), read by MPXJ."""
    reader_class = _reader_class(kind, source)
    import jpype
    from java.io import ByteArrayInputStream

    try:
        project = reader_class().read(ByteArrayInputStream(jpype.JArray(jpype.JByte)(data)))
    except jpype.JException as error:
        raise PlanError(_why_unread(source, kind, error)) from None
    if project is None:
        raise PlanError(f"{source}: the .{kind} file is damaged or is not a Microsoft Project plan (MPXJ cannot read "
                        "it); open it in Microsoft Project and save it again")  # fmt: skip
    title = project.getProjectProperties().getProjectTitle()
    tasks = tuple(
        _task(task, baseline)
        for task in project.getTasks()
        if not task.getNull() and _java_int(task.getOutlineLevel(), 1) != 0  # blank rows; the project summary task
    )
    return Plan(source=source, file_format=kind.upper(), title=str(title or "").strip(), baseline=baseline,
                tasks=tasks)  # fmt: skip


def _why_unread(source: str, kind: str, error: Exception) -> str:
    message = str(error.getMessage() or "") if hasattr(error, "getMessage") else str(error)
    if "password" in message.casefold():
        return (f"{source}: the plan is protected by a password; open it in Microsoft Project, remove the password "
                "(File > Save As > Tools > General Options) and save it again")  # fmt: skip
    why = short(message or type(error).__name__, 100)
    return (f"{source}: the .{kind} file is damaged or is not a Microsoft Project plan (MPXJ: {why}); open it in "
            "Microsoft Project and save it again")  # fmt: skip


def _task(task, baseline: int) -> PlanTask:
    if baseline == 0:
        baseline_start, baseline_finish = task.getBaselineStart(), task.getBaselineFinish()
    else:
        baseline_start, baseline_finish = task.getBaselineStart(baseline), task.getBaselineFinish(baseline)
    percent = task.getPercentageComplete()
    return PlanTask(
        uid=_java_int(task.getUniqueID(), 0),
        name=str(task.getName() or "").strip(),
        outline_level=_java_int(task.getOutlineLevel(), 1),
        summary=bool(task.getSummary()),
        milestone=bool(task.getMilestone()),
        start=_day(task.getStart()),
        finish=_day(task.getFinish()),
        baseline_start=_day(baseline_start),
        baseline_finish=_day(baseline_finish),
        actual_start=_day(task.getActualStart()),
        actual_finish=_day(task.getActualFinish()),
        percent_complete=None if percent is None else round(percent.doubleValue()),
        deadline=_day(task.getDeadline()),
        flags=tuple(number for number in FLAG_NUMBERS if task.getFlag(number)),
    )


def _java_int(value, default: int) -> int:
    """A Java Integer as an int (its intValue: no text involved)."""
    return default if value is None else value.intValue()


def _day(value) -> dt.date | None:
    """A java.time.LocalDateTime as its calendar day."""
    if value is None:
        return None
    return dt.date(value.getYear(), value.getMonthValue(), value.getDayOfMonth())
