"""The import contracts of pyproject.toml ([tool.importlinter], run by scripts/test): imports go down from the
modules (performance, succession, careers) through the adapters (graph, ml) to the platform (hcm), and nothing
imports a router. Each contract is shown to break on a copy of the source with one offending import added, so a
contract that silently matches nothing (a renamed package, a wrong wildcard) fails here."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("hcm", "performance", "succession", "careers", "graph", "ml")
# import-linter has no `python -m` entry point: its command, run by this interpreter.
LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def lint_imports(source: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """lint-imports with the project's configuration over the packages under ``source`` (and nothing installed)."""
    args = [sys.executable, "-c", LINT_IMPORTS, "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")]
    for c in contracts:
        args += ["--contract", c]
    env = {**os.environ, "PYTHONPATH": str(source), "COLUMNS": "200"}
    return subprocess.run(args, cwd=source, env=env, capture_output=True, text=True, timeout=60, check=False)


def imports_reported(run: subprocess.CompletedProcess[str]) -> set[str]:
    """The imports a broken contract lists ("importer -> imported"), line numbers left out."""
    return {m.group(1) for m in re.finditer(r"^[\s-]*(\S+ -> \S+)", run.stdout, re.MULTILINE)}


def copy_packages(to: Path) -> Path:
    def not_python(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if n == "__pycache__" or (not n.endswith(".py") and not (Path(folder) / n).is_dir())}

    for package in PACKAGES:
        shutil.copytree(ROOT / package, to / package, ignore=not_python)
    return to


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """The packages' Python files, copied: a test adds an import without touching the real tree."""
    return copy_packages(tmp_path)


@pytest.fixture(scope="module")
def before(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """What each contract reports on the unmodified copy (nothing, once the tree keeps them): a test compares
    against it, so it shows the one import it added and nothing else changed."""
    clean = copy_packages(tmp_path_factory.mktemp("clean-source"))
    return {c: imports_reported(lint_imports(clean, c)) for c in ("layers", "routers")}


def add_line(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}\n")


def test_the_tree_keeps_the_import_contracts() -> None:
    """The real source, as scripts/test checks it."""
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize(("line", "reported"), [
    ("import performance", "hcm.settings -> performance"),
    # inside a function it is an import all the same: the core may not name a module even lazily
    ("def _lazy():\n    from performance.service import periods\n    return periods",
     "hcm.settings -> performance.service.periods"),
])
def test_the_core_importing_a_module_breaks_the_layers(source: Path, before: dict[str, set[str]], line: str,
                                                       reported: str) -> None:
    add_line(source / "hcm" / "settings.py", line)
    run = lint_imports(source, "layers")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "hcm is not allowed to import performance" in run.stdout, run.stdout
    assert imports_reported(run) - before["layers"] == {reported}, run.stdout


def test_an_adapter_importing_a_module_breaks_the_layers(source: Path, before: dict[str, set[str]]) -> None:
    add_line(source / "graph" / "projection.py", "from performance import models")
    run = lint_imports(source, "layers")
    assert run.returncode == 1, run.stdout + run.stderr
    assert imports_reported(run) - before["layers"] == {"graph.projection -> performance.models"}, run.stdout


def test_modules_may_use_each_other_and_everything_below(source: Path, before: dict[str, set[str]]) -> None:
    """The module layer's siblings are not independent (one calls another through its service), and each layer
    may use the layers below it."""
    add_line(source / "succession" / "__init__.py", "from performance.service import periods\nimport graph\nimport hcm")
    add_line(source / "careers" / "__init__.py", "import succession\nimport ml")
    add_line(source / "ml" / "__init__.py", "import graph\nimport hcm.db")
    add_line(source / "graph" / "__init__.py", "import ml")
    run = lint_imports(source, "layers")
    assert imports_reported(run) == before["layers"], run.stdout
    assert run.returncode == (1 if before["layers"] else 0), run.stdout + run.stderr


def test_importing_a_router_breaks_the_router_contract(source: Path, before: dict[str, set[str]]) -> None:
    add_line(source / "performance" / "service" / "periods.py", "from hcm.org.router import router")
    run = lint_imports(source, "routers")
    assert run.returncode == 1, run.stdout + run.stderr
    assert imports_reported(run) - before["routers"] == {"performance.service.periods -> hcm.org.router"}, run.stdout
