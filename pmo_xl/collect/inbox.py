"""Which files in an inbox folder are submissions to read, and which are skipped (with the reason why).

Skipped files get a 'skipped' verdict, so the Submissions view lists every file the PMO can see in the folder:
Excel's lock files (~$...), hidden and system files, files that are not workbooks by name, and OneDrive
"online-only" placeholders whose content is not on this machine. Reading a placeholder would make OneDrive
download it in the middle of the run, or fail when offline, so it is skipped with the remedy instead.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from pmo_xl.submissions import Finding, Verdict

# Read, then judged by content: .xls, .xlsb and .ods get their own clear rejection from the reader.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".ods")
SYSTEM_FILE_NAMES = {"desktop.ini", "thumbs.db", ".ds_store", "icon\r"}

# Windows file attributes (winnt.h), reported by os.stat as st_file_attributes.
FILE_ATTRIBUTE_HIDDEN = 0x2
FILE_ATTRIBUTE_SYSTEM = 0x4
FILE_ATTRIBUTE_OFFLINE = 0x1000
FILE_ATTRIBUTE_RECALL_ON_OPEN = 0x40000
FILE_ATTRIBUTE_RECALL_ON_DATA_ACCESS = 0x400000
_CLOUD_ONLY_ATTRIBUTES = FILE_ATTRIBUTE_OFFLINE | FILE_ATTRIBUTE_RECALL_ON_OPEN | FILE_ATTRIBUTE_RECALL_ON_DATA_ACCESS
# macOS File Provider (OneDrive, iCloud) marks files whose content is not downloaded as "dataless".
SF_DATALESS = 0x40000000
# A file with a size but no allocated blocks has no content on disk: how a Linux sync client's placeholder looks.
# Small files can live inside the inode on some file systems, so only sizes above one block count.
_SPARSE_PLACEHOLDER_MIN_SIZE = 4096


def list_inbox(inbox: Path) -> tuple[list[Path], list[Verdict]]:
    """Files to read under `inbox` (recursively, in a stable order), and a 'skipped' verdict for every other file."""
    to_read, skipped = walk_inbox(inbox)
    return [Path(path) for path in to_read], skipped


def walk_inbox(inbox: Path | str) -> tuple[list[str], list[Verdict]]:
    """list_inbox with each file as a plain string: what collect keeps for a run. A Path interns every part of its
    name for the life of the process, so 10,000 Paths cost 6 MB that a run never gives back."""
    inbox = os.fspath(inbox)
    to_read: list[str] = []
    skipped: list[Verdict] = []
    # Linked folders are followed, each real folder once: a link back up (a loop) or a second link to a folder
    # already read gets a verdict of its own instead of being walked again, or forever.
    seen = {_identity(os.stat(inbox))}
    for folder, folders, files in os.walk(inbox, followlinks=True):
        kept = []
        for name in sorted(folders):
            path = Path(folder) / name  # folders are few
            if _hidden_folder(path):
                reason = "a hidden or system folder (.git, .Trash, a sync client's cache); not read"
                skipped.append(Verdict(str(path), "skipped", (Finding("info", "hidden_folder", reason),)))
                continue
            try:
                identity = _identity(os.stat(path))
            except OSError as error:
                skipped.append(Verdict(str(path), "skipped", (_unreadable(error, "folder"),)))
                continue
            if identity in seen:
                reason = (
                    "a link to a folder already read (a link loop, or a second link to it): its files are read once"
                )
                skipped.append(Verdict(str(path), "skipped", (Finding("warning", "symlink_loop", reason),)))
                continue
            seen.add(identity)
            kept.append(name)
        folders[:] = kept
        for name in sorted(files):
            path = os.path.join(folder, name)
            reason = skip_reason(path)
            if reason is None:
                to_read.append(path)
            else:
                skipped.append(Verdict(str(path), "skipped", (reason,)))
    return to_read, skipped


def _identity(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def _unreadable(error: OSError, what: str = "file") -> Finding:
    if error.errno == errno.ELOOP:
        return Finding("warning", "symlink_loop", f"a link that leads back to itself (a link loop): no {what} to read")
    return Finding("warning", "unreadable", f"the {what} could not be examined ({error.strerror or error})")


def _hidden_folder(path: Path) -> bool:
    if path.name.startswith("."):
        return True
    try:
        attributes = getattr(os.stat(path), "st_file_attributes", 0)
    except OSError:
        return True
    return bool(attributes & (FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM))


def skip_reason(path: Path | str) -> Finding | None:
    """Why `path` is not read as a submission, or None if it is to be read."""
    name = os.path.basename(path)
    suffix = os.path.splitext(name)[1]
    if name.startswith("~$"):
        return Finding(
            "info", "lock_file", "an Excel lock file (~$...), created while someone has the workbook open; ignored"
        )
    try:
        status = os.stat(path)
    except OSError as error:
        return _unreadable(error)
    attributes = getattr(status, "st_file_attributes", 0)
    if name.startswith(".") or name.casefold() in SYSTEM_FILE_NAMES:
        return Finding("info", "hidden_file", "a hidden or system file; ignored")
    if attributes & (FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM):
        return Finding("info", "hidden_file", "a file marked hidden or system; ignored")
    if not stat.S_ISREG(status.st_mode):
        return Finding("info", "not_a_file", "not a regular file; ignored")
    if suffix.casefold() not in WORKBOOK_SUFFIXES:
        return Finding(
            "info", "not_a_workbook_name", f"not an Excel file by its name ('{suffix or 'no extension'}'); ignored"
        )
    if is_cloud_only(status):
        return Finding(
            "warning",
            "cloud_only",
            "the file is a OneDrive/SharePoint online-only placeholder: its content is not on this computer, so it "
            "was not read. In File Explorer right-click the inbox folder and choose 'Always keep on this device', "
            "wait for the sync to finish, then run collect again",
        )
    return None


def is_cloud_only(status: os.stat_result) -> bool:
    """True for a placeholder whose content lives only in the cloud (Windows attributes, macOS flag, sparse file)."""
    if getattr(status, "st_file_attributes", 0) & _CLOUD_ONLY_ATTRIBUTES:
        return True
    if getattr(status, "st_flags", 0) & SF_DATALESS:
        return True
    blocks = getattr(status, "st_blocks", None)
    return blocks == 0 and status.st_size > _SPARSE_PLACEHOLDER_MIN_SIZE


__all__ = ["WORKBOOK_SUFFIXES", "is_cloud_only", "list_inbox", "skip_reason", "walk_inbox"]
