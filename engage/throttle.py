"""Rate limits (the `limits` library): in memory for one process, Redis for several.

Keys are hashed so that email addresses and IP addresses are never stored in the limiter.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections.abc import Sequence

from limits import RateLimitItem, parse, storage, strategies

SWEEP_SECONDS = 1.0


class _MemoryStorage(storage.MemoryStorage):
    """limits' in-memory storage, sweeping expired entries once a second.

    limits 5.8 restarts a 10 ms ``threading.Timer`` whenever the last one has fired, which under
    load is a new thread on nearly every hit (a tenth of a submission's time, bench/submissions.py).
    The sweep only frees memory: a limit is decided from the entries' times, not by the sweep.
    """

    def _MemoryStorage__schedule_expiry(self) -> None:  # the parent's private hook, by its mangled name
        if not self.timer.is_alive():
            self.timer = threading.Timer(SWEEP_SECONDS, self._MemoryStorage__expire_events)  # type: ignore[attr-defined]
            self.timer.daemon = True
            self.timer.start()


class Throttle:
    def __init__(self, storage_uri: str = "memory://") -> None:
        backend = _MemoryStorage() if storage_uri == "memory://" else storage.storage_from_string(storage_uri)
        self._limiter = strategies.MovingWindowRateLimiter(backend)

    def hit(self, rule: str, *parts: str) -> bool:
        """Count one attempt; False when the limit is already used up."""
        return self._limiter.hit(_item(rule), _key(parts))

    def clear(self, rule: str, *parts: str) -> None:
        self._limiter.clear(_item(rule), _key(parts))

    def attempt(self, rules: Sequence[str], *parts: str) -> float:
        """Count one attempt against each of a ladder of limits ("5/minute", "10/15 minutes", ...):
        0 when it may go ahead, else how many seconds until it may. A ladder gives a progressive
        delay: a few quick tries, then a wait that grows with every rung used up."""
        key = _key(parts)
        for rule in rules:
            if not self._limiter.hit(_item(rule), key):
                # The longest wait of the rungs used up: after it, an attempt is sure to be let through.
                now = time.time()
                resets = [
                    self._limiter.get_window_stats(_item(r), key).reset_time
                    for r in rules
                    if not self._limiter.test(_item(r), key)
                ]
                return max([1.0, *(reset - now for reset in resets)])
        return 0.0

    def clear_all(self, rules: Sequence[str], *parts: str) -> None:
        key = _key(parts)
        for rule in rules:
            self._limiter.clear(_item(rule), key)


@functools.lru_cache(maxsize=64)
def _item(rule: str) -> RateLimitItem:
    return parse(rule)


def _key(parts: tuple[str, ...]) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
