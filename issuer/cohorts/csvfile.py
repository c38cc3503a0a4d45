"""Reading a cohort CSV and writing the CSV of offer links.

The file is what a registrar exports from a spreadsheet or a student information system:
UTF-8 with or without a byte-order mark, a header row, comma- or semicolon-delimited (Excel
in German or French writes semicolons). Every row is read and checked before anything is
created, so that one upload reports every problem at once, each with the line number a
spreadsheet shows. The rules of the micro-credential model itself (an allowed grade, an
activity that ends after it starts) are checked by the service with the award model.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from issuer.awards.service import Recipient

COLUMNS = ("name", "email", "student_id", "grade", "activity_start", "activity_end", "tx_code")
REQUIRED_COLUMNS = ("name",)
DELIMITERS = (",", ";")
# The longest values the awards table holds (issuer.models.Award).
MAX_LENGTH = {"name": 300, "email": 320, "student_id": 100, "grade": 100}
YES = frozenset({"yes", "y", "true", "1", "x"})
NO = frozenset({"no", "n", "false", "0", ""})
# Only the shape is checked: whether the mailbox exists is for the mail server to say.
_EMAIL = re.compile(r"^[^@\s,;<>\"()\[\]]+@(?:[\w-]+\.)+[^\W\d_]{2,}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A cell starting with one of these is a formula to a spreadsheet: a learner's name could
# otherwise run as one when the registrar opens the links file.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

FILE = "(file)"
ROW = "(row)"


@dataclass(frozen=True)
class RowProblem:
    """What is wrong, where: ``line`` as a text editor or spreadsheet numbers it."""

    line: int
    field: str
    reason: str


@dataclass(frozen=True)
class CohortRow:
    line: int
    recipient: Recipient
    tx_code: bool


@dataclass(frozen=True)
class ParsedFile:
    rows: list[CohortRow]
    problems: list[RowProblem]
    delimiter: str
    # Rows the CSV rules refused, with their bad cells left out: the award model still
    # checks the rest of them, so that one upload names every problem of every row.
    flawed: tuple[CohortRow, ...] = ()


def parse_cohort(data: bytes) -> ParsedFile:
    """Every row of the file, and every problem the CSV itself shows."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        reason = "the file is not UTF-8 text; save it as 'CSV UTF-8' and upload it again"
        return ParsedFile([], [RowProblem(line, FILE, reason)], ",")
    delimiter = _delimiter(text)
    try:
        return _parse(text, delimiter)
    except _MalformedCsv as exc:
        return ParsedFile([], [RowProblem(exc.line, FILE, exc.reason)], delimiter)


def _parse(text: str, delimiter: str) -> ParsedFile:
    records = _records(text, delimiter)
    header_line, header = next(records, (1, []))
    columns, problems = _columns(header_line, header)
    if problems:
        return ParsedFile([], problems, delimiter)
    rows: list[CohortRow] = []
    flawed: list[CohortRow] = []
    seen = _Duplicates()
    for line, cells in records:
        row, row_problems = _row(line, columns, cells, seen)
        problems += row_problems
        (flawed if row_problems else rows).append(row)
    if not rows and not problems:
        problems.append(RowProblem(header_line, FILE, "the file has a header but no learners"))
    return ParsedFile(rows, problems, delimiter, tuple(flawed))


class _MalformedCsv(Exception):
    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line
        self.reason = reason


