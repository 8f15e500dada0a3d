"""The self-managed local PostgreSQL + PostGIS cluster kept in the project's state folder."""

from __future__ import annotations

import fcntl
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from hashlib import sha1
from pathlib import Path

import psycopg2
from psycopg2 import sql

from geo.errors import LocalClusterError, MissingSystemPackage

SUPERUSER = "minqing"
# The pages' login (docs/security.md): no superuser, owns nothing, a member of no role.
APP_ROLE = "minqing_app"
# initdb and postgres refuse to run as root: as root the server runs as this system user,
# which Debian's postgresql package creates.
SERVER_USER_AS_ROOT = "postgres"
INSTALL_HINT = (
    "install them with: apt-get install postgresql postgresql-15-postgis-3 "
    "(or run `make run`, which installs what is missing)"
)


@dataclass(frozen=True)
class ClusterState:
    """Where the local cluster lives and how to reach it."""

    data_dir: Path
    port: int
    server_user: str
    password: str
    database: str

    def url(self, database: str | None = None) -> str:
        """The connection URL of the cluster's database (or another database in it)."""
        return (
            f"postgresql://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/"
            f"{database or self.database}"
        )


@dataclass(frozen=True)
class PgBinaries:
    """The PostgreSQL server programs of one installed major version."""

    bindir: Path
    version: int

    def __call__(self, name: str) -> str:
        """The full path of one program, e.g. `pg_ctl`."""
        return str(self.bindir / name)

    def has_library(self, name: str) -> bool:
        """Whether the server has the loadable module `name` (e.g. pg_prewarm, from contrib)."""
        return (self.bindir.parent / "lib" / f"{name}.so").exists()


