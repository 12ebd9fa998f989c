"""Faults under a fixed load: a real ``parking serve`` on a throwaway private cluster, its database stopped, then
frozen (SIGSTOP), then two slow clients holding connections open.

    .venv/bin/python bench/faults.py [--port 8791] [--clients 4] [--outage 6] [--freeze 10] [--workers 2]

Outside CI. It makes its own cluster (``postgis/localdb.sh`` in a temporary directory, on its own port: never the
shared one), migrates it and loads the bundled data, serves it, and drives ``--clients`` threads that ask, in a
loop and without pause, a fixed rotation of driver questions (``/v1/can-i-park`` at four bundled bays, ``/v1/bays``,
one bay's detail). Phases: a warm-up, the database stopped (``pg_ctl stop -m fast``) for ``--outage`` seconds and
started again, frozen (every server process SIGSTOPped) for ``--freeze`` seconds and thawed, then two slow clients
(a request line and headers, never the blank line) connected while ``/healthz`` is timed every 50 ms.

Prints: requests sent, 5xx seen (per phase), seconds from the database being back to the first answer that needed
it (after the stop, after the freeze), the answers during the freeze, and whether ``/healthz`` stayed under 100 ms
while the slow clients were connected. Exit status 0 whatever it measured; 1 if it could not set up.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALDB = ROOT / "postgis" / "localdb.sh"
PARKING = Path(sys.executable).with_name("parking")

QUESTIONS = [
    "/v1/can-i-park?lat=51.546375&lon=-0.162084",
    "/v1/can-i-park?lat=51.519118&lon=-0.114818",
    "/v1/can-i-park?lat=51.5404&lon=-0.1436",
    "/v1/can-i-park?lat=51.5237&lon=-0.1367",
    "/v1/bays?lat=51.546375&lon=-0.162084&radius=300",
    "/v1/bays/camden/46047061",
]


@dataclass
class Tally:
    """Answers by phase: status counts, and the time of each answer that needed the database and got it."""

    phase: str = "warm-up"
    sent: int = 0
    statuses: dict[str, Counter] = field(default_factory=dict)
    good_after: dict[str, float] = field(default_factory=dict)  # phase -> first 200 after its mark
    marks: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int, at: float) -> None:
        with self.lock:
            self.sent += 1
            self.statuses.setdefault(self.phase, Counter())[status] += 1
            for name, mark in self.marks.items():
                if status == 200 and at >= mark and name not in self.good_after:
                    self.good_after[name] = at - mark


def _run(*args: str, env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run(list(args), env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"faults: {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout.strip()


def _driver(port: int, tally: Tally, stop: threading.Event, index: int) -> None:
    i = index
    while not stop.is_set():
        path = QUESTIONS[i % len(QUESTIONS)]
        i += 1
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", path)
            status = conn.getresponse().status
        except (OSError, http.client.HTTPException):
            status = 0  # no answer at all (connection refused or reset, timed out)
        finally:
            conn.close()
        tally.record(status, time.monotonic())


def _server_pids(data: Path) -> list[int]:
    """The postmaster and every process it started."""
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
    return [postmaster, *map(int, children)]


def _healthz_ms(port: int) -> float:
    began = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/healthz")
        conn.getresponse().read()
    finally:
        conn.close()
    return (time.monotonic() - began) * 1000


def _wait_until_serving(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return
        time.sleep(0.2)
    raise SystemExit("faults: the server did not become ready")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--pg-port", type=int, default=55471)
    parser.add_argument("--clients", type=int, default=4, help="driver threads of the fixed load")
    parser.add_argument("--workers", type=int, default=2, help="parking serve --workers")
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--outage", type=float, default=6, help="seconds the database stays stopped")
    parser.add_argument("--freeze", type=float, default=10, help="seconds the database stays frozen")
    parser.add_argument("--slow", type=float, default=10, help="seconds the two slow clients stay connected")
    parser.add_argument("--log", type=Path, help="keep the server's log (it goes with the cluster otherwise)")
    args = parser.parse_args()

    base = tempfile.mkdtemp(prefix="kerbside-faults-", dir="/var/tmp")
    os.chmod(base, 0o711)  # under root the server runs as an unprivileged user, who must reach its directory
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARKING_PG_", "PARKING_", "DATABASE_URL"))}
    env.update(
        PARKING_PG_DIR=os.path.join(base, "cluster"), PARKING_PG_PORT=str(args.pg_port), PARKING_RATE_LIMIT="off"
    )
    data = Path(env["PARKING_PG_DIR"]) / "data"
    server = None
    try:
        _run(str(LOCALDB), "start", "faults", env=env)
        env["DATABASE_URL"] = _run(str(LOCALDB), "url", "faults", env=env)
        _run(str(PARKING), "db", "upgrade", env=env)
        _run(str(PARKING), "load", "bundled", env=env)
        log = open(os.path.join(base, "serve.log"), "w")  # noqa: SIM115 - open for the server's lifetime
        server = subprocess.Popen(
            [str(PARKING), "serve", "--port", str(args.port), "--workers", str(args.workers)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        _wait_until_serving(args.port)

        tally, stop = Tally(), threading.Event()
        drivers = [threading.Thread(target=_driver, args=(args.port, tally, stop, i)) for i in range(args.clients)]
        for thread in drivers:
            thread.start()
        time.sleep(args.warmup)

        tally.phase = "database stopped"
        _run(str(LOCALDB), "stop", env=env)
        time.sleep(args.outage)
        _run(str(LOCALDB), "start", "faults", env=env)
        tally.phase = "after the stop"
        tally.marks["stop"] = time.monotonic()
        time.sleep(5)

        tally.phase = "database frozen"
        frozen = _server_pids(data)
        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)
        time.sleep(args.freeze)
        for pid in frozen:
            os.kill(pid, signal.SIGCONT)
        tally.phase = "after the freeze"
        tally.marks["freeze"] = time.monotonic()
        time.sleep(5)

        tally.phase = "two slow clients"
        slow = []
        for _ in range(2):
            sock = socket.create_connection(("127.0.0.1", args.port))
            sock.sendall(b"GET /v1/sources HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n")  # never the blank line
            slow.append(sock)
        time.sleep(0.5)
        healthz: list[float] = []
        until = time.monotonic() + args.slow
        while time.monotonic() < until:
            try:
                healthz.append(_healthz_ms(args.port))
            except OSError:
                healthz.append(float("inf"))
            time.sleep(0.05)
        for sock in slow:
            sock.close()
        stop.set()
        for thread in drivers:
            thread.join(timeout=60)
    finally:
        if server is not None:
            server.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=30)
        if args.log:
            shutil.copyfile(os.path.join(base, "serve.log"), args.log)
        subprocess.run([str(LOCALDB), "clean"], env=env, capture_output=True, timeout=180)
        shutil.rmtree(base, ignore_errors=True)

    print(f"requests sent: {tally.sent:,} ({args.clients} clients, {args.workers} workers)")
    fives = sum(n for counts in tally.statuses.values() for status, n in counts.items() if status >= 500)
    print(f"5xx seen: {fives:,}")
    for phase, counts in tally.statuses.items():
        shown = ", ".join(f"{'no answer' if s == 0 else s}: {n:,}" for s, n in sorted(counts.items()))
        print(f"  {phase:<17} {shown}")
    for name, label in (("stop", "a database stop"), ("freeze", "a freeze")):
        seconds = tally.good_after.get(name)
        print(f"seconds to recover after {label}: {'not within 5 s' if seconds is None else f'{seconds:.2f}'}")
    worst = max(healthz) if healthz else float("inf")
    verdict = "yes" if worst < 100 else "no"
    print(f"/healthz under 100 ms with two slow clients connected: {verdict} (max {worst:.0f} ms over {len(healthz)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
