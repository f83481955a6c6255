"""HTTP load on loopback with wrk, and what the server process spends meanwhile (psutil)."""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

HOST = "127.0.0.1"  # loopback only: nothing else is ever a target
LUA = Path(__file__).resolve().parent / "lua" / "request.lua"
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    """A server process on loopback; `pid` is the process that serves (one uvicorn worker)."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, path: str = "/api/v1/health", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: see {self.log}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=2) as answer:  # noqa: S310 (loopback)
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer {path} in {timeout} s: see {self.log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(name: str, argv: Sequence[str], env: dict[str, str], port: int, log_dir: Path) -> Server:
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and scripts)
            list(argv),
            # The code of the tree this benchmark lives in, whatever the interpreter has installed.
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    return Server(name, process, port, log)


def start_service(
    app_url: str, owner_url: str, secret: str, log_dir: Path, *, log_level: str = "INFO", rate_limit: int = 10**9
) -> Server:
    """`vigia serve`, as deployed (one worker), on the generated database."""
    port = free_port()
    env = {
        "VIGIA_DATABASE_URL": app_url,
        "VIGIA_MIGRATION_DATABASE_URL": owner_url,
        "VIGIA_SECRET_KEY": secret,
        "VIGIA_ENVIRONMENT": "development",
        "VIGIA_LOG_LEVEL": log_level,
        # Every request is still counted in PostgreSQL; the limit is only set out of the benchmark's way.
        "VIGIA_RATE_LIMIT_PER_MINUTE": str(rate_limit),
        "VIGIA_FRONTEND_DIST": str(log_dir / "no-frontend"),
    }
    argv = [sys.executable, "-m", "api.cli", "serve", "--host", HOST, "--port", str(port)]  # `vigia serve`
    server = start("service", argv, env, port, log_dir)
    server.wait_ready()
    return server


def start_baseline(app_url: str, secret: str, log_dir: Path) -> Server:
    port = free_port()
    env = {"BENCH_DATABASE_URL": app_url.replace("+asyncpg", ""), "BENCH_SECRET": secret}
    server = start("baseline", [sys.executable, "-m", "bench.baseline", "--port", str(port)], env, port, log_dir)
    server.wait_ready()
    return server


@dataclass
class Meter:
    """CPU time and memory of a process (and optionally of the database's backends) over a run."""

    pid: int
    postmaster: int | None = None
    interval: float = 0.1
    peak_rss: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _cpu(self) -> float:
        times = psutil.Process(self.pid).cpu_times()
        return float(times.user + times.system)

    def _db_cpu(self) -> dict[int, float]:
        if self.postmaster is None:
            return {}
        out = {}
        for child in psutil.Process(self.postmaster).children():
            try:
                t = child.cpu_times()
                out[child.pid] = float(t.user + t.system)
            except psutil.NoSuchProcess:
                continue
        return out

    def _sample(self) -> None:
        process = psutil.Process(self.pid)
        while not self._stop.wait(self.interval):
            try:
                self.peak_rss = max(self.peak_rss, process.memory_info().rss)
            except psutil.NoSuchProcess:
                return

    def __enter__(self) -> "Meter":
        self.peak_rss = psutil.Process(self.pid).memory_info().rss
        self.cpu_before = self._cpu()
        self.db_before = self._db_cpu()
        self.wall_before = time.perf_counter()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.cpu_seconds = self._cpu() - self.cpu_before
        after = self._db_cpu()
        self.db_cpu_seconds = sum(v - self.db_before.get(pid, 0.0) for pid, v in after.items())
        self.wall_seconds = time.perf_counter() - self.wall_before


def peak_rss_ever(pid: int) -> int:
    """The kernel's high-water mark of the process's resident memory (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def wrk(
    url: str,
    paths_file: Path,
    keys_file: Path,
    *,
    duration: float,
    connections: int,
    threads: int = 1,
    method: str = "GET",
    body_file: Path | None = None,
    timeout: float = 10,
) -> dict[str, Any]:
    """One bounded wrk run; its JSON summary (see lua/request.lua)."""
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    argv = [
        binary,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        f"--timeout={timeout:g}s",
        "--latency",
        "-s",
        str(LUA),
        url,
        "--",
        str(paths_file),
        str(keys_file),
        method,
        str(body_file) if body_file else "-",
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=duration + timeout + 30, check=False)  # noqa: S603
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            result: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
            return result
    raise RuntimeError(f"wrk gave no result (exit {done.returncode}): {done.stdout[-500:]} {done.stderr[-500:]}")


@contextlib.contextmanager
def sampled(pid: int, output: Path | None, duration: float) -> Iterator[None]:
    """py-spy recording the process while the block runs, when an output file is given."""
    if output is None:
        yield
        return
    binary = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    argv = [binary, "record", "--pid", str(pid), "--rate", "200", "--nonblocking", "--format", "raw"]
    argv += ["--output", str(output), "--duration", str(max(1, round(duration)))]
    spy = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603 (py-spy, ours)
    try:
        yield
    finally:
        _, err = spy.communicate(timeout=duration + 60)
        if spy.returncode:
            print(f"py-spy failed ({spy.returncode}): {err.decode(errors='replace')[-300:]}", file=sys.stderr)


def measure(
    server: Server,
    paths_file: Path,
    keys_file: Path,
    *,
    duration: float,
    warmup: float,
    connections: int,
    postmaster: int | None = None,
    method: str = "GET",
    body_file: Path | None = None,
    profile: Path | None = None,
) -> dict[str, Any]:
    """Warm up, then one measured wrk run with the server's CPU and memory; per-request figures derived.

    With `profile`, py-spy samples the server during the measured run and writes its collapsed stacks there
    (flamegraph.pl and speedscope read them). Its own cost is in that run's figures: compare profiled runs
    with profiled runs only."""
    common = {"connections": connections, "method": method, "body_file": body_file}
    if warmup > 0:
        wrk(server.url, paths_file, keys_file, duration=warmup, **common)  # type: ignore[arg-type]
    with Meter(server.pid, postmaster) as meter, sampled(server.pid, profile, duration):
        result = wrk(server.url, paths_file, keys_file, duration=duration, **common)  # type: ignore[arg-type]
    requests = max(1, result["requests"])
    seconds = result["duration_us"] / 1e6
    ok = sum(n for code, n in result["codes"].items() if code.startswith(("2", "3")))
    return {
        "requests": result["requests"],
        "ok_responses": ok,
        "codes": result["codes"],
        "errors": result["errors"],
        "rps": result["requests"] / seconds if seconds else 0.0,
        "p50_ms": result["latency_us"]["p50"] / 1000,
        "p90_ms": result["latency_us"]["p90"] / 1000,
        "p99_ms": result["latency_us"]["p99"] / 1000,
        "max_ms": result["latency_us"]["max"] / 1000,
        "cpu_ms_per_request": meter.cpu_seconds * 1000 / requests,
        "server_cpu_utilization": meter.cpu_seconds / meter.wall_seconds,
        "db_cpu_ms_per_request": meter.db_cpu_seconds * 1000 / requests,
        "peak_rss_mb": meter.peak_rss / 2**20,
        "bytes_per_response": result["bytes"] / requests,
        "duration_s": seconds,
        "connections": connections,
    }