def find_binaries() -> PgBinaries:
    """The newest PostgreSQL server with PostGIS installed, or an error naming what to install."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
        reverse=True,
    )
    if not candidates:
        raise MissingSystemPackage(f"PostgreSQL server is not installed; {INSTALL_HINT}")
    for pg_ctl in candidates:
        version = int(pg_ctl.parent.parent.name)
        if Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
            return PgBinaries(pg_ctl.parent, version)
    version = int(candidates[0].parent.parent.name)
    raise MissingSystemPackage(
        f"PostGIS is not installed for PostgreSQL {version}; install it with: "
        f"apt-get install postgresql-{version}-postgis-3"
    )


class LocalCluster:
    """Create, start, stop and describe the cluster kept under `state_dir`."""

    def __init__(self, state_dir: Path, port: int = 54329, database: str = "minqing") -> None:
        self.state_dir = state_dir
        self.default_port = port
        self.database = database
        self.state_file = state_dir / "cluster.json"
        self.password_file = state_dir / "cluster-password"
        self.app_password_file = state_dir / "app-password"
        self.lock_file = state_dir / "cluster.lock"

    # -- state -----------------------------------------------------------------------------

    def state(self) -> ClusterState | None:
        """The recorded cluster, or None when it was never created."""
        if not self.state_file.exists():
            return None
        raw = json.loads(self.state_file.read_text())
        return ClusterState(
            data_dir=Path(raw["data_dir"]),
            port=int(raw["port"]),
            server_user=raw["server_user"],
            password=self.password_file.read_text().strip(),
            database=raw.get("database", self.database),
        )

    def app_password(self) -> str | None:
        """The password of the pages' login role, once `up` has created it."""
        if not self.app_password_file.exists():
            return None
        return self.app_password_file.read_text().strip() or None

    def _write_state(self, state: ClusterState) -> None:
        self.state_file.write_text(
            json.dumps(
                {
                    "data_dir": str(state.data_dir),
                    "port": state.port,
                    "server_user": state.server_user,
                    "database": state.database,
                },
                indent=2,
            )
        )

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.lock_file, "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LocalClusterError(
                    "another `minqing db` command is working on the local database right now"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- processes -------------------------------------------------------------------------

    def _run(
        self, state_user: str, args: list[str], check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        kwargs: dict = {}
        if os.geteuid() == 0:
            entry = pwd.getpwnam(state_user)
            kwargs = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"}
        try:
            result = subprocess.run(
                args, capture_output=True, text=True, env=env, cwd="/", **kwargs
            )
        except OSError as exc:
            raise LocalClusterError(f"cannot run {Path(args[0]).name}: {exc}") from exc
        if check and result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise LocalClusterError(
                f"{Path(args[0]).name} failed: {detail[-1] if detail else result.returncode}"
            )
        return result

    def _server_user(self) -> str:
        if os.geteuid() != 0:
            return pwd.getpwuid(os.geteuid()).pw_name
        try:
            pwd.getpwnam(SERVER_USER_AS_ROOT)
        except KeyError:
            raise MissingSystemPackage(
                f"running as root needs the system user '{SERVER_USER_AS_ROOT}' to run the "
                f"server; {INSTALL_HINT}"
            ) from None
        return SERVER_USER_AS_ROOT

    def _data_dir_for(self, user: str) -> Path:
        """The project's folder, or a private fallback when the server user cannot reach it."""
        preferred = self.state_dir / "pgdata"
        if os.geteuid() != 0 or self._user_can_enter(user, self.state_dir):
            return preferred
        digest = sha1(str(self.state_dir).encode()).hexdigest()[:12]
        return Path("/var/lib/minqing") / digest / "pgdata"

    def _user_can_enter(self, user: str, folder: Path) -> bool:
        result = self._run(user, ["/usr/bin/test", "-x", str(folder)], check=False)
        return result.returncode == 0

    def is_running(self) -> bool:
        """True when the recorded cluster's server is up."""
        state = self.state()
        if state is None or not (state.data_dir / "PG_VERSION").exists():
            return False
        binaries = find_binaries()
        result = self._run(
            state.server_user,
            [binaries("pg_ctl"), "status", "-D", str(state.data_dir)],
            check=False,
        )
        return result.returncode == 0

    # -- commands --------------------------------------------------------------------------

    def up(self, already_running_ok: bool = False) -> ClusterState:
        """Create the cluster if needed, start it, and make sure its database has PostGIS."""
        binaries = find_binaries()
        with self._locked():
            state = self.state()
            if state is not None and self.is_running():
                if already_running_ok:
                    self._ensure_app_login(state)
                    return state
                raise LocalClusterError(
                    f"the local database is already running on 127.0.0.1:{state.port}"
                )
            if state is None or not (state.data_dir / "PG_VERSION").exists():
                state = self._init(binaries)
            state = self._start(binaries, state)
            self._create_database(state)
            self._ensure_app_login(state)
            return state

    def down(self) -> bool:
        """Stop the server; False when it was not running."""
        binaries = find_binaries()
        with self._locked():
            state = self.state()
            if state is None or not self.is_running():
                return False
            self._run(
                state.server_user,
                [binaries("pg_ctl"), "stop", "-D", str(state.data_dir), "-m", "fast", "-w"],
            )
            return True

    def _init(self, binaries: PgBinaries) -> ClusterState:
        user = self._server_user()
        data_dir = self._data_dir_for(user)
        if data_dir.exists() and any(data_dir.iterdir()):
            shutil.rmtree(data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(18)
        self.password_file.touch(mode=0o600)
        self.password_file.write_text(password + "\n")
        if os.geteuid() == 0:
            entry = pwd.getpwnam(user)
            os.chown(data_dir, entry.pw_uid, entry.pw_gid)
        os.chmod(data_dir, 0o700)
        with tempfile.NamedTemporaryFile("w", delete=False, dir="/tmp") as pwfile:
            pwfile.write(password + "\n")
        try:
            if os.geteuid() == 0:
                entry = pwd.getpwnam(user)
                os.chown(pwfile.name, entry.pw_uid, entry.pw_gid)
            self._run(
                user,
                [
                    binaries("initdb"),
                    "-D",
                    str(data_dir),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile.name}",
                    "--auth=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ],
            )
        finally:
            os.unlink(pwfile.name)
        state = ClusterState(data_dir, self.default_port, user, password, self.database)
        self._write_state(state)
        return state

    def _start(self, binaries: PgBinaries, state: ClusterState) -> ClusterState:
        port = state.port if _port_is_free(state.port) else _free_port(state.port)
        if port != state.port:
            state = ClusterState(
                state.data_dir, port, state.server_user, state.password, state.database
            )
            self._write_state(state)
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            f"-c shared_buffers={shared_buffers_mb()}MB -c max_wal_size=4GB -c work_mem=32MB "
            "-c maintenance_work_mem=256MB -c synchronous_commit=off "
            "-c timezone=UTC -c log_timezone=UTC"
        )
        if binaries.has_library("pg_prewarm"):
            # autoprewarm: the buffers in use are listed every 5 min and at shutdown, and read
            # back in the background at start, so the first views after a restart are not cold
            options += " -c shared_preload_libraries=pg_prewarm"
        self._run(
            state.server_user,
            [
                binaries("pg_ctl"),
                "start",
                "-D",
                str(state.data_dir),
                "-w",
                "-t",
                "60",
                "-l",
                str(state.data_dir / "server.log"),
                "-o",
                options,
            ],
        )
        return state

    def _ensure_app_login(self, state: ClusterState) -> None:
        """Create the pages' login role (or give it back its login and password): nothing more
        than a login; migrations grant it what the pages need."""
        password = self.app_password()
        if password is None:
            password = secrets.token_urlsafe(18)
            self.app_password_file.touch(mode=0o600)
            self.app_password_file.write_text(password + "\n")
        conn = psycopg2.connect(state.url("postgres"))
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,))
                verb = "ALTER" if cur.fetchone() else "CREATE"
                cur.execute(
                    sql.SQL(
                        verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS "
                        "NOREPLICATION PASSWORD {}"
                    ).format(sql.Identifier(APP_ROLE), sql.Literal(password))
                )
        finally:
            conn.close()

    def _create_database(self, state: ClusterState) -> None:
        conn = psycopg2.connect(state.url("postgres"))
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (state.database,))
                if cur.fetchone() is None:
                    cur.execute(
                        sql.SQL("CREATE DATABASE {}").format(sql.Identifier(state.database))
                    )
        finally:
            conn.close()


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _free_port(start: int) -> int:
    for port in range(start + 1, start + 200):
        if _port_is_free(port):
            return port
    raise LocalClusterError(f"no free TCP port near {start} for the local database")


def shared_buffers_mb() -> int:
    """The local server's buffer cache: a quarter of the machine's memory, 128 MB to 2 GB.

    Re-assigning incidents after a boundary publication inserts into the incidents indexes
    (about 1 GB at 2.4 million rows) all over: with 256 MB of buffers that update took about
    30 % longer (docs/benchmarks.md).
    """
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return max(128, min(2048, memory // 4 // 2**20))
