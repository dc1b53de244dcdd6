"""Malformed CSV is refused, naming the row, and nothing is written: a quote left open, text after a closing
quote, a NUL byte, a row with more or fewer values than the header, a wrong encoding. Each file goes through
the service, the API with a real HR token (a 422, never a 500) and the `hcm import` command (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hcm.errors import ImportRejected
from hcm.io import files, service
from tests.hcm.cli_helpers import count, migrated_dir, run
from tests.hcm.io_helpers import counts

GOOD_CSV = b"code,name\r\nSK-1,One\r\nSK-2,Two\r\n"

# name -> (file content, row named, words the reason holds)
BAD_CSV: dict[str, tuple[bytes, int, tuple[str, ...]]] = {
    "open-quote": (b'code,name\r\nSK-1,One\r\nSK-2,"Two\r\nSK-3,Three\r\n', 3, ("row 3", "not closed")),
    "text-after-quote": (b'code,name\r\nSK-1,"One"x\r\n', 2, ("row 2", "after the closing")),
    "nul-byte": (b"code,name\r\nSK-1,One\r\nSK-2,T\x00wo\r\n", 3, ("nul",)),
    "too-many-values": (b"code,name\r\nSK-1,One\r\nSK-2,Sales, EMEA\r\n", 3, ("3 values", "header names 2")),
    "too-few-values": (b"code,name\r\nSK-1\r\nSK-2,Two\r\n", 2, ("1 values", "header names 2")),
    "latin-1": ('code,name\r\nSK-1,"One\r\nline"\r\nSK-2,Caf\xe9\r\n'.encode("latin-1"), 3, ("not utf-8", "row 3")),
    "utf-16": ("code,name\r\nSK-1,One\r\n".encode("utf-16"), 1, ("utf-16",)),
}


def test_the_good_file_loads() -> None:
    """The broken files are broken versions of this one."""
    assert [c for _, c in files.read_csv(GOOD_CSV).records] == [["SK-1", "One"], ["SK-2", "Two"]]


@pytest.mark.parametrize("name", list(BAD_CSV))
def test_malformed_csv_is_refused_naming_the_row(db, name):  # type: ignore[no-untyped-def]
    data, row, words = BAD_CSV[name]
    before = counts(db)
    with pytest.raises(ImportRejected) as info:
        service.import_bytes(db, kind="skills", filename="skills.csv", data=data)
    assert counts(db) == before
    problem = info.value.details[0]
    assert problem["row"] == row, info.value.details
    text = f"{info.value.message} row {problem['row']}: {problem['reason']}".lower()
    assert all(w.lower() in text for w in words), text


def test_every_ragged_row_and_nul_is_listed_with_its_column(db):  # type: ignore[no-untyped-def]
    data = b"code,name,description\r\nSK-1,One\r\nSK-2,Two,x,y\r\nSK-3,Th\x00ree,\x00\r\nSK-4,Four,,,\r\n,,\r\n"
    with pytest.raises(ImportRejected) as info:
        service.import_bytes(db, kind="skills", filename="s.csv", data=data)
    assert [(e["row"], e["column"]) for e in info.value.details] == [(2, None), (3, None), (4, "name"),
                                                                      (4, "description")]
    # trailing empty values and blank rows are fine
    r = service.import_bytes(db, kind="skills", filename="s.csv", data=b"code,name,\r\nSK-1,One,,\r\n,,\r\n\r\n")
    assert (r.rows, r.inserted) == (1, 1)

# --- over HTTP, as HR ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(BAD_CSV))
def test_the_api_answers_malformed_csv_with_a_422_naming_the_row(client, as_role, org, db, name):  # type: ignore[no-untyped-def]
    data, row, words = BAD_CSV[name]
    before = counts(db)
    r = client.post("/api/io/import/skills", files={"file": ("skills.csv", data)}, headers=as_role("hr"))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "import_rejected" and body["errors"][0]["row"] == row, body
    text = " ".join([body["detail"], *(f"row {e['row']}: {e['reason']}" for e in body["errors"])]).lower()
    assert all(w.lower() in text for w in words), text
    assert counts(db) == before


# --- through the command line ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def cli_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_dir(tmp_path_factory.mktemp("cli-csv"))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BAD_CSV))
def test_hcm_import_refuses_malformed_csv_with_exit_2(cli_dir: Path, name: str) -> None:
    data, _, words = BAD_CSV[name]
    path = cli_dir / f"{name}.csv"
    path.write_bytes(data)
    r = run(["import", "skills", path.name], cli_dir)
    assert r.returncode == 2, (r.returncode, r.stderr)
    out = " ".join(r.stderr.split()).lower()  # rich wraps long lines
    assert "traceback" not in out and out.startswith("error:"), r.stderr
    assert all(w.lower() in out for w in words), r.stderr
    assert count(cli_dir / "cli.db", "skills") == 0


@pytest.mark.slow
def test_hcm_import_prints_the_files_own_text_as_it_is(cli_dir: Path) -> None:
    """A reason quotes the file; text that looks like console markup is printed, not interpreted (it used to
    end the command with a traceback)."""
    (cli_dir / "depts.csv").write_text("code,name,parent_code\nA,Alpha,[/x]\nB,Beta,[bold]y\n")
    r = run(["import", "departments", "depts.csv"], cli_dir)
    assert r.returncode == 2, r.stderr
    assert "'[/x]'" in r.stderr and "'[bold]y'" in r.stderr
    assert "row 2, column parent_code" in r.stderr
    assert count(cli_dir / "cli.db", "departments") == 0
