"""A small asyncio HTTP/1.1 load client with persistent (keep-alive) connections, for 127.0.0.1 only.

``run_load(host, port, make_request, connections=64, seconds=30)`` opens ``connections`` sockets, each
sending requests back to back for ``seconds``; ``make_request(i)`` returns (method, path, body, headers).
It returns throughput, latency percentiles and the status counts.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

Request = tuple[str, str, bytes, dict[str, str]]


async def _one_connection(
    host: str,
    port: int,
    make_request: Callable[[int], Request],
    deadline: float,
    lat: list[float],
    status: Counter,
    seq: list[int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            seq[0] += 1
            method, path, body, headers = make_request(seq[0])
            head = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: keep-alive"]
            if body:
                head.append(f"Content-Length: {len(body)}")
            head += [f"{k}: {v}" for k, v in headers.items()]
            t0 = time.perf_counter()
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
            await writer.drain()
            raw = await reader.readuntil(b"\r\n\r\n")
            lines = raw.decode("latin-1").split("\r\n")
            code = int(lines[0].split()[1])
            length = 0
            close = False
            for line in lines[1:]:
                name, _sep, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
                elif name.lower() == "connection" and value.strip().lower() == "close":
                    close = True
            if length:
                await reader.readexactly(length)
            lat.append(time.perf_counter() - t0)
            status[code] += 1
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


async def _run(
    host: str, port: int, make_request: Callable[[int], Request], connections: int, seconds: float
) -> dict[str, Any]:
    lat: list[float] = []
    status: Counter = Counter()
    seq = [0]
    started = time.perf_counter()
    deadline = started + seconds
    results = await asyncio.gather(
        *(_one_connection(host, port, make_request, deadline, lat, status, seq) for _ in range(connections)),
        return_exceptions=True,
    )
    elapsed = time.perf_counter() - started
    errors = sum(1 for r in results if isinstance(r, Exception))
    lat.sort()

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2) if lat else 0.0

    return {
        "requests": len(lat),
        "rps": round(len(lat) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": round(lat[-1] * 1000, 2) if lat else 0.0,
        "status": dict(status),
        "connection_errors": errors,
    }


def run_load(
    host: str,
    port: int,
    make_request: Callable[[int], Request],
    *,
    connections: int = 64,
    seconds: float = 30,
) -> dict[str, Any]:
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("load tests only target the local machine")
    return asyncio.run(_run(host, port, make_request, connections, seconds))
