"""The load generator: a small asyncio HTTP/1.1 client, run in its own process.

    python -m bench.client JOB.json RESULT.json

JOB holds the target (`host`, `port`, only 127.0.0.1), `concurrency` connections, the bounds
`max_requests` and `max_seconds`, optional unmeasured `warmup` requests, and `requests`: a list of
`[method, path, headers, body]` taken in order by whichever connection is free (each request is sent
once; with `"cycle": true` the list repeats until a bound is hit). Connections are kept alive when the
server allows it and reopened when it answers `Connection: close` (gunicorn's sync workers always do);
a request's latency runs from the moment it is taken (connecting included) to the last byte of the
answer. RESULT gets the count, requests/s, p50/p95/p99/max in milliseconds, the status codes and, with
`json_field`, how often each value of that member (or of `error.code`) came back.

Written with nothing but the standard library so that the client costs the same for the app and for the
ceilings it is compared with.
"""

import asyncio
import json
import resource
import socket
import struct
import sys
import time
from collections import Counter

#: A single request never waits longer than this.
REQUEST_TIMEOUT = 30.0


class Response:
    __slots__ = ("body", "close", "status")

    def __init__(self, status: int, close: bool, body: bytes):
        self.status, self.close, self.body = status, close, body


def parse(buffer: bytearray, eof: bool) -> tuple[Response, int] | None:
    """Parse one HTTP/1.1 response at the start of `buffer`; return it and its length, or None if incomplete.

    Bodies come with Content-Length, chunked, or (without either) run until the server closes.
    """
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    close = headers.get("connection", "").lower() == "close"
    start = end + 4
    if "content-length" in headers:
        stop = start + int(headers["content-length"])
        return (Response(status, close, bytes(buffer[start:stop])), stop) if len(buffer) >= stop else None
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts, at = [], start
        while True:
            line_end = buffer.find(b"\r\n", at)
            if line_end < 0:
                return None
            size = int(bytes(buffer[at:line_end]).split(b";")[0], 16)
            if size == 0:
                trailer_end = buffer.find(b"\r\n", line_end + 2)
                if trailer_end < 0:
                    return None
                return Response(status, close, b"".join(parts)), trailer_end + 2
            if len(buffer) < line_end + 2 + size + 2:
                return None
            parts.append(bytes(buffer[line_end + 2:line_end + 2 + size]))
            at = line_end + 2 + size + 2
    if status in (204, 304) or status < 200:
        return Response(status, close, b""), start
    return (Response(status, True, bytes(buffer[start:])), len(buffer)) if eof else None


