from __future__ import annotations

from engage.security import password_problem
from engage.throttle import Throttle


def test_password_policy_rejects_short_and_common_passwords():
    assert "12 characters" in (password_problem("short") or "")
    assert password_problem("password1234") is not None
    assert password_problem("northbridge2026", "officer@northbridge.example") is not None
    assert password_problem("violet kettle marsh anchor") is None


def test_throttle_counts_per_key():
    t = Throttle()
    assert all(t.hit("3/minute", "login", "a@example.org") for _ in range(3))
    assert not t.hit("3/minute", "login", "a@example.org")
    assert t.hit("3/minute", "login", "b@example.org")
    t.clear("3/minute", "login", "a@example.org")
    assert t.hit("3/minute", "login", "a@example.org")


def test_throttle_in_memory_does_not_start_a_thread_per_hit(monkeypatch):
    import threading
    import time

    started = []

    class CountingTimer(threading.Timer):
        def start(self) -> None:
            started.append(self)
            super().start()

    monkeypatch.setattr(threading, "Timer", CountingTimer)
    t = Throttle()
    allowed = 0
    for i in range(100):  # over about 0.2 s: limits' own 10 ms timer would start some 20 threads
        allowed += t.hit("25/minute", "public-form", str(i % 2))
        time.sleep(0.002)
    assert allowed == 50  # 25 for each of the two addresses
    assert len(started) <= 2  # the one limits starts, and at most one once-a-second sweep
