"""A small asyncio HTTP/1.1 load client over raw sockets: N keep-alive connections to one loopback server for a
bounded time. Used by the benchmarks; it never talks to anything but 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

REQUEST_TIMEOUT = 15.0


@dataclass
class LoadResult:
    duration_s: float
    completed: int = 0
    errors: int = 0
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.completed / self.duration_s if self.duration_s else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        data = sorted(self.latencies)
        k = min(len(data) - 1, max(0, round(p / 100 * (len(data) - 1))))
        return data[k]

    def summary(self, prefix: str) -> dict[str, float]:
        return {
            f"{prefix}_rps": round(self.throughput, 1),
            f"{prefix}_p50_ms": round(self.percentile(50) * 1000, 2),
            f"{prefix}_p99_ms": round(self.percentile(99) * 1000, 2),
            f"{prefix}_requests": self.completed,
            f"{prefix}_errors": self.errors,
        }


def build_request(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    for key, value in (headers or {}).items():
        lines.append(f"{key}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    close = False
    chunked = False
    for line in lines[1:]:
        name, _sep, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "connection" and value.strip().lower() == "close":
            close = True
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            body += await reader.readexactly(size + 2)
        return status, body, close
    body = await reader.readexactly(length) if length else b""
    return status, body, close


async def _run(
    host: str,
    port: int,
    make_request: Callable[[int], tuple[bytes, Any]],
    on_response: Callable[[Any, int, bytes], None] | None,
    duration_s: float,
    concurrency: int,
) -> LoadResult:
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the load generator only targets loopback")
    result = LoadResult(duration_s=duration_s)
    start = time.perf_counter()
    deadline = start + duration_s

    async def worker(index: int) -> None:
        reader = writer = None
        while time.perf_counter() < deadline:
            try:
                if writer is None:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection(host, port), REQUEST_TIMEOUT
                    )
                payload, tag = make_request(index)
                t0 = time.perf_counter()
                writer.write(payload)
                await writer.drain()
                assert reader is not None
                status, body, close = await asyncio.wait_for(_read_response(reader), REQUEST_TIMEOUT)
                elapsed = time.perf_counter() - t0
                if t0 > deadline:
                    break
                result.latencies.append(elapsed)
                result.completed += 1
                result.statuses[status] += 1
                if on_response is not None:
                    on_response(tag, status, body)
                if close:
                    writer.close()
                    writer = None
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                result.errors += 1
                if writer is not None:
                    writer.close()
                writer = None
                await asyncio.sleep(0.01)
        if writer is not None:
            writer.close()

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    result.duration_s = time.perf_counter() - start
    return result


def run_load(
    host: str,
    port: int,
    make_request: Callable[[int], tuple[bytes, Any]],
    *,
    duration_s: float,
    concurrency: int = 64,
    on_response: Callable[[Any, int, bytes], None] | None = None,
) -> LoadResult:
    """Hold ``concurrency`` keep-alive connections for ``duration_s`` seconds, each sending the requests that
    ``make_request(worker_index)`` returns (payload bytes, tag) one after another."""
    return asyncio.run(_run(host, port, make_request, on_response, duration_s, concurrency))
