"""Load test of the chat API over loopback HTTP, with SQLite persistence.

    python bench/bench_http.py                          # 200 visitors, 1,000 messages/s, 20 s
    python bench/bench_http.py --rate 0                 # no pacing: find the ceiling
    python bench/bench_http.py --visitors 50 --duration 10 --log-level WARNING

It starts `iop-bot serve` itself in a subprocess (temporary database, development
key, rate limits out of the way), plays N concurrent visitors through the HTTP API
(FAQ questions, a complete assessment request, more questions), and stops by
itself after --duration seconds or --max-messages messages. Each visitor sends its
next message when its previous reply has arrived and its pacing interval
(visitors / rate) has passed, like a person who waits for the answer.

After a warm-up it measures a window of --duration seconds: the messages per
second (replies received inside the window, divided by its length), the latency
percentiles of the messages sent inside it, and, where /proc can be read, the
server's CPU time per message in the window, of which its main thread's (the
one that holds Python's GIL for the request handlers).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent

SCRIPT: list[dict[str, str]] = [
    {"text": "what is an intensive outpatient program?"},
    {"text": "how many hours a week is it"},
    {"text": "do you take my insurance?"},
    {"payload": "/request_assessment"},
    {"payload": "/for_self"},
    {"text": "Sam"},
    {"text": "207-555-0199"},
    {"payload": "/contact_call"},
    {"payload": "/time_morning"},
    {"payload": "/affirm"},
    {"payload": "/skip"},
    {"payload": "/affirm"},
    {"payload": "/affirm"},
    {"text": "can I keep working while I am in the program"},
    {"text": "where are you located"},
    {"text": "thanks!"},
]


@dataclass
class Stats:
    measuring_from: float = 0.0  # time.perf_counter() at the start of the measured window
    measuring_until: float = 0.0  # ... and at its end: no message is sent after it
    latencies: list[float] = field(default_factory=list)  # seconds, messages sent in the window
    sent: int = 0
    measured: int = 0  # replies received inside the window
    errors: dict[int, int] = field(default_factory=dict)
    conversations: int = 0
    cpu: dict[str, float] = field(default_factory=dict)  # server CPU seconds in the window


def cpu_seconds(pid: int) -> dict[str, float] | None:
    """CPU time (user + system) of a process and of its main thread, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    try:
        process = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        main = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # Fields 14 and 15 of stat (utime, stime) are 12 and 13 after the ") " split.
    return {
        "process": (int(process[11]) + int(process[12])) / ticks,
        "main": (int(main[11]) + int(main[12])) / ticks,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def wait_healthy(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"the server exited with {proc.returncode}")
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(base + "/healthz") as resp:
                    if resp.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise SystemExit("the server did not become healthy in 60 s")


async def visitor(
    http: aiohttp.ClientSession,
    base: str,
    interval: float,
    max_messages: int,
    stats: Stats,
    rng: random.Random,
) -> None:
    loop = asyncio.get_running_loop()
    async with http.post(base + "/api/v1/conversations") as resp:
        if resp.status != 201:
            stats.errors[resp.status] = stats.errors.get(resp.status, 0) + 1
            return
        cid = (await resp.json())["conversation_id"]
    stats.conversations += 1
    url = f"{base}/api/v1/conversations/{cid}/messages"
    step = rng.randrange(len(SCRIPT))
    next_at = loop.time() + rng.uniform(0, interval)
    while stats.sent < max_messages:
        if interval:
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            next_at += interval
        if time.perf_counter() >= stats.measuring_until or stats.sent >= max_messages:
            return
        stats.sent += 1
        body = SCRIPT[step % len(SCRIPT)]
        step += 1
        t0 = time.perf_counter()
        async with http.post(url, json=body) as resp:
            await resp.read()
            status = resp.status
        done = time.perf_counter()
        if status != 200:
            stats.errors[status] = stats.errors.get(status, 0) + 1
            continue
        if t0 >= stats.measuring_from:
            stats.latencies.append(done - t0)
        if stats.measuring_from <= done <= stats.measuring_until:
            stats.measured += 1


async def sample_cpu(pid: int | None, stats: Stats) -> None:
    """Read the server's CPU time at both ends of the measured window."""
    if pid is None:
        return
    await asyncio.sleep(max(0.0, stats.measuring_from - time.perf_counter()))
    before = cpu_seconds(pid)
    await asyncio.sleep(max(0.0, stats.measuring_until - time.perf_counter()))
    after = cpu_seconds(pid)
    if before is not None and after is not None:
        stats.cpu = {name: after[name] - before[name] for name in before}


async def run_load(base: str, args: argparse.Namespace, server_pid: int | None) -> Stats:
    stats = Stats()
    interval = args.visitors / args.rate if args.rate else 0.0
    rng = random.Random(args.seed)
    connector = aiohttp.TCPConnector(limit=args.visitors + 10, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        stats.measuring_from = time.perf_counter() + args.warmup
        stats.measuring_until = stats.measuring_from + args.duration
        await asyncio.gather(
            sample_cpu(server_pid, stats),
            *(
                visitor(http, base, interval, args.max_messages, stats, rng)
                for _ in range(args.visitors)
            ),
        )
    return stats


def report(stats: Stats, args: argparse.Namespace) -> None:
    rate = stats.measured / args.duration
    print(
        f"visitors {args.visitors}   target {args.rate or 'unpaced'} msg/s   "
        f"measured {args.duration:.1f} s after {args.warmup:.0f} s warm-up"
    )
    print(
        f"conversations {stats.conversations}   messages sent {stats.sent}   "
        f"measured {stats.measured}   errors {stats.errors or 'none'}"
    )
    if len(stats.latencies) >= 100:
        ms = sorted(x * 1000 for x in stats.latencies)
        q = statistics.quantiles(ms, n=100, method="inclusive")
        print(f"throughput {rate:,.1f} messages/s")
        print(
            f"latency p50 {q[49]:.1f} ms   p95 {q[94]:.1f} ms   p99 {q[98]:.1f} ms   "
            f"max {ms[-1]:.1f} ms"
        )
    else:
        print("too few measured messages for percentiles")
    if stats.cpu and stats.measured:
        per_message = stats.cpu["process"] / stats.measured * 1000
        main_thread = stats.cpu["main"] / stats.measured * 1000
        print(
            f"server CPU in the window {stats.cpu['process']:.1f} s: {per_message:.2f} ms per "
            f"message, {main_thread:.2f} ms of it on the main thread"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=200, help="concurrent conversations")
    parser.add_argument(
        "--rate",
        type=float,
        default=1000.0,
        help="target messages/s across all visitors; 0 = as fast as possible",
    )
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds not measured")
    parser.add_argument("--max-messages", type=int, default=200_000, help="stop after this many")
    parser.add_argument("--log-level", default="INFO", help="server log level (INFO logs access)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--url", help="load an already running server (e.g. under a profiler)")
    parser.add_argument("--pid", type=int, help="with --url: the server's process id, for its CPU")
    args = parser.parse_args()
    if args.url:
        stats = asyncio.run(run_load(args.url.rstrip("/"), args, args.pid))
        report(stats, args)
        return

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="iop-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("IOP_BOT_")}
        env.update(
            IOP_BOT_DATABASE_URL=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}",
            IOP_BOT_CONTENT_DIR=str(ROOT),
            IOP_BOT_RATE_LIMIT_IP="100000000/hour",
            IOP_BOT_RATE_LIMIT_CONVERSATION="1000000/hour",
            IOP_BOT_WATCH_CONTENT="false",
            IOP_BOT_LOG_LEVEL=args.log_level,
        )
        log_path = Path(tmp) / "server.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve", "--dev", "--port", str(port)],
                cwd=tmp,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                asyncio.run(wait_healthy(base, proc))
                stats = asyncio.run(run_load(base, args, proc.pid))
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        report(stats, args)
        server_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = server_cpu.ru_utime + server_cpu.ru_stime
        print(
            f"server CPU {cpu:.1f} s in total (startup included): "
            f"{cpu / max(1, stats.sent + stats.conversations) * 1000:.2f} ms per request; "
            f"load generator CPU {time.process_time():.1f} s"
        )
        lines = log_path.read_text().splitlines()
        for line in lines:
            if "storage writer closed" in line:
                print("server:", line.split(": ", 1)[1])
        errors = [line for line in lines if " ERROR " in line]
        if errors:
            print(f"server logged {len(errors)} error(s), first: {errors[0]}")


if __name__ == "__main__":
    main()
