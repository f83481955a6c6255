"""API key format and hashing. Pure functions, no I/O.

A key is `vk_<lookup>_<secret>`: the lookup id (public, indexed) finds the row, the whole key's
HMAC-SHA256 under the server secret is compared in constant time. 192 random bits of secret.
"""

import secrets
from dataclasses import dataclass

from api.security import constant_time_equal, keyed_digest

KEY_TYPE = "vk"
_LOOKUP_BYTES = 6
_SECRET_BYTES = 24


@dataclass(frozen=True)
class NewKey:
    prefix: str  # "vk_<lookup>", stored and shown
    key: str  # the whole key, shown once


def generate() -> NewKey:
    prefix = f"{KEY_TYPE}_{secrets.token_hex(_LOOKUP_BYTES)}"
    return NewKey(prefix=prefix, key=f"{prefix}_{secrets.token_urlsafe(_SECRET_BYTES)}")


def prefix_of(key: str) -> str | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_TYPE or len(parts[1]) != 2 * _LOOKUP_BYTES or not parts[2]:
        return None
    return f"{parts[0]}_{parts[1]}"


def digest(server_secret: str, key: str) -> bytes:
    return keyed_digest(server_secret, key)


def matches(server_secret: str, key: str, stored: bytes) -> bool:
    return constant_time_equal(digest(server_secret, key), stored)
