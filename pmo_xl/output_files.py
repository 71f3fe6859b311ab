"""Writing outputs safely: atomic replacement, retries on files locked by Excel or OneDrive, safe file names."""

from __future__ import annotations

import os
import re
import stat
import tempfile
import time
import unicodedata
from pathlib import Path

from pmo_xl.errors import OutputError

# Windows refuses these as file names whatever the extension.
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10))}
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
# Room for the folder: Windows' classic MAX_PATH is 260 characters, and most file systems cap a name at 255 bytes.
MAX_NAME_BYTES = 150


def safe_file_name(name: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file name that Windows, macOS and Linux all accept, and that OneDrive and SharePoint sync."""
    name = unicodedata.normalize("NFC", name)
    stem, dot, extension = name.rpartition(".")
    if not dot:
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


def write_bytes_atomic(path: str | Path, data: bytes, attempts: int = 5) -> Path:
    """Write `data` to `path` through a temporary file in the same folder, so no reader ever sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".pmo-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, output_mode(path))
        replace_with_retry(temporary, path, attempts)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path


def atomic_target(path: str | Path) -> Path:
    """A temporary path beside `path` for writers that need a file name (XlsxWriter); pass it to replace_with_retry."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".pmo-", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    # Writers that take a file name (XlsxWriter) open the existing temporary file, so its mode is what lands.
    os.chmod(temporary, output_mode(path))
    return Path(temporary)
