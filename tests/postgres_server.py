"""A private PostgreSQL cluster (initdb into a temporary directory, another loopback port), for tests
that stop or freeze a database: never the shared one."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path

BIN = Path("/usr/lib/postgresql") / sorted(os.listdir("/usr/lib/postgresql"))[-1] / "bin"


def _free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(*command: str) -> list[str]:
    # initdb and postgres refuse to run as root; CI and this machine run tests as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


class PrivatePostgres:
    def __init__(self, standby_of: PrivatePostgres | None = None):
        """A new cluster, or with `standby_of` a hot standby of that running one: its base backup, which
        streams its WAL once started (`pg_basebackup -R` writes the connection to follow)."""
        self.port = _free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="idadmin-pg-"))
        self.data = self.directory / "data"
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        if standby_of is None:
            # initdb's pg_hba trusts replication connections from loopback too, which a standby needs.
            command = [str(BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"]
        else:
            command = [str(BIN / "pg_basebackup"), "-D", str(self.data), "-R", "-X", "stream", "-c", "fast",
                       "-h", "127.0.0.1", "-p", str(standby_of.port), "-U", "postgres"]
        subprocess.run(_as_postgres(*command), check=True, stdout=subprocess.DEVNULL)

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def start(self, **settings: str) -> None:
        """Started on its port; `settings` override the defaults (fsync is off: tests need no durability)."""
        options = {"listen_addresses": "127.0.0.1", "fsync": "off", **settings}
        flags = " ".join(f"-c {name}={value}" for name, value in options.items())
        subprocess.run(_as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.directory / "log"),
                                    "-o", f"-p {self.port} -k {self.directory} {flags}", "start"),
                       check=True, stdout=subprocess.DEVNULL)

    def stop(self) -> None:
        subprocess.run(_as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def pids(self) -> list[int]:
        """The cluster's processes: the postmaster and its children."""
        # Backends rename themselves ("postgres: postgres idadmin 127.0.0.1(5123) idle"): find them as the
        # postmaster's children.
        postmaster = (self.data / "postmaster.pid").read_text().split()[0]
        children = subprocess.run(["pgrep", "-P", postmaster], capture_output=True, text=True).stdout.split()
        return [int(postmaster), *map(int, children)]

    def freeze(self, frozen: bool) -> None:
        """SIGSTOP (or SIGCONT) every process of the cluster, as a paused machine would stop them: it accepts
        connections and never answers."""
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGSTOP if frozen else signal.SIGCONT)
            except ProcessLookupError:
                pass  # a backend that ended after pgrep listed it

    def createdb(self, name: str) -> None:
        subprocess.run([str(BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
                       check=True)

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.freeze(False)
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
