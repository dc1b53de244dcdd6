"""The ``hcm`` command line: demo, serve, db upgrade, seed, import, export, users, and every registered module's
command groups (``hcm graph ...``)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from hcm import modules
from hcm.console import console, progress_bar
from hcm.errors import HcmError


def _settings() -> Any:
    from pydantic import ValidationError

    from hcm.settings import get_settings

    try:
        return get_settings()
    except ValidationError as exc:
        msgs = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise click.ClickException(f"bad configuration: {msgs}") from exc


def _fail_on_domain_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except HcmError as exc:
            # Messages quote the file's own text ("unknown department '[x]'"): never read it as rich markup.
            console.print(f"[red]error:[/red] {escape(exc.message)}")
            for e in (exc.details or [])[:200]:
                if isinstance(e, dict):
                    where = f"row {e.get('row')}" + (f", column {e['column']}" if e.get("column") else "")
                    console.print(f"  {escape(where)}: {escape(str(e.get('reason')))}")
                else:
                    console.print(f"  {escape(str(e))}")
            if exc.details and len(exc.details) > 200:
                console.print(f"  ... and {len(exc.details) - 200} more")
            sys.exit(2)

    return wrapper


@click.group()
@click.version_option(package_name="hcm-talent")
def main() -> None:
    """Talent & succession: org model, performance, talent graph, succession and careers."""


# --- database ------------------------------------------------------------------------------------
@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or upgrade the schema (Alembic migrations shipped with the package)."""
    from hcm import migrate

    url = _settings().database_url
    migrate.upgrade(url, revision)
    console.print(f"[green]database at {revision}[/green]: {_safe(url)}")


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --- seed ----------------------------------------------------------------------------------------
def _employee_count() -> int:
    from sqlalchemy import func, select

    from hcm.db import unit_of_work
    from hcm.org.models import Employee

    with unit_of_work() as s:
        return int(s.scalar(select(func.count(Employee.id))) or 0)


def _run_seed(employees: int, seed: int, as_of: date) -> None:
    """The demo company as it stands on ``as_of``: every registered module's demo step in order (the org with
    five years of careers first, then e.g. performance management), all on the same as-of date and seed."""
    from hcm.db import get_engine

    with progress_bar() as cb:
        ctx = modules.DemoContext(engine=get_engine(), employees=employees, seed=seed, as_of=as_of, progress=cb)
        results = [(step.name, run(ctx)) for step, run in modules.demo_steps()]
    for name, result in results:
        console.print(f"[green]seeded {name}[/green]: {result}")


def _as_of(ctx: click.Context, param: click.Parameter, value: datetime | None) -> date:
    # The one place the demo data reads the clock: everything below takes this date.
    return value.date() if value is not None else date.today()


AS_OF = click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), callback=_as_of,
                     metavar="YYYY-MM-DD", help="The day the history ends (default: today); the same seed and "
                                                "date give the same data.")


@main.command("seed")
@click.option("--employees", default=2000, show_default=True, type=click.IntRange(10, 1_000_000))
@click.option("--seed", "seed_", default=42, show_default=True, help="Random seed: same seed, same company.")
@AS_OF
@_fail_on_domain_errors
def seed_cmd(employees: int, seed_: int, as_of: date) -> None:
    """Build a realistic synthetic company (deterministic by seed and as-of date) in an empty database."""
    from hcm import migrate

    migrate.upgrade(_settings().database_url)
    _run_seed(employees, seed_, as_of)


# --- import / export -----------------------------------------------------------------------------
def _kinds() -> list[str]:
    from hcm.io.service import KINDS

    return list(KINDS)


@main.command("import")
@click.argument("kind")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_fail_on_domain_errors
def import_cmd(kind: str, file: Path) -> None:
    """Import a CSV or XLSX file of KIND (all-or-nothing; every bad row is reported)."""
    from hcm.db import unit_of_work
    from hcm.io import service

    if kind not in _kinds():
        raise click.BadParameter(f"unknown kind {kind!r}; choose one of: {', '.join(_kinds())}", param_hint="KIND")
    with progress_bar() as cb, unit_of_work() as s:
        report = service.import_file(s, kind=kind, path=file, progress=lambda d, t: cb(f"import {kind}", d, t))
    console.print(f"[green]imported[/green] {file.name}: {report.rows} rows, {report.inserted} new, "
                  f"{report.updated} updated")


@main.command("export")
@click.argument("kind")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_fail_on_domain_errors
def export_cmd(kind: str, file: Path) -> None:
    """Export KIND to FILE (.csv or .xlsx, from the suffix)."""
    from hcm.db import unit_of_work
    from hcm.io import service

    if kind not in _kinds():
        raise click.BadParameter(f"unknown kind {kind!r}; choose one of: {', '.join(_kinds())}", param_hint="KIND")
    if file.suffix.lower() not in (".csv", ".xlsx"):
        raise click.BadParameter("FILE must end in .csv or .xlsx", param_hint="FILE")
    with unit_of_work() as s:
        service.export_file(s, kind=kind, path=file)
    console.print(f"[green]exported[/green] {kind} to {file}")


# --- users ---------------------------------------------------------------------------------------
@main.group()
def user() -> None:
    """Users and roles."""


