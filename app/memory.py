"""Bound how much memory the C allocator keeps after photo decodes.

glibc gives each thread that allocates its own malloc arena (up to 8 per core), and a freed
arena's pages mostly stay resident. Uploads are decoded on the server's thread pool, so
after a burst every pool thread held its own photo-sized arena: 20 uploads of 24 MP at once
left the server at 864 MB resident, although only two decodes ever ran together
(`bench/bench_upload_memory.py`). Two arenas keep it near 380 MB at the same speed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process; False where there is no glibc, or where
    the operator chose with MALLOC_ARENA_MAX (the environment wins)."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