def _delimiter(text: str) -> str:
    """Semicolon when the header has more semicolons than commas (Excel in DE/FR), else comma."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if first.count(";") > first.count(",") else ","


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank record with the line it starts on (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _MalformedCsv(start, f"the CSV is malformed here ({exc})") from None
        # Blank lines, and rows of empty cells a spreadsheet leaves at the end, are no one.
        if any(cell.strip() for cell in cells):
            yield start, cells


# "E-Mail", "Student ID" and "student_id" all name the same column.
_COLUMN_BY_KEY = {column.replace("_", ""): column for column in COLUMNS}


def _column_of(cell: str) -> str | None:
    return _COLUMN_BY_KEY.get(re.sub(r"[\s_-]+", "", cell.lower()))


def _columns(line: int, header: list[str]) -> tuple[list[str | None], list[RowProblem]]:
    """The column of each cell (None for an empty trailing header cell) and header problems."""
    if not any(cell.strip() for cell in header):
        return [], [
            RowProblem(line, FILE, "the file is empty; the first line must name the columns")
        ]
    problems: list[RowProblem] = []
    columns: list[str | None] = []
    for cell in header:
        name = _column_of(cell)
        if not cell.strip():
            columns.append(None)
        elif name is None:
            expected = ", ".join(COLUMNS)
            problems.append(RowProblem(line, cell.strip(), f"unknown column; use {expected}"))
            columns.append(None)
        elif name in columns:
            problems.append(RowProblem(line, name, "this column appears twice in the header"))
            columns.append(None)
        else:
            columns.append(name)
    for required in REQUIRED_COLUMNS:
        if required not in columns:
            problems.append(RowProblem(line, required, "the header has no such column"))
    return columns, problems


def _row(
    line: int, columns: list[str | None], cells: list[str], seen: _Duplicates
) -> tuple[CohortRow, list[RowProblem]]:
    """The row (without the cells found bad) and what is wrong with it."""
    problems: list[RowProblem] = []
    if any(cell.strip() for cell in cells[len(columns) :]):
        problems.append(
            RowProblem(line, ROW, "this row has more cells than the header has columns")
        )
    values = {column: cell.strip() for column, cell in zip(columns, cells, strict=False) if column}

    def problem(field: str, reason: str) -> None:
        problems.append(RowProblem(line, field, reason))

    name = values.get("name", "")
    if not name:
        problem("name", "missing; every learner needs a name")
    for field, limit in MAX_LENGTH.items():
        if len(values.get(field, "")) > limit:
            problem(field, f"longer than {limit} characters")
    email = values.get("email", "")
    if email and not _EMAIL.match(email):
        problem("email", f"{email!r} is not an e-mail address")
    problems += seen.check(line, email, values.get("student_id", ""))
    dates: dict[str, date | None] = {}
    for field in ("activity_start", "activity_end"):
        try:
            dates[field] = _date(values.get(field, ""))
        except ValueError:
            dates[field] = None
            problem(field, f"{values[field]!r} is not a valid date in the form YYYY-MM-DD")
    tx_code = values.get("tx_code", "").lower()
    if tx_code not in YES | NO:
        problem("tx_code", f"{values['tx_code']!r} is neither yes nor no")
    recipient = Recipient(
        name=name or "(missing)",
        email=email or None,
        student_id=values.get("student_id") or None,
        grade=values.get("grade") or None,
        activity_start=dates["activity_start"],
        activity_end=dates["activity_end"],
    )
    return CohortRow(line, recipient, tx_code in YES), problems


def _date(text: str) -> date | None:
    """The date, or None for an empty cell; ValueError unless it is YYYY-MM-DD."""
    if not text:
        return None
    if not _ISO_DATE.match(text):
        raise ValueError(text)
    return date.fromisoformat(text)


class _Duplicates:
    """Two rows for one learner (same e-mail or same student id) would mean two awards."""

    def __init__(self) -> None:
        self._emails: dict[str, int] = {}
        self._student_ids: dict[str, int] = {}

    def check(self, line: int, email: str, student_id: str) -> list[RowProblem]:
        problems = []
        if email:
            first = self._emails.setdefault(email.casefold(), line)
            if first != line:
                problems.append(RowProblem(line, "email", f"the same e-mail as line {first}"))
        if student_id:
            first = self._student_ids.setdefault(student_id, line)
            if first != line:
                problems.append(
                    RowProblem(line, "student_id", f"the same student id as line {first}")
                )
        return problems


OFFER_COLUMNS = (
    "line",
    "name",
    "email",
    "student_id",
    "award_id",
    "credential_offer_uri",
    "wallet_link",
    "qr_png_url",
    "tx_code",
    # "new offer", or why the learner has none: "already received", "revoked", "suspended".
    "status",
)


def write_csv(rows: Iterable[dict[str, object]], delimiter: str = ",") -> str:
    """The offer links as CSV, with a byte-order mark so that Excel reads it as UTF-8."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(OFFER_COLUMNS)
    for row in rows:
        writer.writerow(_cell(row.get(column)) for column in OFFER_COLUMNS)
    return buffer.getvalue()


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text
