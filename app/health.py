"""What `/healthz` checks: the database, the job queue's broker and the media store.

A load balancer asks every few seconds and must not wait on a part that hangs, so the
parts are checked at once on threads and the answer comes within `DEADLINE` seconds
whatever happens: a part that has not answered by then counts as down. Each check also
sets short timeouts of its own (Redis and S3 connects), so its thread does not linger.
The reasons go to the log, not to the (anonymous) response: it names only the part.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

from sqlalchemy import text

from app import storage
from app.db import new_session
from app.settings import get_settings

log = logging.getLogger(__name__)
DEADLINE = 3.0  # seconds for the whole answer
PART_TIMEOUT = 2.0  # seconds a broker or storage connection may take
OK, DOWN, NOT_USED = "ok", "down", "not configured"


def check_database() -> None:
    with new_session(write=False) as db:
        db.execute(text("SELECT 1"))


def check_broker() -> None:
    """A Redis PING on BROKER_URL with short timeouts (the queue's own client retries)."""
    import redis

    client = redis.Redis.from_url(
        get_settings().broker_url,
        socket_connect_timeout=PART_TIMEOUT,
        socket_timeout=PART_TIMEOUT,
        retry_on_timeout=False,
    )
    try:
        client.ping()
    finally:
        client.close()


def check_storage() -> None:
    storage.probe(timeout=PART_TIMEOUT)


def checks() -> dict[str, Callable[[], None] | None]:
    """The parts of this deployment; None marks one it does not use (no broker set)."""
    return {
        "database": check_database,
        "broker": check_broker if get_settings().broker_url else None,
        "storage": check_storage,
    }


def _run(name: str, check: Callable[[], None]) -> str:
    try:
        check()
    except Exception as exc:  # any failure of a part is "down"; the reason is for the log
        log.warning("health: %s is down: %s: %s", name, type(exc).__name__, exc)
        return DOWN
    return OK


def report() -> tuple[bool, dict[str, str]]:
    """(healthy, each part's status), within DEADLINE seconds."""
    parts = checks()
    status = {name: NOT_USED for name, check in parts.items() if check is None}
    pool = ThreadPoolExecutor(max_workers=len(parts), thread_name_prefix="healthz")
    futures = {
        name: pool.submit(_run, name, check) for name, check in parts.items() if check is not None
    }
    wait(futures.values(), timeout=DEADLINE)
    pool.shutdown(wait=False)  # a hung check's thread ends with its own timeout
    for name, future in futures.items():
        if not future.done():
            log.warning("health: %s did not answer within %s s", name, DEADLINE)
        status[name] = future.result() if future.done() else DOWN
    healthy = all(value != DOWN for value in status.values())
    return healthy, {name: status[name] for name in parts}