def encode(host: str, port: int, method: str, path: str, headers: dict, body: str | None) -> bytes:
    """Build the bytes of one request."""
    data = body.encode() if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "User-Agent: anticafe-bench",
             "Accept: */*", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None or method in ("POST", "PUT", "PATCH", "DELETE"):
        lines.append(f"Content-Length: {len(data)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


class Connection(asyncio.Protocol):
    """One keep-alive connection (a low-level asyncio protocol: cheaper than streams, so the client
    leaves the two cores to the server); reopened when the server closes it."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future | None = None
        self.eof = False

    # asyncio.Protocol
    def connection_made(self, transport) -> None:
        self.transport = transport
        # Close without lingering: the server has usually closed first, and a plain close() of the
        # client's side costs more CPU here than a whole request of the bare ceiling.
        transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._answer()

    def eof_received(self) -> bool:
        self.eof = True
        self._answer()
        return False

    def connection_lost(self, exc) -> None:
        self.eof = True
        self._answer()
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionResetError("connection closed before the answer"))
        self.transport = None

    def _answer(self) -> None:
        if self.waiter is None or self.waiter.done():
            return
        try:
            found = parse(self.buffer, self.eof)
        except (ValueError, IndexError) as error:
            self.waiter.set_exception(error)
            return
        if found is not None:
            response, used = found
            del self.buffer[:used]
            self.waiter.set_result(response)

    async def send(self, raw: bytes) -> Response:
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            fresh = self.transport is None
            if fresh:
                self.buffer.clear()
                self.eof = False
                await loop.create_connection(lambda: self, self.host, self.port)
            self.waiter = loop.create_future()
            self.transport.write(raw)
            try:
                response = await self.waiter
            except ConnectionError:
                self.close()
                if fresh or attempt == 2:
                    raise
                continue  # the server closed an idle keep-alive connection: reconnect once
            if response.close:
                self.close()
            return response
        raise ConnectionError("unreachable")

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        self.transport = None


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(q * len(ordered) + 0.5)))
    return ordered[rank - 1]


async def drive(job: dict) -> dict:
    host, port = job["host"], int(job["port"])
    if host != "127.0.0.1":
        raise SystemExit("the load generator only talks to 127.0.0.1")
    raw = [encode(host, port, *r) for r in job["requests"]]
    if not raw:
        raise SystemExit("no requests")
    concurrency = int(job.get("concurrency", 8))
    json_field = job.get("json_field")

    async def run(items: list[bytes], cycle: bool, limit: int, seconds: float, measure: bool) -> dict:
        latencies: list[float] = []
        statuses: Counter = Counter()
        values: Counter = Counter()
        samples: list[str] = []
        failures = 0
        position = 0
        deadline = time.perf_counter() + seconds

        def take() -> bytes | None:
            nonlocal position
            if position >= limit or time.perf_counter() >= deadline or (not cycle and position >= len(items)):
                return None
            item = items[position % len(items)]
            position += 1
            return item

        async def worker() -> None:
            nonlocal failures
            connection = Connection(host, port)
            try:
                while (request := take()) is not None:
                    started = time.perf_counter()
                    try:
                        response = await asyncio.wait_for(connection.send(request), REQUEST_TIMEOUT)
                    except (TimeoutError, OSError, ValueError, IndexError) as error:
                        connection.close()
                        failures += 1
                        if len(samples) < 5:
                            samples.append(f"{type(error).__name__}: {error}")
                        continue
                    latencies.append(time.perf_counter() - started)
                    statuses[response.status] += 1
                    if json_field:
                        values[_member(response.body, json_field)] += 1
                    if response.status >= 400 and len(samples) < 5:
                        samples.append(f"{response.status} {response.body[:300].decode(errors='replace')}")
            finally:
                connection.close()

        begun = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - begun
        ordered = sorted(latencies)
        ms = [x * 1000 for x in ordered]
        return {"count": len(latencies), "failures": failures, "elapsed": elapsed,
                "rps": len(latencies) / elapsed if elapsed > 0 else 0.0,
                "p50": percentile(ms, 0.50), "p95": percentile(ms, 0.95), "p99": percentile(ms, 0.99),
                "max": ms[-1] if ms else float("nan"), "statuses": {str(k): v for k, v in sorted(statuses.items())},
                "values": dict(values), "samples": samples} if measure else {}

    warmup = [encode(host, port, *r) for r in job.get("warmup", [])]
    if warmup:
        await run(warmup, False, len(warmup), 60.0, False)
    return await run(raw, bool(job.get("cycle")), int(job["max_requests"]), float(job["max_seconds"]), True)


def _member(body: bytes, field: str) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return "(not json)"
    if isinstance(data, dict):
        if field in data:
            return str(data[field])
        if isinstance(data.get("error"), dict):
            return "error:" + str(data["error"].get("code"))
    return "(missing)"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    with open(argv[0]) as f:
        job = json.load(f)
    # the whole run is bounded as well: the measured part, the warm-up and a margin
    result = asyncio.run(asyncio.wait_for(drive(job), float(job["max_seconds"]) + 120))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["client_cpu_ms_per_request"] = (usage.ru_utime + usage.ru_stime) * 1000 / max(result["count"], 1)
    with open(argv[1], "w") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
