"""Slow clients against gunicorn set-ups: how long ``/healthz`` takes while N clients hold connections open with a
request line and headers but never the blank line that ends them.

    DATABASE_URL=... .venv/bin/python bench/slow_clients.py [--port 8791] [--slow 2,100] [--probes 20]

Outside CI. Set-ups, each with 2 workers: gunicorn's sync worker (what ``parking serve`` ran before), its stock
``gthread`` worker (16 threads, keep-alive 5 s), ``gevent`` (when importable: ``pip install gevent``) and ``parking
serve`` itself (the project's worker, ``parking_api/serving.py``). For each, and each number of slow clients,
prints the slowest of ``--probes`` sequential ``/healthz`` answers, or which probe got no answer within
``--give-up`` seconds. ``DATABASE_URL`` must name a migrated database (``/healthz`` never reads it, but ``parking
serve`` checks its role at start).
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

PYTHON = sys.executable
PARKING = str(Path(sys.executable).with_name("parking"))


def setups(port: int) -> list[tuple[str, list[str]]]:
    gunicorn = [PYTHON, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--no-control-socket"]
    found = [
        ("sync (before)", [*gunicorn, "parking_api.wsgi:app"]),
        ("gthread, stock", [*gunicorn, "-k", "gthread", "--threads", "16", "--keep-alive", "5",
                            "parking_api.wsgi:app"]),
    ]
    if importlib.util.find_spec("gevent") is not None:
        found.append(("gevent", [*gunicorn, "-k", "gevent", "parking_api.wsgi:app"]))
    found.append(("parking serve", [PARKING, "serve", "--port", str(port), "--no-control-socket"]))
    return found


def healthz(port: int, give_up: float) -> float | None:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=give_up)
    try:
        connection.request("GET", "/healthz")
        connection.getresponse().read()
    except OSError:
        return None
    finally:
        connection.close()
    return time.monotonic() - started


def slow_client(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"GET /v1/can-i-park?lat=51.5&lon=-0.12 HTTP/1.1\r\nHost: localhost\r\n")
    return sock


def measure(port: int, argv: list[str], counts: list[int], probes: int, give_up: float) -> list[str]:
    env = {**os.environ, "PARKING_RATE_LIMIT": "off"}
    server = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cells = []
    try:
        deadline = time.monotonic() + 30
        while healthz(port, 1.0) is None:
            if time.monotonic() > deadline:
                return ["did not start"] * len(counts)
            time.sleep(0.2)
        for count in counts:
            held = [slow_client(port) for _ in range(count)]
            time.sleep(0.5)  # the workers have read what the slow clients sent
            timings = []
            for _ in range(probes):
                timings.append(healthz(port, give_up))
                if timings[-1] is None:
                    break  # one is enough: the next would wait as long
            for sock in held:
                sock.close()
            if timings[-1] is None:
                cells.append(f"no answer in {give_up:g} s (probe {len(timings)})")
            else:
                cells.append(f"{max(timings) * 1000:.0f} ms")
            time.sleep(1)
    finally:
        server.terminate()
        server.wait(timeout=30)
        time.sleep(1)  # the port is free again
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--slow", default="2,100", help="numbers of slow clients, comma-separated")
    parser.add_argument("--probes", type=int, default=20)
    parser.add_argument("--give-up", type=float, default=15.0, help="seconds before a probe counts as a timeout")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("DATABASE_URL must name a migrated database")
    counts = [int(n) for n in args.slow.split(",")]
    print("| set-up | " + " | ".join(f"{n} slow clients" for n in counts) + " |")
    print("|---|" + "---:|" * len(counts))
    for name, argv in setups(args.port):
        cells = measure(args.port, argv, counts, args.probes, args.give_up)
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
