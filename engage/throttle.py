"""Rate limits (the `limits` library): in memory for one process, Redis for several.

Keys are hashed so that email addresses and IP addresses are never stored in the limiter.
"""

from __future__ import annotations

import hashlib

from limits import RateLimitItem, parse, storage, strategies


class Throttle:
    def __init__(self, storage_uri: str = "memory://") -> None:
        self._limiter = strategies.MovingWindowRateLimiter(storage.storage_from_string(storage_uri))

    def hit(self, rule: str, *parts: str) -> bool:
        """Count one attempt; False when the limit is already used up."""
        return self._limiter.hit(_item(rule), _key(parts))

    def clear(self, rule: str, *parts: str) -> None:
        self._limiter.clear(_item(rule), _key(parts))


def _item(rule: str) -> RateLimitItem:
    return parse(rule)


def _key(parts: tuple[str, ...]) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
