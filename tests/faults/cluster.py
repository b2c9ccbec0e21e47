"""A PostgreSQL cluster of the fault suite's own, which it may stop and start at will (the
suite's shared server, or CI's, must not be restarted under the other tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.support import postgres


class Cluster:
    def __init__(self) -> None:
        binaries = postgres.find_binaries()
        if binaries is None:
            reason = "PostgreSQL server binaries are missing (Debian: apt-get install postgresql)"
            if "CI" in os.environ:
                pytest.fail(f"{reason}; CI is set, so this is a failure", pytrace=False)
            pytest.skip(reason)
        self.binaries = binaries
        self.base = Path(
            tempfile.mkdtemp(prefix="queueing-faults-pg-", dir=postgres._temp_parent())
        )
        self.data, self.log = self.base / "data", self.base / "server.log"
        sockets = self.base / "socket"
        sockets.mkdir()
        if os.geteuid() == 0:
            import pwd

            user = pwd.getpwnam(postgres.SERVER_USER)
            for path in (self.base, sockets):
                os.chown(path, user.pw_uid, user.pw_gid)
        initdb = [str(binaries.initdb), "-D", str(self.data), "-U", "postgres", "--auth=trust"]
        postgres._run([*initdb, "--encoding=UTF8", "--no-locale", "--no-sync"], cwd=self.base)
        self.port = postgres._free_port()
        settings = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{sockets}'",
            "fsync": "off",
            "max_connections": "100",
        }
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        self.start()
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        command = [str(self.binaries.pg_ctl), "-D", str(self.data), "-l", str(self.log)]
        postgres._run([*command, "-w", "-t", "60", "start"], cwd=self.base)

    def stop(self, mode: str = "fast") -> None:
        command = [str(self.binaries.pg_ctl), "-D", str(self.data), "-m", mode, "-w", "stop"]
        subprocess.run(
            postgres._as_server_user(command),
            cwd=self.base,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=60,
            check=False,
        )

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)