@user.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["hr_admin", "executive", "manager", "employee"]), required=True)
@click.option("--employee", "employee_ext", default=None, help="External id of the employee this user is.")
@click.password_option()
@_fail_on_domain_errors
def user_create(username: str, role: str, employee_ext: str | None, password: str) -> None:
    """Create a log-in for USERNAME with a role."""
    from sqlalchemy import select

    from hcm.auth import service
    from hcm.auth.models import Role
    from hcm.db import unit_of_work
    from hcm.errors import Invalid
    from hcm.org.models import Employee

    with unit_of_work() as s:
        emp_id = None
        if employee_ext:
            emp_id = s.scalar(select(Employee.id).where(Employee.external_id == employee_ext))
            if emp_id is None:
                raise Invalid(f"no employee with external_id={employee_ext!r}", field="employee")
        service.create_user(s, username=username, password=password, role=Role(role), employee_id=emp_id)
    console.print(f"[green]created[/green] user {username} ({role})")


@user.command("password")
@click.argument("username")
@click.password_option(prompt="New password")
@_fail_on_domain_errors
def user_password(username: str, password: str) -> None:
    """Set a new password for USERNAME; every session and bearer token of theirs ends at once."""
    from hcm.auth import service
    from hcm.db import unit_of_work

    with unit_of_work() as s:
        service.set_password(s, user=service.by_username(s, username), password=password)
    console.print(f"[green]password set[/green] for {username}; their sessions and tokens have ended")


@user.command("deactivate")
@click.argument("username")
@_fail_on_domain_errors
def user_deactivate(username: str) -> None:
    """Stop USERNAME logging in; every session and bearer token of theirs ends at once."""
    _set_active(username, active=False)
    console.print(f"[green]deactivated[/green] {username}; their sessions and tokens have ended")


@user.command("activate")
@click.argument("username")
@_fail_on_domain_errors
def user_activate(username: str) -> None:
    """Let a deactivated USERNAME log in again."""
    _set_active(username, active=True)
    console.print(f"[green]activated[/green] {username}")


def _set_active(username: str, *, active: bool) -> None:
    from hcm.auth import service
    from hcm.db import unit_of_work

    with unit_of_work() as s:
        service.set_active(s, user=service.by_username(s, username), active=active)


# --- serve / demo --------------------------------------------------------------------------------
@main.command("serve")
@click.option("--host", default=None, help="Defaults to HCM_HOST (127.0.0.1).")
@click.option("--port", default=None, type=int, help="Defaults to HCM_PORT (8000).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the web app and API (the schema must be current: run `hcm db upgrade`). With the embedded
    graph (the default) the bundled Bolt server is started too and stopped on exit."""
    settings = _settings()
    with _serve_hooks(settings):
        _serve(settings, host, port)


def _serve_hooks(settings: Any) -> ExitStack:
    """Every module's context around serving (the graph adapter starts its bundled server), entered now and
    left in reverse order when the returned stack closes."""
    stack = ExitStack()
    with stack:
        for hook in modules.refs("serve_hooks"):
            stack.enter_context(hook(settings, console))
        return stack.pop_all()


def _serve(settings: Any, host: str | None, port: int | None) -> None:
    import uvicorn

    from hcm import migrate
    from hcm.app import create_app
    from hcm.db import get_engine

    if not migrate.is_current(get_engine()):
        raise click.ClickException("the database schema is not current: run `hcm db upgrade` first")
    app = create_app(settings)
    uvicorn.run(app, host=host or settings.host, port=port or settings.port, log_level="info")


DEMO_LOGINS = (
    ("hr", "hr_admin: HR director"),
    ("exec", "executive: leadership"),
    ("manager", "manager: a people manager with a team"),
    ("employee", "employee: someone in that team"),
)


@main.command("demo")
@click.option("--employees", default=2000, show_default=True, type=click.IntRange(10, 1_000_000))
@click.option("--port", default=None, type=int)
@click.option("--no-graph", is_flag=True, help="Do not start the bundled graph server.")
@click.option("--no-serve", is_flag=True, help="Prepare everything, print the log-ins, and exit.")
@AS_OF
@_fail_on_domain_errors
def demo(employees: int, port: int | None, no_graph: bool, no_serve: bool, as_of: date) -> None:
    """Everything in one command: SQLite database, demo company, graph server, web app."""
    os.environ.setdefault("HCM_DEMO", "true")
    if no_graph:
        os.environ["HCM_GRAPH__ENABLED"] = "false"
    from hcm import migrate
    from hcm import seed as seeding
    from hcm.settings import get_settings

    get_settings.cache_clear()
    settings = _settings()
    migrate.upgrade(settings.database_url)
    console.print(f"[green]database ready[/green]: {_safe(settings.database_url)}")
    existing = _employee_count()
    if existing == 0:
        console.print(f"seeding a {employees:,}-person demo company ...")
        _run_seed(employees, 42, as_of)
    else:
        console.print(f"database already has {existing:,} employees; not seeding")
    with _serve_hooks(settings):  # e.g. the bundled graph server, and the graph brought up to date
        console.print(f"\n[bold]Log in at http://{settings.host}:{port or settings.port}/ with[/bold]")
        for username, who in DEMO_LOGINS:
            console.print(f"  {username:<10} / {seeding.DEMO_PASSWORD}   ({who})")
        if not no_serve:
            _serve(settings, None, port)


# Every registered module's command groups (``hcm graph ...``).
for _command in modules.refs("cli"):
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
