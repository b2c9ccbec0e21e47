"""`queueing serve` as a user runs it: a subprocess in an empty directory, driven over real HTTP
through the README's tour, then stopped with SIGTERM, leaving nothing running."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from queueing.embedded import free_port
from tests.support.stack import wait_ready

PASSWORD = "tour-password-1"


def _start(workdir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUEUEING_")}
    env["QUEUEING_DEMO_PASSWORD"] = PASSWORD
    command = [
        sys.executable,
        "-m",
        "queueing.cli",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        "data",
    ]
    log = (workdir / "serve.log").open("ab")
    return subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> int:
    process.send_signal(sig)
    return process.wait(timeout=30)


def _wait_for_log(path: Path, text: str, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text():
            return True
        time.sleep(0.2)
    return False


def _children_gone(workdir: Path) -> bool:
    """The embedded Redis and the worker are children; their ports/pids must be gone."""
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return str(workdir) not in out


def tour(base: str) -> dict[str, str]:
    """The README's five-minute tour, step by step; returns the numbers it saw.

    Tests run at any hour and the demo's lines keep office hours: the tickets are issued as
    staff, who may issue them when a line is closed (the README says how).
    """
    with httpx.Client(base_url=base, timeout=10) as http:
        token = http.post("/api/auth/token", json={"username": "staff", "password": PASSWORD})
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        kela = http.post(
            "/api/sites/iso-omena/tickets", json={"service": "kela-benefits"}, headers=auth
        ).json()
        citizen = http.post(
            "/api/sites/iso-omena/tickets", json={"service": "citizen-advice"}, headers=auth
        ).json()
        at4 = http.post("/api/sites/iso-omena/service-points/counter-4/call-next", headers=auth)
        at2 = http.post("/api/sites/iso-omena/service-points/counter-2/call-next", headers=auth)
        moved = http.post(
            f"/api/tickets/{citizen['id']}/transfer", headers=auth, json={"service": "lab-walk-in"}
        )
        http.post(f"/api/tickets/{kela['id']}/start", headers=auth)
        done = http.post(f"/api/tickets/{kela['id']}/finish", headers=auth)
        lab = http.post("/api/sites/iso-omena/service-points/lab-1/call-next", headers=auth)
    assert at4.json()["id"] == kela["id"] and at4.json()["service_point"] == "counter-4"
    assert at2.json()["id"] == citizen["id"] and at2.json()["service_point"] == "counter-2"
    assert moved.json()["number"] == citizen["number"] and moved.json()["service"] == "lab-walk-in"
    assert done.json()["status"] == "done"
    assert lab.json()["number"] == citizen["number"] and lab.json()["unit"] == "hus-laboratory"
    return {"kela": kela["number"], "citizen": citizen["number"]}


def test_serve_runs_the_readme_tour_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    process = _start(tmp_path, port)
    try:
        wait_ready(f"http://127.0.0.1:{port}", process, 60, tmp_path / "serve.log")
        numbers = tour(f"http://127.0.0.1:{port}")
        schema = httpx.get(f"http://127.0.0.1:{port}/schema/openapi.json").json()
        organisations = httpx.get(f"http://127.0.0.1:{port}/api/organisations").json()
        worker_listening = _wait_for_log(tmp_path / "serve.log", "Listening on")
        scheduler_started = _wait_for_log(tmp_path / "serve.log", "Scheduler for")
    finally:
        code = _stop(process)
    log = (tmp_path / "serve.log").read_text()
    assert numbers == {"kela": "K001", "citizen": "A001"}
    assert "/sites/iso-omena/kiosk" in log and "/sites/iso-omena/lobby" in log and "/staff" in log
    assert worker_listening and scheduler_started  # one RQ worker with its scheduler
    assert "/api/sites/{site}/tickets" in schema["paths"]
    # The demo city: Iso Omena and the city's other centres in one organisation.
    (espoo,) = [o for o in organisations if o["slug"] == "espoo"]
    assert {"iso-omena", "sello", "tapiola", "entresse", "lippulaiva"} == set(espoo["sites"])
    assert "/organisations/espoo/waits" in log
    assert code == 0
    time.sleep(0.5)
    assert _children_gone(tmp_path)
    assert (tmp_path / "data" / "queueing.db").exists()


def test_serve_ctrl_c_stops_all_and_restart_keeps_tickets_and_users(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    first = _start(tmp_path, port)
    try:
        wait_ready(base, first, 60, tmp_path / "serve.log")
        login = {"username": "staff", "password": PASSWORD}
        # Generous timeouts: readiness now waits for the worker, whose first jobs (a reconcile,
        # a dispatch) share the SQLite file with these requests on a busy machine.
        token = httpx.post(f"{base}/api/auth/token", json=login, timeout=30).json()["access_token"]
        ticket = httpx.post(
            f"{base}/api/sites/iso-omena/tickets",
            json={"service": "lab-walk-in"},
            headers={"Authorization": f"Bearer {token}"},  # staff: at any hour (see tour)
            timeout=30,
        ).json()
    finally:
        interrupted = _stop(first, signal.SIGINT)  # Ctrl-C
    time.sleep(0.5)
    assert interrupted == 0 and _children_gone(tmp_path)
    second = _start(tmp_path, port)
    try:
        wait_ready(base, second, 60, tmp_path / "serve.log")
        again = httpx.get(f"{base}/api/tickets/{ticket['id']}", timeout=30).json()
        login = httpx.post(
            f"{base}/api/auth/token", json={"username": "admin", "password": PASSWORD}, timeout=30
        )
    finally:
        _stop(second)
    assert again["number"] == ticket["number"] and again["status"] == "waiting"
    assert login.status_code == 200
    assert (tmp_path / "serve.log").read_text().count("users 'admin' and 'staff'") == 1


def test_serve_on_a_busy_port_starts_nothing_and_says_why(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = _start(tmp_path, port)
        code = process.wait(timeout=30)
    log = (tmp_path / "serve.log").read_text()
    assert code != 0 and "cannot listen on 127.0.0.1" in log
    assert "Listening on" not in log  # no worker was started
    assert not (tmp_path / "data" / "redis").exists()  # nor Valkey


def test_a_second_serve_on_the_same_data_refuses(tmp_path: Path) -> None:
    port = free_port()
    first = _start(tmp_path, port)
    try:
        wait_ready(f"http://127.0.0.1:{port}", first, 60, tmp_path / "serve.log")
        second = _start(tmp_path, free_port())
        code = second.wait(timeout=30)
    finally:
        _stop(first)
    assert code != 0
    assert "another `queueing serve` is using" in (tmp_path / "serve.log").read_text()
