"""The two file formats: CSV (UTF-8; a byte-order mark is accepted on read and written on export so Excel
opens it right) and XLSX (the first worksheet). Rows are numbered as a spreadsheet shows them: the header
is row 1, and a CSV record with a quoted newline is still one row."""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.parsers import expat

from hcm.errors import ImportRejected

FORMATS = ("csv", "xlsx")


@dataclass
class Sheet:
    """A file's header (names normalised: trimmed, lower case) and its non-blank records."""

    header: list[str]
    records: list[tuple[int, list[Any]]]  # (spreadsheet row number, cells)


def _reject(reason: str, row: int = 1) -> ImportRejected:
    return ImportRejected(reason, details=[{"row": row, "column": None, "reason": reason}])


def fmt_of(filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in FORMATS:
        raise _reject(f"unsupported file type {filename!r}: use a .csv or .xlsx file")
    return suffix


def read(filename: str, data: bytes) -> Sheet:
    return read_xlsx(data) if fmt_of(filename) == "xlsx" else read_csv(data)


def _blank(cells: Sequence[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _sheet(rows: Iterable[tuple[int, Sequence[Any]]]) -> Sheet:
    header: list[str] | None = None
    records: list[tuple[int, list[Any]]] = []
    for n, cells in rows:
        if header is None:
            if _blank(cells):
                raise _reject("the first row must be the header (column names)", row=n)
            header = [str(c).strip().lower() if c is not None else "" for c in cells]
        elif not _blank(cells):
            records.append((n, list(cells)))
    if header is None:
        raise _reject("the file is empty: expected a header row and data rows")
    return Sheet(header, records)


_CSV_ERRORS = {  # what Python's csv module says, in the words of someone fixing the file
    "unexpected end of data": "a quoted value is not closed: its \" runs to the end of the file",
    "',' expected after '\"'": "text after the closing \" of a quoted value (a \" inside a value is written \"\")",
}


def _records_before(text: str) -> int:
    """The spreadsheet row of the record the end of ``text`` falls in (quoted newlines stay in one row)."""
    try:
        return max(1, sum(1 for _ in csv.reader(io.StringIO(text + "x", newline=""))))
    except csv.Error:
        return text.count("\n") + 1


def read_csv(data: bytes) -> Sheet:
    """A CSV file, read strictly: a quote left open, text after a closing quote, a NUL character, or a row
    with more or fewer values than the header names columns rejects the file, naming the row."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _reject("the file is UTF-16 text (Excel's \"Unicode Text\"); save it as CSV UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = _records_before(data[: exc.start].decode("utf-8-sig", errors="replace"))
        line = data[: exc.start].count(b"\n") + 1
        raise _reject(f"the file is not UTF-8 text (first bad byte on row {row}, line {line} of the file); "
                      "save it as CSV UTF-8", row=row) from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            rows.append((len(rows) + 1, cells))
    except csv.Error as exc:
        row = len(rows) + 1
        reason = _CSV_ERRORS.get(str(exc), str(exc))
        raise _reject(f"unreadable CSV on row {row} (line {reader.line_num} of the file): {reason}", row=row) from exc
    problems: list[dict[str, Any]] = []
    names = rows[0][1] if rows else []
    width = max((i + 1 for i, name in enumerate(names) if name.strip()), default=0)  # trailing empty names: none
    for n, cells in rows:
        used = max((i + 1 for i, c in enumerate(cells) if c != ""), default=0)  # trailing empty values: none
        if n > 1 and used and not _blank(cells) and (used > width or len(cells) < width):
            problems.append({"row": n, "column": None, "reason": (
                f"{used if used > width else len(cells)} values where the header names {width} "
                "columns: a value holding a comma, a quote or a line break must be in quotes")})
        for i, c in enumerate(cells):
            if "\x00" in c:
                col = names[i].strip().lower() if n > 1 and i < len(names) and names[i].strip() else None
                problems.append({"row": n, "column": col,
                                 "reason": "a NUL character (a zero byte): the file is damaged or not text"})
    if problems:
        k = len(problems)
        raise ImportRejected(f"the CSV file is malformed, nothing was written ({k} problem{'s' if k != 1 else ''})",
                             details=problems)
    return _sheet((n, [csv_unescape(c) for c in cells]) for n, cells in rows)


# --- XLSX ----------------------------------------------------------------------------------------
MAX_XLSX_UNPACKED = 512 * 1024 * 1024  # bytes a workbook may unpack to: more is a zip bomb, not an org chart


def _looks_like_xml(name: str, head: bytes) -> bool:
    """By its name, or by its first bytes (after a byte-order mark): a part named oddly is still checked."""
    return name.lower().endswith((".xml", ".rels", ".vml")) or head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")[:1] == b"<"


def _refuse_doctype(*_: Any) -> None:
    raise _DoctypeFound


class _DoctypeFound(Exception):
    pass


def _check_parts(zf: zipfile.ZipFile) -> None:
    """Every XML part of the workbook is well-formed XML without a DOCTYPE, before openpyxl reads any of it.

    A workbook never needs a DOCTYPE, and without one there are no entities to expand (no "billion laughs",
    no external entity reading a server file); openpyxl parses through defusedxml as well. A cut-off or
    damaged part is named, with the line and column where the XML breaks."""
    infos = zf.infolist()
    if sum(i.file_size for i in infos) > MAX_XLSX_UNPACKED:
        raise _reject(f"the workbook unpacks to more than {MAX_XLSX_UNPACKED // 2**20} MB; split it into smaller files")
    for info in infos:
        if info.is_dir():
            continue
        name = info.filename
        try:
            with zf.open(info) as part:
                chunk = part.read(1 << 16)
                if not _looks_like_xml(name, chunk):
                    continue
                parser = expat.ParserCreate()
                parser.StartDoctypeDeclHandler = _refuse_doctype
                while chunk:
                    parser.Parse(chunk, False)
                    chunk = part.read(1 << 20)
                parser.Parse(b"", True)
        except _DoctypeFound:
            raise _reject(f"the part {name!r} of the workbook has a DOCTYPE declaration (which can declare "
                          "entities); a workbook has none, so the file is refused") from None
        except expat.ExpatError as exc:
            raise _reject(f"the part {name!r} of the workbook is not well-formed XML (line {exc.lineno}, column "
                          f"{exc.offset}: {expat.errors.messages[exc.code]}); the file is damaged or cut short") from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError) as exc:
            raise _reject(f"the part {name!r} of the workbook cannot be unpacked ({exc}); the file is damaged or "
                          "cut short") from exc


def read_xlsx(data: bytes) -> Sheet:
    """The first worksheet of an XLSX workbook; a damaged or unsafe workbook is refused, saying why."""
    from openpyxl import load_workbook

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _reject("not a readable .xlsx workbook: it is not a zip archive (an .xlsx file is one), or it is "
                      "cut short") from exc
    with zf:
        _check_parts(zf)
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                if not wb.worksheets:
                    raise _reject("the workbook has no worksheet")
                ws = wb.worksheets[0]
                ws.reset_dimensions()  # some writers store a wrong sheet size; read what is really there
                # With the dimensions reset, read-only mode yields gap rows as empty tuples: numbering stays true.
                rows = [(n, [xlsx_unescape(v) if isinstance(v, str) else v for v in cells])
                        for n, cells in enumerate(ws.iter_rows(values_only=True), start=1)]
            finally:
                wb.close()
        except ImportRejected:
            raise
        except Exception as exc:  # openpyxl's errors on a malformed workbook are of many types
            raise _reject(f"not a readable .xlsx workbook ({exc.__class__.__name__}: {str(exc)[:200]})") from exc
    return _sheet(rows)


# XLSX text is XML, which cannot hold most control characters and turns a carriage return into a line feed.
# Excel writes such a character as _xHHHH_ (and a "_" that starts such a sequence as _x005F_): the export does
# the same and the import reads it back, so every text makes the round trip. A NUL or a lone surrogate is
# not a character a text can hold: such an escape is left as it is.
_XLSX_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)|[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_XLSX_UNESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def xlsx_escape(text: str) -> str:
    return _XLSX_ESCAPE.sub(lambda m: f"_x{ord(m[0]):04X}_", text)


def _unescape_one(m: re.Match[str]) -> str:
    cp = int(m[1], 16)
    return m[0] if cp == 0 or 0xD800 <= cp <= 0xDFFF else chr(cp)


def xlsx_unescape(text: str) -> str:
    return _XLSX_UNESCAPE.sub(_unescape_one, text) if "_x" in text else text


# --- formula injection ---------------------------------------------------------------------------
# A spreadsheet opening a CSV runs a cell that starts with one of these as a formula (=HYPERLINK(...),
# +cmd|...). Export puts an apostrophe in front of such text (the spreadsheets' own "this is text" mark, not
# shown), and in front of text that starts with an apostrophe followed by such text; import takes exactly
# that one apostrophe off again, so every text makes the round trip unchanged.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _needs_mark(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) or (text.startswith("'") and _needs_mark(text[1:]))


def csv_escape(text: str) -> str:
    return "'" + text if _needs_mark(text) else text


def csv_unescape(text: str) -> str:
    return text[1:] if text.startswith("'") and _needs_mark(text[1:]) else text


# --- writing -------------------------------------------------------------------------------------
def _csv_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, date | datetime):
        return v.isoformat()
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, str) and not hasattr(v, "value"):  # text; numbers, dates and enum values are not marked
        return csv_escape(v)
    return str(getattr(v, "value", v))


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows([_csv_text(v) for v in row] for row in rows)
    return buf.getvalue().encode("utf-8-sig")


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "data") -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.append(list(header))

    def cell(v: Any) -> Any:
        if isinstance(v, str):
            v = xlsx_escape(v)
            if v.startswith("="):
                # A text that looks like a formula stays text: no formula injection, and it reads back as written.
                c = WriteOnlyCell(ws, value=v)
                c.data_type = "s"
                return c
            return v
        if hasattr(v, "value") and not isinstance(v, date | datetime | Decimal | bool | int | float):
            return v.value  # enums
        return v

    for row in rows:
        ws.append([cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write(fmt: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "data") -> bytes:
    if fmt == "csv":
        return write_csv(header, rows)
    if fmt == "xlsx":
        return write_xlsx(header, rows, title=title)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
