"""A throwaway PostgreSQL cluster: initdb in a temporary folder, started on a free loopback port,
always stopped and removed again. Never touches a server that is already running.

The cluster's folder (data, server log, Unix socket) is made in the system's temporary folder,
not in the clone: run as root, the harness runs initdb and postgres as the `postgres` user,
which cannot enter a clone inside a private folder such as /root, and a socket path inside a
deep clone can pass the 107-byte limit of Unix sockets. Clients connect over TCP to 127.0.0.1.
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
DB_USER = "odoo"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def temp_roots(fallback=None):
    """Folders to make a cluster's folder in, in order: $TMPDIR, /tmp, /var/tmp, then fallback."""
    roots = [os.environ.get("TMPDIR"), "/tmp", "/var/tmp", fallback]
    found = []
    for root in roots:
        if root and Path(root).is_dir() and Path(root).resolve() not in found:
            found.append(Path(root).resolve())
    return found


class Cluster:
    """Context manager owning one PostgreSQL cluster.

    parent: a folder to make the cluster's folder in when no temporary folder fits (default
    $STOCK_ACCURACY_WORK or .work); port: the TCP port (default: a free one); keep: leave the
    folder behind when stopping.
    """

    def __init__(self, parent=None, port=None, keep=False):
        self.parent = Path(parent or os.environ.get("STOCK_ACCURACY_WORK", ".work"))
        self.port = port or free_port()
        self.keep = keep
        self.dir = None
        self.running = False

    # -- running commands as a non-root user: initdb and postgres refuse root ------------------
    def _as_owner(self, argv):
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *argv]
        return argv

    def _chown(self, path):
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _owner_can_use(self, path):
        """Whether the server's user can enter and write path (every parent folder included)."""
        if os.geteuid() != 0:
            return os.access(path, os.W_OK | os.X_OK)
        proc = subprocess.run(
            self._as_owner(["test", "-w", str(path), "-a", "-x", str(path)]),
            capture_output=True,
            check=False,
        )
        return proc.returncode == 0

    def _make_dir(self):
        """A new folder, mode 700, owned by the server's user, that this user can use."""
        candidates = temp_roots(self.parent)
        for root in candidates:
            try:
                path = Path(tempfile.mkdtemp(prefix="stock-accuracy-pg-", dir=root))
            except OSError:
                continue
            self._chown(path)
            if self._owner_can_use(path):
                return path
            shutil.rmtree(path, ignore_errors=True)
        tried = ", ".join(str(root) for root in candidates)
        raise RuntimeError(f"no folder the PostgreSQL server's user can write to among: {tried}")

    @property
    def datadir(self):
        return self.dir / "data"

    @property
    def dsn(self):
        return {"host": "127.0.0.1", "port": self.port, "user": DB_USER}

    def start(self):
        self.parent.mkdir(parents=True, exist_ok=True)
        self.parent = self.parent.resolve()
        self.dir = self._make_dir()
        log = self.dir / "initdb.log"
        with open(log, "wb") as out:
            proc = subprocess.run(
                self._as_owner(
                    [
                        str(PG_BIN / "initdb"),
                        "-D",
                        str(self.datadir),
                        "-U",
                        DB_USER,
                        "-A",
                        "trust",
                        "-E",
                        "UTF8",
                        "--locale=C.UTF-8",
                        "--no-sync",
                    ]
                ),
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if proc.returncode:
            raise RuntimeError(f"initdb failed, see {log}:\n{log.read_text()[-2000:]}")
        conf = self.datadir / "postgresql.conf"
        with open(conf, "a") as fh:
            fh.write(
                "\n# throwaway test cluster\n"
                "listen_addresses = '127.0.0.1'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.dir}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 200\nshared_buffers = 512MB\nwork_mem = 32MB\n"
                "maintenance_work_mem = 512MB\nmax_wal_size = 4GB\n"
            )
        logfile = self.dir / "postgres.log"
        proc = subprocess.run(
            self._as_owner(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.datadir),
                    "-l",
                    str(logfile),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            ),
            capture_output=True,
            check=False,
        )
        if proc.returncode:
            tail = logfile.read_text()[-2000:] if logfile.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {proc.stderr.decode()}\n{tail}")
        self.running = True
        return self

    def stop(self):
        if self.running:
            subprocess.run(
                self._as_owner(
                    [
                        str(PG_BIN / "pg_ctl"),
                        "-D",
                        str(self.datadir),
                        "-m",
                        "fast",
                        "-w",
                        "-t",
                        "60",
                        "stop",
                    ]
                ),
                capture_output=True,
                check=False,
            )
            self.running = False
        if self.dir and not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        # SIGTERM (CI timeouts, kill) must stop the cluster like Ctrl-C does.
        self._old_term = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()
        signal.signal(signal.SIGTERM, self._old_term)
        return False

    # -- helpers ------------------------------------------------------------------------------
    def env(self):
        env = dict(os.environ)
        env.update(PGHOST="127.0.0.1", PGPORT=str(self.port), PGUSER=DB_USER)
        return env

    def psql(self, dbname, sql):
        """Run SQL with psql and return its unaligned, tuples-only output."""
        proc = subprocess.run(
            [
                str(PG_BIN / "psql"),
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                dbname,
                "-c",
                sql,
            ],
            env=self.env(),
            capture_output=True,
            text=True,
            check=True,
        )
        return proc.stdout.strip()

    def createdb(self, name, template=None):
        argv = [str(PG_BIN / "createdb"), name]
        if template:
            argv += ["-T", template]
        subprocess.run(argv, env=self.env(), check=True)

    def dropdb(self, name):
        subprocess.run(
            [str(PG_BIN / "dropdb"), "--if-exists", "--force", name], env=self.env(), check=True
        )

    def wait_ready(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                self.psql("postgres", "SELECT 1")
                return
            except subprocess.CalledProcessError:
                time.sleep(0.2)
        raise RuntimeError("PostgreSQL is not answering")


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")
