from __future__ import annotations

import pytest

from engage import crypto


def test_seal_round_trip_and_nonce():
    a = crypto.seal("key", "purpose", "JBSWY3DPEHPK3PXP")
    b = crypto.seal("key", "purpose", "JBSWY3DPEHPK3PXP")
    assert a != b and "JBSWY3DP" not in a
    assert crypto.unseal("key", "purpose", a) == "JBSWY3DPEHPK3PXP"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s[:-2] + ("AA" if not s.endswith("AA") else "BB"),
        lambda s: "v2:" + s[3:],
        lambda s: "v1:!!!",
        lambda s: "v1:AAAA",
    ],
)
def test_altered_values_are_refused(mangle):
    sealed = crypto.seal("key", "purpose", "secret")
    with pytest.raises(crypto.Unreadable):
        crypto.unseal("key", "purpose", mangle(sealed))


def test_other_key_or_purpose_cannot_read():
    sealed = crypto.seal("key", "purpose", "secret")
    for key, purpose in (("other", "purpose"), ("key", "other")):
        with pytest.raises(crypto.Unreadable):
            crypto.unseal(key, purpose, sealed)


def test_keyed_hash_depends_on_key_and_purpose():
    h = crypto.keyed_hash("key", "p", "ABCD-EFGH")
    assert len(h) == 64 and h == crypto.keyed_hash("key", "p", "ABCD-EFGH")
    assert h != crypto.keyed_hash("other", "p", "ABCD-EFGH") != crypto.keyed_hash("key", "q", "ABCD-EFGH")
