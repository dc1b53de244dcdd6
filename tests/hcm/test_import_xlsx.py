"""Damaged or unsafe XLSX workbooks are refused, saying which part and why, and nothing is written: cut
short, a part that is not XML, a DOCTYPE or an entity inside (billion laughs, an external entity), damaged
compressed data, a missing part, a zip bomb. Each file goes through the service, the API with a real HR token
(a 422, never a 500) and the `hcm import` command (exit 2)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from hcm.errors import ImportRejected
from hcm.io import files, service
from tests.hcm.cli_helpers import count, migrated_dir, run
from tests.hcm.io_helpers import counts, xlsx_bytes


def _good_xlsx() -> bytes:
    return xlsx_bytes([["code", "name"], ["SK-1", "One"], ["SK-2", "Two"]])


def _rezip(data: bytes, replace: dict[str, bytes | None]) -> bytes:
    """The workbook with some parts replaced (None: left out)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in replace:
                if replace[info.filename] is not None:
                    dst.writestr(info.filename, replace[info.filename])  # type: ignore[arg-type]
            else:
                dst.writestr(info, src.read(info))
    return out.getvalue()


def _part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(name)


def _body(xml: bytes) -> bytes:
    """An XML part without its declaration, so a DOCTYPE can go in front."""
    return xml.partition(b"?>")[2] if xml.startswith(b"<?xml") else xml


def _damaged_member(data: bytes, name: str) -> bytes:
    """The compressed bytes of one part overwritten in the middle; the zip's directory stays intact."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(name)
    raw = bytearray(data)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)  # after the local header
    middle = start + info.compress_size // 2
    raw[middle:middle + 8] = b"\xff\x00\xfe\x01\xfd\x02\xfc\x03"
    return bytes(raw)


SHEET = "xl/worksheets/sheet1.xml"
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
          + b"".join(b'<!ENTITY %s "%s">' % (b"a%d" % i, (b"&a%d;" % (i - 1) if i > 1 else b"&a;") * 10)
                     for i in range(1, 9))
          + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c></row><row r="2"><c r="A2" t="inlineStr">'
            b"<is><t>&a8;</t></is></c></row></sheetData></worksheet>")
XXE = b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _bad_xlsx() -> dict[str, tuple[bytes, tuple[str, ...]]]:
    good = _good_xlsx()
    sheet = _part(good, SHEET)
    body = _body(sheet)
    return {
        "cut-short-file": (good[: len(good) // 2], ("not a zip archive", "cut short")),
        "cut-short-sheet": (_rezip(good, {SHEET: sheet[: len(sheet) // 2]}), (SHEET, "not well-formed", "line")),
        "part-not-xml": (_rezip(good, {"xl/workbook.xml": b"\x00\x01 this is not XML \xff"}),
                         ("xl/workbook.xml", "not well-formed")),
        "billion-laughs": (_rezip(good, {SHEET: LAUGHS}), (SHEET, "doctype")),
        "external-entity": (_rezip(good, {SHEET: XXE + body.replace(b"<t>SK-1</t>", b"<t>&xxe;</t>")}),
                            (SHEET, "doctype")),
        "entity-in-properties": (_rezip(good, {"docProps/core.xml": XXE.replace(b"worksheet", b"cp:coreProperties")
                                               + _body(_part(good, "docProps/core.xml"))}),
                                 ("docProps/core.xml", "doctype")),
        "plain-doctype": (_rezip(good, {SHEET: b"<!DOCTYPE worksheet>" + body}), (SHEET, "doctype")),
        "damaged-data": (_damaged_member(good, SHEET), (SHEET,)),
        "missing-part": (_rezip(good, {"xl/workbook.xml": None}), ("not a readable .xlsx workbook",)),
    }


BAD_XLSX = _bad_xlsx()

def test_the_good_workbook_loads() -> None:
    """The broken files are broken versions of this one."""
    assert [c for _, c in files.read_xlsx(_good_xlsx()).records] == [["SK-1", "One"], ["SK-2", "Two"]]


@pytest.mark.parametrize("name", list(BAD_XLSX))
def test_a_broken_workbook_is_refused_saying_why(db, name):  # type: ignore[no-untyped-def]
    data, words = BAD_XLSX[name]
    before = counts(db)
    with pytest.raises(ImportRejected) as info:
        service.import_bytes(db, kind="skills", filename="skills.xlsx", data=data)
    assert counts(db) == before
    reason = info.value.details[0]["reason"].lower()
    assert all(w.lower() in reason for w in words), reason


def test_a_workbook_that_unpacks_too_big_is_refused(db, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(files, "MAX_XLSX_UNPACKED", 1000)
    with pytest.raises(ImportRejected) as info:
        service.import_bytes(db, kind="skills", filename="skills.xlsx", data=_good_xlsx())
    assert "unpacks to more than" in info.value.message


def test_no_entity_is_ever_expanded_by_openpyxl_either() -> None:
    """Behind the DOCTYPE check, openpyxl itself parses through defusedxml."""
    import openpyxl
    from defusedxml import EntitiesForbidden
    from openpyxl.xml.functions import fromstring

    assert openpyxl.DEFUSEDXML
    with pytest.raises(EntitiesForbidden):
        fromstring(XXE + b"<worksheet><t>&xxe;</t></worksheet>")

# --- over HTTP, as HR ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(BAD_XLSX))
def test_the_api_answers_a_broken_workbook_with_a_422_saying_why(client, as_role, org, db, name):  # type: ignore[no-untyped-def]
    data, words = BAD_XLSX[name]
    before = counts(db)
    r = client.post("/api/io/import/skills", files={"file": ("skills.xlsx", data)}, headers=as_role("hr"))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "import_rejected" and body["errors"], body
    assert all(w.lower() in body["errors"][0]["reason"].lower() for w in words), body
    assert counts(db) == before


# --- through the command line ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def cli_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_dir(tmp_path_factory.mktemp("cli-xlsx"))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BAD_XLSX))
def test_hcm_import_refuses_a_broken_workbook_with_exit_2(cli_dir: Path, name: str) -> None:
    data, words = BAD_XLSX[name]
    path = cli_dir / f"{name}.xlsx"
    path.write_bytes(data)
    r = run(["import", "skills", path.name], cli_dir)
    assert r.returncode == 2, (r.returncode, r.stderr)
    out = " ".join(r.stderr.split()).lower()  # rich wraps long lines
    assert "traceback" not in out and out.startswith("error:"), r.stderr
    assert all(w.lower() in out for w in words), r.stderr
    assert count(cli_dir / "cli.db", "skills") == 0
