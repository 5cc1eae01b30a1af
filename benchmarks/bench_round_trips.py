"""Round trips to a remote queue database: statements and wall time of `run --no-review`.

    .venv/bin/python benchmarks/bench_round_trips.py [--photos 200] [--delay-ms 20] \
        [--mysql-url mysql+pymysql://root@127.0.0.1:3306/test] [--src OTHER_CHECKOUT/src]

Makes N distinct photos from the sample photos (../shared/samples), creates an empty database on
the MariaDB/MySQL server, migrates it (`proofdesk db upgrade`), and runs, in a child process that
imports proofdesk from `--src` (default: this checkout's src/, so an older commit can be measured
with the same script), a first `run --no-review` with the offline captioner and then an unchanged
rerun, both through a TCP proxy in front of the server that adds `--delay-ms` per round trip (half
each way). Printed per run: the statements this process sent (SQLAlchemy's `before_cursor_execute`,
an executemany counting once), the delta of the server's GLOBAL `Questions` + `Com_admin_commands`
(read straight from the server, its own reads subtracted; needs the server to itself), and the
wall time. The issue's limits: first run ≤ 5 per photo + 60, rerun ≤ 1 per photo + 40.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.distinct_photos import make_distinct_photos  # noqa: E402


class DelayProxy:
    """A threaded TCP proxy adding `delay_s` to every round trip (half on each direction)."""

    def __init__(self, target: tuple[str, int], delay_s: float) -> None:
        self.target = target
        self.half = delay_s / 2
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(1 << 16):
                time.sleep(self.half)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()


CHILD = r"""
import json, os, sys, time
import sqlalchemy as sa
from click.testing import CliRunner

statements = []
sa.event.listen(sa.engine.Engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
from proofdesk.apps.cli import main
import proofdesk
assert os.path.realpath(os.path.dirname(proofdesk.__file__)) == os.path.realpath(sys.argv[3]), proofdesk.__file__

direct, proxied, photo_set = sys.argv[1], sys.argv[2], sys.argv[4]
counters = sa.create_engine(direct, poolclass=sa.pool.NullPool)

def server():
    with counters.connect() as c:
        values = dict(c.exec_driver_sql(
            "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Com_admin_commands')").all())
    return int(values["Questions"]) + int(values["Com_admin_commands"])

env = {"PROOFDESK_CAPTIONER__BACKEND": "offline", "PROOFDESK_STORAGE__URL": proxied}
upgraded = CliRunner().invoke(main, ["db", "upgrade"], env={**env, "PROOFDESK_STORAGE__URL": direct})
assert upgraded.exit_code == 0, upgraded.output
a = server(); overhead = server() - a
out = {}
for label in ("first run", "unchanged rerun"):
    before = server()
    statements.clear()
    started = time.perf_counter()
    result = CliRunner().invoke(main, ["run", photo_set, "--no-review"], env=env)
    wall = time.perf_counter() - started
    count = len(statements)
    server_delta = server() - before - overhead
    out[label] = {"exit": result.exit_code, "statements": count, "server": server_delta, "wall_s": round(wall, 2)}
    if result.exit_code not in (0, 3):
        print(result.output, file=sys.stderr)
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--delay-ms", type=float, default=20.0)
    parser.add_argument("--mysql-url", default=os.environ.get("PROOFDESK_TEST_MYSQL_URL",
                                                              "mysql+pymysql://root@127.0.0.1:3306/test"))
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="the proofdesk source folder to measure")
    parser.add_argument("--samples", type=Path, default=ROOT.parent / "shared" / "samples" / "exif-samples" / "jpg" / "gps")
    args = parser.parse_args()

    base = sa.engine.make_url(args.mysql_url)
    name = f"proofdesk_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    proxy = DelayProxy((base.host or "127.0.0.1", base.port or 3306), args.delay_ms / 1000)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-round-trips-") as tmp:
            work = Path(tmp)
            photo_set = make_distinct_photos(args.samples, work / "2008-10-22_arezzo", args.photos)
            (work / "path").mkdir()
            (work / "path" / "proofdesk").symlink_to(args.src.resolve())
            (work / "desk").mkdir()
            direct = base.set(database=name).render_as_string(hide_password=False)
            proxied = base.set(database=name, host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
            child_env = {**os.environ, "PYTHONPATH": str(work / "path")}
            child_env.pop("PROOFDESK_FAULT", None)
            done = subprocess.run([sys.executable, "-c", CHILD, direct, proxied, str(args.src.resolve()), str(photo_set)],
                                  cwd=work / "desk", env=child_env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                sys.exit(f"benchmark run failed:\n{done.stderr[-4000:]}")
            results = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        proxy.close()
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        admin.dispose()

    n = args.photos
    limits = {"first run": 5 * n + 60, "unchanged rerun": n + 40}
    print(f"proofdesk from {args.src}; {n} photos, +{args.delay_ms:g} ms per round trip, MariaDB {base.host}:{base.port}")
    print(f"{'':17}{'statements':>12}{'per photo':>11}{'server':>9}{'per photo':>11}{'limit':>7}{'wall s':>9}{'exit':>6}")
    for label, r in results.items():
        print(f"{label:17}{r['statements']:>12}{r['statements'] / n:>11.2f}{r['server']:>9}{r['server'] / n:>11.2f}"
              f"{limits[label]:>7}{r['wall_s']:>9.2f}{r['exit']:>6}")


if __name__ == "__main__":
    main()
