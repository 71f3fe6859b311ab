"""The PMO's e-mail drafts: one `.eml` file per message, which Outlook opens as an unsent draft (X-Unsent: 1).

pmo-xl never sends mail: the PMO reviews each draft and sends it from their own mailbox. Every draft (the
send-out, the feedback on a returned report, the reminder) is made here, by Python's `email` package, which
writes non-ASCII attachment names as RFC 2231 parameters (`filename*=utf-8''...`) and headers as RFC 2047.
Nothing here knows about projects: the callers say who, what and which files.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path

from pmo_xl.excel.files import safe_file_name, write_bytes_atomic

# Mail clients on Windows expect CRLF line ends in a saved message. Lines up to RFC 5322's 998 characters: at the
# default 78, a long subject was folded right after "Subject:" and some clients showed it with a leading space.
EML_POLICY = policy.default.clone(linesep="\r\n", max_line_length=998)
# One address, no display name: what a register cell or a setting holds.
_ADDRESS = re.compile(r"[^@\s;,<>\"()]+@[^@\s;,<>\"()]+\.[^@\s;,<>\"().]+")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def address_problem(address: str, column: str = "address") -> str:
    """'' when `address` is one plain e-mail address; else what is wrong with it, in words for the PMO."""
    text = (address or "").strip()
    if not text:
        return f"{column} is empty"
    if not _ADDRESS.fullmatch(text):
        return f"{column} '{text}' is not one e-mail address (e.g. ana@example.org)"
    return ""


@dataclass(frozen=True)
class Attachment:
    file_name: str
    data: bytes
    mime_type: str = ""

    @classmethod
    def of(cls, path: Path | str, file_name: str | None = None) -> Attachment:
        path = Path(path)
        return cls(file_name or path.name, path.read_bytes())

    @property
    def type(self) -> tuple[str, str]:
        mime = self.mime_type or _guess_type(self.file_name)
        main, _, sub = mime.partition("/")
        return main, sub


def _guess_type(file_name: str) -> str:
    if file_name.lower().endswith(".xlsx"):
        return XLSX_TYPE
    if file_name.lower().endswith(".ics"):
        return "text/calendar"
    return mimetypes.guess_type(file_name)[0] or "application/octet-stream"


class _Kept(dict):
    """A placeholder the PMO's wording names but the message does not know stays as typed: `{oops}`."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(wording: str, **values: object) -> str:
    """The PMO's wording (a setting) with its {placeholders} filled; an unknown one, or a stray brace, is kept."""
    try:
        return wording.format_map(_Kept({key: "" if value is None else str(value) for key, value in values.items()}))
    except (ValueError, IndexError, AttributeError):  # '{' alone, '{0}', '{a.b}': the wording is shown as written
        return wording


def draft(
    to: Sequence[str],
    subject: str,
    body: str,
    *,
    cc: Sequence[str] = (),
    sender: str = "",
    attachments: Iterable[Attachment] = (),
) -> EmailMessage:
    """An unsent draft: X-Unsent makes Outlook open it for editing and sending, never send it by itself."""
    message = EmailMessage(policy=EML_POLICY)
    message["X-Unsent"] = "1"
    message["To"] = ", ".join(dict.fromkeys(to))
    copied = [address for address in dict.fromkeys(cc) if address not in to]
    if copied:
        message["Cc"] = ", ".join(copied)
    if sender:
        message["From"] = sender
    message["Subject"] = subject
    # Quoted-printable: every byte on the wire is ASCII (no 8-bit text for a gateway to mangle), lines kept short.
    message.set_content(body, cte="quoted-printable")
    for attachment in attachments:
        main, sub = attachment.type
        message.add_attachment(attachment.data, maintype=main, subtype=sub, filename=attachment.file_name)
    return message


def sender(name: str, address: str) -> str:
    """The From of the PMO's drafts: 'PMO <pmo@example.org>', or '' when no address is set (the mailbox's own)."""
    return formataddr((name, address)) if address else ""


def draft_names(stems: Sequence[str]) -> list[str]:
    """A file name for each draft, in order: safe on every file system, and unique (case-insensitively)."""
    names: list[str] = []
    used: set[str] = set()
    for stem in stems:
        stem = safe_file_name(stem, max_bytes=100)
        name = stem + ".eml"
        counter = 2
        while name.casefold() in used:
            name = f"{stem} ({counter}).eml"
            counter += 1
        used.add(name.casefold())
        names.append(name)
    return names


def write_drafts(messages: Sequence[tuple[str, EmailMessage]], folder: Path | str) -> list[Path]:
    """Each (stem, message) as `folder/<stem>.eml`, written atomically; returns the files written."""
    folder = Path(folder)
    names = draft_names([stem for stem, _ in messages])
    return [
        write_bytes_atomic(folder / name, message.as_bytes(policy=EML_POLICY))
        for name, (_, message) in zip(names, messages, strict=True)
    ]
