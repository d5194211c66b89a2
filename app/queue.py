"""The job queue: a Dramatiq broker on Redis when BROKER_URL is set, else none.

Without a broker the same job code runs on a thread of the web process (`make run` needs
nothing else); with one, `shopmirror worker` processes run it. Dramatiq acknowledges a
message only after its actor returns, and its Redis broker hands the messages of a worker
whose heartbeat stopped (killed, machine gone) to the others, so a job survives its worker.
Why Dramatiq: docs/deploy.md, section "Jobs".
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from app.settings import get_settings

if TYPE_CHECKING:
    from dramatiq import Broker

QUEUE = "shopmirror"
MAINTENANCE_SHARE = 20  # one broker call in 20 looks for dead workers' messages


def enabled() -> bool:
    return bool(get_settings().broker_url)


@lru_cache
def get_broker() -> Broker:
    """The process's broker (BROKER_URL must be set); its retries are the jobs' own.

    Only the Retries middleware: a job decides itself when to be tried again (raising
    `dramatiq.Retry` with its delay), so nothing else retries, times out or drops it.
    """
    import dramatiq
    from dramatiq.brokers.redis import MAINTENANCE_SCALE, RedisBroker
    from dramatiq.middleware import Retries

    settings = get_settings()
    if not settings.broker_url:
        raise RuntimeError("BROKER_URL: not set")
    broker = RedisBroker(
        url=settings.broker_url,
        namespace=settings.broker_namespace,
        heartbeat_timeout=settings.job_stale_seconds * 1000,
        maintenance_chance=MAINTENANCE_SCALE // MAINTENANCE_SHARE,
        middleware=[Retries(retry_when=lambda _n, exc: isinstance(exc, dramatiq.Retry))],
    )
    dramatiq.set_broker(broker)
    return broker
