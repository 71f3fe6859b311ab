"""Writing outputs safely: atomic replacement, retries on files locked by Excel or OneDrive, safe file names."""

from __future__ import annotations

import errno
import io
import os
import re
import stat
import tempfile
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

from pmo_xl.errors import OutputError, OutputFault

# Windows refuses these as file names whatever the extension.
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10))}
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
# Room for the folder: Windows' classic MAX_PATH is 260 characters, and most file systems cap a name at 255 bytes.
MAX_NAME_BYTES = 150


def safe_file_name(name: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file name that Windows, macOS and Linux all accept, and that OneDrive and SharePoint sync."""
    name = unicodedata.normalize("NFC", name)
    stem, dot, extension = name.rpartition(".")
    # Only a short run of letters and digits after the last dot is an extension: in "Dr. Schmidt/Weber" the dot is
    # a title's, and the '/' after it must be cleaned like the rest.
    if not dot or not stem or not re.fullmatch(r"[A-Za-z0-9]{1,8}", extension):
        stem, extension = name, ""
    stem = _UNSAFE.sub("_", stem)
    stem = re.sub(r"\s+", " ", stem).strip().rstrip(".")
    if stem.split(".")[0].upper() in _RESERVED:
        stem = f"_{stem}"
    suffix = f".{extension}" if extension else ""
    budget = max_bytes - len(suffix.encode("utf-8"))
    encoded = stem.encode("utf-8")
    if len(encoded) > budget:
        stem = encoded[:budget].decode("utf-8", errors="ignore").rstrip(" .")
    return (stem or "_") + suffix


def replace_with_retry(source: str | Path, target: str | Path, attempts: int = 5, delay: float = 0.4) -> None:
    """os.replace, retried while another program (Excel, OneDrive, antivirus) holds the target open."""
    for attempt in range(attempts):
        try:
            os.replace(source, target)
            return
        except PermissionError as error:
            if attempt == attempts - 1:
                raise OutputError(
                    f"{target}: the file is locked by another program (is it open in Excel, or syncing in "
                    f"OneDrive?). Close it and run again. ({error.strerror})"
                ) from error
            time.sleep(delay * (attempt + 1))


def _default_mode() -> int:
    """The mode a plain open() would give: mkstemp's 0600 would hide outputs from colleagues on a shared drive."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def output_mode(path: str | Path) -> int:
    """The mode an output at `path` should have: the replaced file's own (someone may have shared or locked it
    down on purpose), else what a plain open() would give."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return _default_mode()


# A temporary file this old beside an output was left by a run that was killed: the next write there removes it.
STALE_TEMPORARY_SECONDS = 15 * 60
_TEMPORARY_PREFIX = ".pmo-"


def write_bytes_atomic(path: str | Path, data: bytes, attempts: int = 5) -> Path:
    """Write `data` to `path` through a temporary file in the same folder, so no reader ever sees half a file."""
    path = Path(path)
    temporary = atomic_target(path, ".tmp")
    try:
        try:
            with open(temporary, "wb") as stream:
                stream.write(data)
        except OSError as error:
            raise OutputFault(_cannot_write(path, error)) from None
        replace_with_retry(temporary, path, attempts)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path


def write_workbook_atomic(
    path: str | Path,
    build: Callable[[object], None],
    options: dict | None = None,
    finish: Callable[[bytes], bytes] | None = None,
) -> Path:
    """An XlsxWriter workbook built in memory by `build(workbook)` (and its bytes passed through `finish`, for a
    writer that completes parts itself), then written by write_bytes_atomic: one path to disk for every workbook we
    write, so a locked file, a full disk or a read-only folder is said the same way."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {**(options or {}), "in_memory": True})
    build(workbook)
    workbook.close()
    data = buffer.getvalue()
    return write_bytes_atomic(path, finish(data) if finish is not None else data)


def atomic_target(path: str | Path, suffix: str | None = None) -> Path:
    """A temporary path beside `path` for writers that need a file name (XlsxWriter); pass it to replace_with_retry.

    Leftovers of killed runs in that folder are removed first. A folder that cannot be written (read-only, full
    disk, gone) raises OutputError with the path and the fix, never a traceback."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _sweep_once(path.parent)
        handle, temporary = tempfile.mkstemp(
            prefix=_TEMPORARY_PREFIX, suffix=path.suffix if suffix is None else suffix, dir=path.parent
        )
        os.close(handle)
        # Writers that take a file name (XlsxWriter) open the existing temporary file, so its mode is what lands.
        os.chmod(temporary, output_mode(path))
    except OSError as error:
        raise OutputFault(_cannot_write(path, error)) from None
    return Path(temporary)


_SWEPT: dict[str, float] = {}


def _sweep_once(folder: Path) -> None:
    """Remove a killed run's leftovers from `folder` when this process first writes there, and again only once they
    could have gone stale since (a long-lived process, Excel's): sweeping on every write made writing N files into
    one folder cost N x N (an import writes 2,000 seed files)."""
    key = os.path.abspath(folder)
    now = time.time()
    if now - _SWEPT.get(key, float("-inf")) >= STALE_TEMPORARY_SECONDS:
        remove_stale_temporaries(folder, now)
        _SWEPT[key] = now


def remove_stale_temporaries(folder: Path, now: float | None = None, older_than: float | None = None) -> list[Path]:
    """Remove our temporary files in `folder` older than `older_than` seconds (STALE_TEMPORARY_SECONDS by default:
    a killed run's; a running writer's are younger and stay). A caller that knows no other writer can be at work
    there (collect, holding the ledger's lock) passes 0."""
    age = STALE_TEMPORARY_SECONDS if older_than is None else older_than
    cutoff = (time.time() if now is None else now) - age
    removed = []
    for leftover in Path(folder).glob(_TEMPORARY_PREFIX + "*"):
        try:
            if leftover.is_file() and leftover.stat().st_mtime < cutoff:
                leftover.unlink()
                removed.append(leftover)
        except OSError:
            continue
    return removed


def cannot_write_in(folder: Path) -> str:
    """'' when a file can be written in `folder` (made if missing); else why not, as an OutputFault would say it."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=_TEMPORARY_PREFIX + "try-"):
            pass
    except OSError as error:
        return _cannot_write(Path(folder), error)
    return ""


def _cannot_write(path: Path, error: OSError) -> str:
    if error.errno == errno.ENOSPC:
        why = "the disk is full: free some space, or write elsewhere"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "the folder is read-only for you: choose a folder you can write to"
    else:
        why = f"{error.strerror or error}: choose another folder"
    return f"{path}: cannot be written ({why}); nothing was changed there"
