"""The bundled Bolt graph server: ArcadeDB from the ``arcadedb-embedded`` wheel, run as a child process.

Used by the embedded default (``hcm demo``) and the test session; production points ``HCM_GRAPH__URI`` at a
Neo4j 5 server instead. The wheel ships its own JRE and jars, so nothing but the Python package is needed.

A child process rather than the wheel's in-process JVM (``create_server``): a JVM cannot be unloaded or restarted
inside a Python process, it would pin its heap in every web/Celery process that imports it, and a crash of the
server would take the app down with it.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib.util
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from base64 import b64encode
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from hcm.settings import GraphSettings

log = logging.getLogger(__name__)

SERVER_CLASS = "com.arcadedb.server.ArcadeDBServer"
BOLT_PLUGIN = "Bolt:com.arcadedb.bolt.BoltProtocolPlugin"
LOG_NAME = "server.log"


class GraphServerError(RuntimeError):
    """The bundled graph server is missing, did not start, or did not answer in time."""


def _package_dir() -> Path | None:
    # find_spec, not import: importing arcadedb_embedded pulls in JPype, which this module never needs.
    spec = importlib.util.find_spec("arcadedb_embedded")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _runtime() -> tuple[Path, Path]:
    """(java executable, jars directory) of the installed wheel, or GraphServerError saying what is missing."""
    pkg = _package_dir()
    if pkg is None:
        raise GraphServerError("the Python package `arcadedb-embedded` is not installed (pip install 'hcm-talent')")
    java = pkg / "jre" / "bin" / ("java.exe" if os.name == "nt" else "java")
    jars = pkg / "jars"
    if not (java.is_file() and os.access(java, os.X_OK)):
        raise GraphServerError(f"arcadedb-embedded is installed at {pkg} but its bundled Java is missing: {java}")
    if not any(jars.glob("arcadedb-server-*.jar")) or not any(jars.glob("arcadedb-bolt-*.jar")):
        raise GraphServerError(f"arcadedb-embedded at {pkg} lacks the server or Bolt jars in {jars}")
    return java, jars


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it when the process that started it dies, even by SIGKILL, so a
    killed test run or app does not leave a JVM behind."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (the kernel picks it; a race with another process is possible)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _port_open(host: str, port: int, timeout: float = 0.25) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class ServerAdmin:
    """The bundled server's own administration over its HTTP API (not Bolt): what Cypher cannot do fast.

    ``recreate_database`` drops and creates a database in milliseconds, where emptying it with Cypher
    (``DETACH DELETE`` in batches) takes minutes at 100,000 people and grows faster than the graph. Neo4j has no
    such call in its Community edition, so a rebuild against Neo4j empties the graph with Cypher instead."""

    def __init__(self, base_url: str, auth: tuple[str, str], timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._auth = "Basic " + b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        self.timeout = timeout

    def _server_command(self, command: str) -> None:
        req = urllib.request.Request(f"{self.base_url}/api/v1/server", method="POST",
                                     data=json.dumps({"command": command}).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": self._auth})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", errors="replace")[:500]
            raise GraphServerError(f"the graph server refused {command!r}: HTTP {exc.code} {detail}") from None
        except OSError as exc:
            raise GraphServerError(f"the graph server did not answer {command!r}: {exc}") from None

    def recreate_database(self, name: str) -> None:
        """An empty database of that name, without its constraints (the caller makes them again)."""
        self._server_command(f"drop database {name}")
        self._server_command(f"create database {name}")

    def __repr__(self) -> str:
        return f"<ServerAdmin {self.base_url}>"


class GraphServer:
    """ArcadeDB with its Bolt plugin, on loopback, as a child process.

    >>> with GraphServer(tmp_path / "graph") as g:
    ...     driver = neo4j.GraphDatabase.driver(g.uri, auth=g.auth)

    Ports left as ``None`` are picked free at start (and picked again once if the server loses the race for
    them). ``heap`` bounds the JVM: the server's own default is a quarter of the machine's RAM.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        *,
        database: str = "talent",
        password: str | None = None,
        host: str = "127.0.0.1",
        bolt_port: int | None = None,
        http_port: int | None = None,
        heap: str = "512m",
        startup_timeout: float = 60.0,
        stop_timeout: float = 20.0,
        jvm_args: Sequence[str] = (),
    ) -> None:
        if password is not None and len(password) < 8:
            # ArcadeDB refuses shorter root passwords, and says so only in its log.
            raise GraphServerError("the graph server's root password must be at least 8 characters long")
        if not database or not database.replace("_", "").replace("-", "").isalnum():
            raise GraphServerError(f"database name {database!r} must be letters, digits, '_' or '-'")
        self.data_dir = Path(data_dir).resolve()
        self.database = database
        self.password = password or secrets.token_urlsafe(18)
        self.user = "root"
        self.host = host
        self._fixed_bolt, self._fixed_http = bolt_port, http_port
        self.bolt_port = bolt_port or 0
        self.http_port = http_port or 0
        self.heap = heap
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.jvm_args = list(jvm_args)
        self.startup_seconds: float | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._log_offset = 0

    @classmethod
    def from_settings(cls, graph: GraphSettings, **kwargs: object) -> GraphServer:
        """The embedded server the settings describe: port from ``graph.uri``, ``graph.data_dir``, password."""
        if graph.user != "root":
            raise GraphServerError(f"the embedded graph server only has the user 'root' (HCM_GRAPH__USER={graph.user!r})")
        parts = urlsplit(graph.uri)
        return cls(graph.data_dir, database=graph.database, password=graph.password,
                   host=parts.hostname or "127.0.0.1", bolt_port=parts.port or 7687, **kwargs)  # type: ignore[arg-type]

    # --- introspection ----------------------------------------------------------------------------
    @staticmethod
    def available() -> bool:
        """True when the wheel and its bundled Java are installed (no process is started)."""
        try:
            _runtime()
        except GraphServerError:
            return False
        return True

    @property
    def uri(self) -> str:
        return f"bolt://{self.host}:{self.bolt_port}"

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, self.password)

    def admin(self) -> ServerAdmin:
        """Its HTTP administration (``recreate_database``), for a rebuild that starts from an empty graph."""
        if not self.running:
            raise GraphServerError("the graph server is not running")
        return ServerAdmin(f"http://{self.host}:{self.http_port}", self.auth)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def log_path(self) -> Path:
        return self.data_dir / LOG_NAME

    def log_tail(self, lines: int = 30) -> str:
        """The last lines the server wrote since this object last started it."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self._log_offset)
                text = f.read().decode("utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(empty log)"

    def command(self) -> list[str]:
        java, jars = _runtime()
        return [
            str(java),
            f"-Xmx{self.heap}",
            "-XX:+UseSerialGC",  # the smallest footprint; this server is small and mostly idle
            "-Xss512k",
            "-Djava.awt.headless=true",
            "-Dfile.encoding=UTF-8",
            *self.jvm_args,
            "-cp", str(jars / "*"),
            f"-Darcadedb.server.rootPath={self.data_dir}",
            f"-Darcadedb.server.rootPassword={self.password}",
            f"-Darcadedb.server.httpIncomingHost={self.host}",
            f"-Darcadedb.server.httpIncomingPort={self.http_port}",
            f"-Darcadedb.server.plugins={BOLT_PLUGIN}",
            f"-Darcadedb.bolt.host={self.host}",
            f"-Darcadedb.bolt.port={self.bolt_port}",
            f"-Darcadedb.server.defaultDatabases={self.database}[root]",
            SERVER_CLASS,
        ]

    # --- lifecycle --------------------------------------------------------------------------------
    def start(self) -> GraphServer:
        if self.running:
            return self
        retries = 0 if (self._fixed_bolt and self._fixed_http) else 1
        for attempt in range(retries + 1):
            try:
                self._start_once()
                return self
            except GraphServerError:
                lost_port_race = "address already in use" in self.log_tail(200).lower()
                if attempt < retries and lost_port_race:
                    log.warning("graph server lost a port race; retrying on other ports")
                    continue
                raise
        raise AssertionError("unreachable")

    def _start_once(self) -> None:
        self.bolt_port = self._fixed_bolt or free_port(self.host)
        self.http_port = self._fixed_http or free_port(self.host)
        if _port_open(self.host, self.bolt_port):
            raise GraphServerError(f"port {self.host}:{self.bolt_port} is already in use by another process")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = self.command()
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the child's whole life
        self._log_offset = self._log.tell()
        self._log.write(f"\n--- starting: bolt {self.uri} http {self.http_port}\n".encode())
        self._log.flush()
        t0 = time.monotonic()
        # cwd: the server writes ./log next to its databases. New session: a Ctrl+C in the terminal reaches the
        # app, which stops the server in order, instead of both at once.
        # The death signal follows the *thread* that forks: only the main thread lives as long as the process.
        tie = sys.platform.startswith("linux") and threading.current_thread() is threading.main_thread()
        self._proc = subprocess.Popen(cmd, cwd=self.data_dir, stdin=subprocess.DEVNULL, stdout=self._log,
                                      stderr=subprocess.STDOUT, start_new_session=True,
                                      preexec_fn=_die_with_parent if tie else None)
        atexit.register(self.stop)
        try:
            self._wait_ready(t0 + self.startup_timeout)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - t0
        log.info("graph server up on %s (database %r, pid %s) in %.1f s", self.uri, self.database,
                 self.pid, self.startup_seconds)

    def _wait_ready(self, deadline: float) -> None:
        """Until a Bolt query on the database answers: the Bolt port opens before the database exists."""
        from neo4j import GraphDatabase
        from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable, SessionExpired

        assert self._proc is not None
        last = "no answer yet"
        while True:
            code = self._proc.poll()
            if code is not None:
                raise GraphServerError(f"the graph server exited with code {code} during start-up; "
                                       f"last lines of {self.log_path}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise GraphServerError(f"the graph server did not answer on {self.uri} within "
                                       f"{self.startup_timeout:.0f} s ({last}); last lines of {self.log_path}:\n"
                                       f"{self.log_tail()}")
            if _port_open(self.host, self.bolt_port):
                try:
                    with GraphDatabase.driver(self.uri, auth=self.auth, connection_timeout=2.0,
                                              max_connection_pool_size=1) as drv, \
                            drv.session(database=self.database) as s:
                        s.run("RETURN 1 AS ok").consume()
                    return
                except AuthError as exc:
                    # The root password is stored when the data dir is first created; later ones are ignored.
                    raise GraphServerError(
                        f"the graph server in {self.data_dir} refused the root password ({exc.message}): that data "
                        "directory was created with another one. Use the original password, or delete "
                        f"{self.data_dir / 'config' / 'server-users.jsonl'} to set a new one."
                    ) from None
                except (ServiceUnavailable, SessionExpired, Neo4jError, OSError) as exc:
                    last = f"{type(exc).__name__}: {exc}"
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM (the server flushes and closes its databases), then SIGKILL after ``stop_timeout``."""
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                log.warning("graph server pid %s ignored SIGTERM for %.0f s; killing it", proc.pid, self.stop_timeout)
                proc.kill()
                proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> GraphServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"pid {self.pid}" if self.running else "stopped"
        return f"<GraphServer {self.uri} db={self.database!r} {state}>"
