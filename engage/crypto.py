"""Small keyed primitives from the standard library: sealing short secrets, keyed hashes.

Keys are derived from ENGAGE_SECRET_KEY with HMAC-SHA256 and a purpose label, so each use has its
own key. `seal` is encrypt-then-MAC: an HMAC-SHA256 keystream (counter mode, random 16-byte nonce)
XORed with the plaintext, then an HMAC-SHA256 tag over the nonce and ciphertext. It is meant for
short values such as TOTP secrets; changing ENGAGE_SECRET_KEY makes sealed values unreadable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "v1:"
NONCE_BYTES = 16
TAG_BYTES = 32


class Unreadable(Exception):
    """A sealed value was altered, or sealed with another key."""


def derive_key(secret_key: str, purpose: str) -> bytes:
    return hmac.new(secret_key.encode(), b"engage:" + purpose.encode(), hashlib.sha256).digest()


def keyed_hash(secret_key: str, purpose: str, value: str) -> str:
    return hmac.new(derive_key(secret_key, purpose), value.encode(), hashlib.sha256).hexdigest()


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < length:
        out += hmac.new(key, nonce + counter.to_bytes(8, "big"), hashlib.sha256).digest()
        counter += 1
    return bytes(out[:length])


def seal(secret_key: str, purpose: str, plaintext: str) -> str:
    data = plaintext.encode()
    nonce = secrets.token_bytes(NONCE_BYTES)
    enc = derive_key(secret_key, purpose + ":encrypt")
    mac = derive_key(secret_key, purpose + ":mac")
    body = bytes(a ^ b for a, b in zip(data, _keystream(enc, nonce, len(data)), strict=True))
    tag = hmac.new(mac, nonce + body, hashlib.sha256).digest()
    return PREFIX + base64.urlsafe_b64encode(nonce + body + tag).decode()


def unseal(secret_key: str, purpose: str, sealed: str) -> str:
    if not sealed.startswith(PREFIX):
        raise Unreadable("unknown format")
    try:
        raw = base64.urlsafe_b64decode(sealed[len(PREFIX) :].encode())
    except ValueError as exc:
        raise Unreadable("not base64") from exc
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise Unreadable("too short")
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    mac = derive_key(secret_key, purpose + ":mac")
    if not hmac.compare_digest(tag, hmac.new(mac, nonce + body, hashlib.sha256).digest()):
        raise Unreadable("tag does not match")
    enc = derive_key(secret_key, purpose + ":encrypt")
    return bytes(a ^ b for a, b in zip(body, _keystream(enc, nonce, len(body)), strict=True)).decode()
