"""`shopmirror worker`: run queued jobs from the broker (BROKER_URL) until stopped.

One process consuming the queue with `threads` threads (an export already renders on every
core through its own process pool, so one thread is the default). At start it re-queues
jobs whose heartbeat stopped and sends every queued job again (duplicates do nothing).
SIGTERM or Ctrl-C stops it gracefully: the running job finishes first; a second signal
stops it at once, and the job, never acknowledged, goes to another worker.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from types import FrameType

from app.settings import SettingsError, get_settings

READY = "shopmirror worker: ready"
GRACE_MS = 30 * 60 * 1000  # a graceful stop waits this long for the running job


def run(*, threads: int = 1) -> int:
    """The command's body: returns the exit status once the worker has stopped."""
    from dramatiq import Worker

    from app.queue import QUEUE, get_broker
    from app.reports.jobs import export_actor, resume_interrupted
    from app.tasks import task_actor

    if not get_settings().broker_url:
        raise SettingsError("BROKER_URL: set it to a redis:// URL to run a worker")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    broker = get_broker()
    export_actor()  # declare every actor before consuming
    task_actor()
    worker = Worker(broker, queues={QUEUE}, worker_threads=threads)
    worker.queue_prefetch = threads  # hold no message another idle worker could start
    stopping = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stopping.is_set():
            os._exit(1)  # the second signal: stop now; the unacknowledged job runs elsewhere
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    worker.start()
    resume_interrupted()
    print(f"{READY} (pid {os.getpid()}, {threads} thread(s), queue {QUEUE})", flush=True)
    while not stopping.wait(1.0):
        pass
    print("shopmirror worker: stopping after the running job", file=sys.stderr, flush=True)
    worker.stop(timeout=GRACE_MS)
    broker.close()
    return 0
