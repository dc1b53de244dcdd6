"""CSV / XLSX import and export of the org model, by business keys, all-or-nothing.

Kinds, in dependency order (``KINDS``); the columns are those of ``COLUMNS[kind]`` (the export writes all
of them in that order; ``*`` = must be in the header of an import):

  job_families   code*, name*
  grades         code*, name*, level*, pay_min*, pay_mid*, pay_max*
  departments    code*, name*, parent_code
  positions      code*, title*, department_code*, grade_code, job_family_code, reports_to_code, is_key,
                 is_active, head_of (codes of the departments this post heads, ``;``-separated)
  skills         code*, name*, category, taxonomy_uri, description
  requirements   position_code*, skill_code*, required_level*, importance
  employees      external_id*, first_name*, last_name*, email, hire_date*, position_code, salary, gender,
                 birth_year, status, exit_date, exit_reason
  assignments    employee_external_id*, position_code* (empty for exits), start_date*, end_date, reason*,
                 salary, note
  proficiencies  employee_external_id*, skill_code*, level*, source*, assessed_on*

Reading: headers match case-insensitively after trimming; other columns are ignored; blank rows are
skipped. A row number is the spreadsheet row (header = row 1).

Text is kept exactly as the file holds it: spaces, tabs and line breaks at either end of a name, a title,
a description or a note are part of it, and a cell is empty only when it holds nothing at all. Codes and
ids (code, the *_code columns, external_id, employee_external_id) are exact too and never have white
space around them: such a value is refused with its row and column, never trimmed into another key
(head_of's codes may have spaces around the ``;``). Around a number, a date, a yes/no or a choice, white
space is not part of the value and is ignored; a cell of spaces only is empty there. Dates are
YYYY-MM-DD (or date cells), yes/no columns take true/false/yes/no/1/0, enums their lower-case values. An
empty text stored through the API and an empty cell count as the same value.

CSV is UTF-8 (a byte-order mark is fine, quoted newlines are fine) and is read strictly: a quote left
open, text after a closing quote, a NUL character, a row with more or fewer values than the header has
names (empty values at the end of a row do not count), or another encoding (UTF-16, Latin-1) rejects
the whole file, naming the row. CSV text that a spreadsheet would run as a formula (starting with
= + - @, a tab or a carriage return) is exported with a leading apostrophe, the spreadsheets' mark for
text, and import takes that one apostrophe off (``hcm.io.files.csv_escape``).

XLSX is its first sheet. A workbook that is not a zip archive or is cut short, has a part that is not
well-formed XML or cannot be unpacked, has a DOCTYPE (the only place entities can be declared) in any
part, or unpacks to more than 512 MB is refused, naming the part and the problem; openpyxl also parses
through defusedxml. Text that looks like a formula is stored as text; a character XML cannot hold (a
carriage return, another control character) is written as Excel writes it, ``_xHHHH_`` (and a ``_`` that
would start such a sequence as ``_x005F_``), and read back, so every text makes the round trip in both
formats.

Upsert: a key already in the database updates that row, a new key inserts one. Only the columns the file
has are written: an optional column left out of the file leaves the stored value alone, while an empty
cell in a column that is there clears it. A row equal to the database is counted ``unchanged`` and not
written, so exporting and re-importing reports zero inserts and updates. Nothing is ever deleted, except
by the assignments import (below). References resolve against the file and the database for the kind's
own tree (``parent_code``, ``reports_to_code``), and against the database for everything else (so load
the kinds in ``KINDS`` order).

All-or-nothing: every row is checked (types, enums, ranges, required values, duplicate keys, unknown
references, cycles in both trees over file + database, pay bands, one holder per post, unique emails and
taxonomy URIs), every problem is collected as ``{row, column, reason}``, and if there is any the file is
rejected with ``ImportRejected`` before a single write. Writes are bulk (one query per table to load keys,
executemany inserts/updates); outbox rows use the same topics, keys and payloads as ``hcm.org.service``.

People and history:
* employees holds each person's *current* state; status is derived from exit_date when the status cell
  is empty. The file also keeps the history consistent, as the API would:
  - a new hire with a post gets a ``hire`` assignment from hire_date (a new person already exited gets
    an exit row if exit_reason is given);
  - a different post for an active person closes the open assignment the day before ``as_of`` (the
    import date, today by default) and opens one on ``as_of``: promotion / demotion by the grade levels
    of the two posts, lateral otherwise; an empty post just closes it. If ``as_of`` is not after the
    open assignment's start the row is rejected (use the assignments file, which carries dates);
  - leaving (active -> exited) needs exit_date and exit_reason: the open assignment ends on exit_date and
    an exit row is written; leaving vacates the post; a later exit_date correction is refused here and
    made through the assignments file;
  - a rehire (exited -> active) needs a new hire_date after the exit; with a post it writes a ``hire`` row.
* assignments is the *full history* of every employee it mentions: rows match the stored history by
  (employee, start_date) and are updated in place; stored rows of those employees missing from the file
  are deleted (``deleted`` in the report); employees not in the file are untouched. Rows of one employee
  must not overlap (an exit may start on the day the previous stay ends); an exit row has no position and
  ends on its start. The latest row then sets the person's current post, status and exit date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from hcm import clock
from hcm.errors import HcmError, Invalid
from hcm.io import catalog, files, people, structure
from hcm.io.base import Ctx, ImportReport, Progress, Spec
from hcm.io.export import EXPORTERS

__all__ = ["COLUMNS", "KINDS", "ImportReport", "UnknownKind", "export_bytes", "export_file", "import_bytes",
           "import_file"]

_IMPORTS: dict[str, tuple[Spec, Callable[[Ctx], ImportReport]]] = {
    "job_families": (catalog.JOB_FAMILIES, catalog.import_job_families),
    "grades": (catalog.GRADES, catalog.import_grades),
    "departments": (structure.DEPARTMENTS, structure.import_departments),
    "positions": (structure.POSITIONS, structure.import_positions),
    "skills": (catalog.SKILLS, catalog.import_skills),
    "requirements": (catalog.REQUIREMENTS, catalog.import_requirements),
    "employees": (people.EMPLOYEES, people.import_employees),
    "assignments": (people.ASSIGNMENTS, people.import_assignments),
    "proficiencies": (people.PROFICIENCIES, people.import_proficiencies),
}
KINDS: list[str] = list(_IMPORTS)
COLUMNS: dict[str, tuple[str, ...]] = {k: spec.columns for k, (spec, _) in _IMPORTS.items()}
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class UnknownKind(HcmError):
    status_code = 404
    code = "not_found"

    def __init__(self, kind: str) -> None:
        super().__init__(f"unknown kind {kind!r}; valid kinds: {', '.join(KINDS)}", field="kind")


def _spec(kind: str) -> tuple[Spec, Callable[[Ctx], ImportReport]]:
    if kind not in _IMPORTS:
        raise UnknownKind(kind)
    return _IMPORTS[kind]


def import_bytes(db: Session, *, kind: str, filename: str, data: bytes, as_of: date | None = None,
                 progress: Progress | None = None) -> ImportReport:
    """Import one file's content; the format comes from the filename's suffix (.csv / .xlsx).

    Raises ``ImportRejected`` (with every problem in ``details``) and writes nothing if any row is bad.
    ``as_of`` dates the moves the employees file implies (default: today). Flushes, never commits.
    """
    spec, run = _spec(kind)
    sheet = files.read(filename, data)
    db.flush()
    ctx = Ctx(db=db, kind=kind, sheet=sheet, spec=spec, as_of=as_of or clock.today(), progress=progress)
    report = run(ctx)
    db.flush()
    ctx.done()
    return report


def import_file(db: Session, *, kind: str, path: Path, as_of: date | None = None,
                progress: Progress | None = None) -> ImportReport:
    _spec(kind)
    return import_bytes(db, kind=kind, filename=path.name, data=Path(path).read_bytes(), as_of=as_of,
                        progress=progress)


def export_bytes(db: Session, *, kind: str, fmt: str) -> bytes:
    spec, _ = _spec(kind)
    if fmt not in files.FORMATS:
        raise Invalid(f"unknown format {fmt!r}; use one of: {', '.join(files.FORMATS)}", field="format")
    return files.write(fmt, spec.columns, EXPORTERS[kind](db), title=kind)


def export_file(db: Session, *, kind: str, path: Path) -> Path:
    """Write ``kind`` to ``path``; the format comes from the suffix (.csv / .xlsx)."""
    _spec(kind)
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in files.FORMATS:
        raise Invalid(f"cannot tell the format from {Path(path).name!r}: use a .csv or .xlsx file name", field="path")
    Path(path).write_bytes(export_bytes(db, kind=kind, fmt=suffix))
    return Path(path)
