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
