"""A per-client limit on chat questions: a sliding window of recent requests, kept in memory.

The chat answers from memory and writes one question row per request; a client asking hundreds of
questions a minute is a script, not a citizen. Each gunicorn worker keeps its own window (nothing on
the hot path touches the database for this); with W workers a client may get up to W times the limit,
which is still far below what hurts the site. In production nginx limits `/api/` per address first
(deploy/renfang-proxy.inc); this is the second wall, for wherever the app faces clients directly.
Case look-up failures and callbacks are limited in SQLite instead, because there every worker must
agree on the exact count.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque


class SlidingWindow:
    """At most `limit` hits per key in any `window` seconds; remembers at most `max_keys` keys."""

    def __init__(self, limit: int, window: float = 60.0, max_keys: int = 10_000):
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> int:
        """Count a request; 0 when it is allowed, else the seconds to wait before the next one."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= self.max_keys:
                    self._forget_idle(now)
                hits = self._hits[key] = deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window - now))
            hits.append(now)
            return 0

    def _forget_idle(self, now: float) -> None:
        """Drop the keys with no hit inside the window (and, if still full, the oldest ones)."""
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]:
            del self._hits[key]
        while len(self._hits) >= self.max_keys:
            del self._hits[next(iter(self._hits))]
