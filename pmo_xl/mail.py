"""The PMO's e-mail drafts: one `.eml` file per message, which Outlook opens as an unsent draft (X-Unsent: 1).

pmo-xl never sends mail: the PMO reviews each draft and sends it from their own mailbox. Every draft (the
send-out, the feedback on a returned report, the reminder) is made here, by Python's `email` package, which
writes non-ASCII attachment names as RFC 2231 parameters (`filename*=utf-8''...`) and headers as RFC 2047.
Nothing here knows about projects: the callers say who, what and which files.
"""

from __future__ import annotations

import email.errors
import mimetypes
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

from pmo_xl.excel.files import safe_file_name, write_bytes_atomic

# Mail clients on Windows expect CRLF line ends in a saved message. Lines up to RFC 5322's 998 characters: at the
# default 78, a long subject was folded right after "Subject:" and some clients showed it with a leading space.
EML_POLICY = policy.default.clone(linesep="\r\n", max_line_length=998)
# Base64 makes an attachment a third larger: 15 MB is 20 MB on the wire, the default limit of Exchange Online and of
# most mail servers. A larger file is not attached, and the run says so.
ATTACHMENT_LIMIT_BYTES = 15 * 1024 * 1024
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


# The PMO's wording names what a message fills in as {name}; nothing else in braces is a placeholder.
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Every placeholder a message fills in (the settings refuse wording that names another).
PLACEHOLDERS = ("name", "period", "deadline", "data_as_of", "projects", "project", "file", "returns")


def placeholders_in(wording: str) -> list[str]:
    """Every {...} in `wording` that is not one of PLACEHOLDERS, as typed: a typo the PMO should hear of."""
    return [match for match in re.findall(r"\{[^{}]*\}", wording) if match[1:-1] not in PLACEHOLDERS]


def fill(wording: str, **values: object) -> str:
    """The PMO's wording (a setting) with its {placeholders} filled; anything else in braces is kept as typed,
    and nothing is formatted (no '{name:>900000000}' padding, no '{0}')."""
    known = {key: "" if value is None else str(value) for key, value in values.items()}
    return _PLACEHOLDER.sub(lambda match: known.get(match.group(1), match.group(0)), wording)


def draft(
    to: Sequence[str],
    subject: str,
    body: str,
    *,
    cc: Sequence[str] = (),
    sender: Address | str = "",
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


def sender(name: str, address: str) -> Address | str:
    """The From of the PMO's drafts: 'PMO <pmo@example.org>' (a name with <, ( or non-ASCII letters quoted or
    encoded whole), or '' when no address is set (the mailbox's own)."""
    if not address:
        return ""
    try:
        return Address(display_name=name, addr_spec=address)
    except (ValueError, IndexError, email.errors.HeaderParseError):  # not one address: let the mailbox say who
        return ""


def draft_names(stems: Sequence[str]) -> list[str]:
    """A file name for each draft, in order: safe on every file system, and unique (case-insensitively)."""
    names: list[str] = []
    used: set[str] = set()
    for stem in stems:
        name = safe_file_name(stem + ".eml", max_bytes=100)
        stem = name.removesuffix(".eml")
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
