"""The server's memory while 20 large photos arrive at once.

A real uvicorn server (one process) on a fresh demo database; 20 shoppers, each with an open
visit, upload at the same moment:

1. a 7000x7000 PNG of a few hundred KB (49 MP after decoding: refused by the pixel limit
   from its header, never decoded; before that limit it took 590 MB to decode one);
2. a 24 MP phone-sized JPEG (6000x4000, the largest a phone gives), which is accepted,
   decoded two at a time (the decode semaphore), cleaned of metadata and resized.

It samples the server's resident memory (VmRSS, every 20 ms) and reads its peak (VmHWM)
from /proc, and prints the peak above the idle server for each round against the stated
ceiling (`--ceiling`, default 600 MB), with every response's status. Linux only.

    .venv/bin/python bench/bench_upload_memory.py [--uploads 20] [--ceiling 600]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
from loopback import free_port, prepare, start_server, stop_server, uptime
from PIL import Image

CSRF_MARK = 'name="csrf_token" value="'
ITEM = "storefront"


def png_bomb() -> bytes:
    """7000x7000 of one colour: tiny on the wire, 147 MB of RGB once decoded."""
    out = io.BytesIO()
    Image.new("RGB", (7000, 7000), (200, 180, 160)).save(out, "PNG", optimize=True)
    return out.getvalue()


def phone_jpeg() -> bytes:
    """A 6000x4000 JPEG with gradients, as a 24 MP phone camera writes."""
    gradient = Image.linear_gradient("L").resize((6000, 4000))
    image = Image.merge("RGB", (gradient, gradient.rotate(180), gradient.transpose(0)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def rss_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{key} not in /proc/{pid}/status")


class Sampler(threading.Thread):
    """The highest VmRSS seen while a round runs (VmHWM is the process's lifetime peak)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_kb(self.pid, "VmRSS"))
            time.sleep(0.02)


async def upload(base: str, session: dict, name: str, body: bytes, kind: str) -> int:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        client.cookies.set("sm_session", session["token"])
        page = (await client.get(f"/visits/{session['visit']}")).text
        token = page.split(CSRF_MARK, 1)[1].split('"', 1)[0]
        client.headers.update({"x-csrf-token": token, "accept": "application/json"})
        data = {"item_id": ITEM, "client_id": uuid.uuid4().hex, "client_time": "0"}
        files = {"file": (name, body, kind)}
        response = await client.post(f"/visits/{session['visit']}/photos", data=data, files=files)
        return response.status_code


async def burst(base: str, sessions: list[dict], name: str, body: bytes, kind: str) -> Counter:
    codes = await asyncio.gather(*(upload(base, s, name, body, kind) for s in sessions))
    return Counter(codes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=20, help="uploads at once (default 20)")
    parser.add_argument("--ceiling", type=float, default=600, help="stated peak in MB")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server")
    args = parser.parse_args()
    rounds = [
        ("7000x7000 PNG", "bomb.png", png_bomb(), "image/png"),
        ("24 MP JPEG", "phone.jpg", phone_jpeg(), "image/jpeg"),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp)
        env, sessions = prepare(var, f"sqlite:///{var / 'bench.db'}", shoppers=args.uploads)
        env.update(dict(v.split("=", 1) for v in args.env))
        port = free_port()
        server = start_server(env, port)
        base = f"http://127.0.0.1:{port}"
        print(f"{args.uploads} uploads at once per round; one uvicorn process on SQLite")
        print(f"before: {uptime()}")
        failed = False
        try:
            asyncio.run(
                burst(base, sessions["shoppers"][:1], "warm.jpg", rounds[1][2], "image/jpeg")
            )
            idle = rss_kb(server.pid, "VmRSS")
            print(f"server after one warm-up upload: {idle / 1024:.0f} MB resident")
            for label, name, body, kind in rounds:
                sampler = Sampler(server.pid)
                sampler.start()
                started = time.monotonic()
                codes = asyncio.run(burst(base, sessions["shoppers"], name, body, kind))
                elapsed = time.monotonic() - started
                sampler.running = False
                sampler.join()
                peak = max(sampler.peak, rss_kb(server.pid, "VmRSS"))
                over = (peak - idle) / 1024
                verdict = "under" if peak / 1024 <= args.ceiling else "OVER"
                failed |= verdict == "OVER" or 500 in codes
                print(
                    f"  {label:14} {len(body) / 1024:7.0f} KB each: {dict(sorted(codes.items()))} "
                    f"in {elapsed:.1f} s; peak {peak / 1024:.0f} MB (+{over:.0f} MB over idle), "
                    f"{verdict} the stated {args.ceiling:.0f} MB"
                )
            print(f"lifetime peak (VmHWM): {rss_kb(server.pid, 'VmHWM') / 1024:.0f} MB")
        finally:
            print(f"after:  {uptime()}")
            stop_server(server)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
