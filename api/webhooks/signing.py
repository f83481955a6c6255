"""Standard Webhooks signatures (https://www.standardwebhooks.com). Pure functions, no I/O.

Each subscription's secret is derived, never stored: HMAC-SHA256(server secret, "webhook:" + id). It is
shown once, when the subscription is created; changing the server secret changes every subscription's
secret.
"""

import base64
import hashlib
import hmac
import uuid

from api.security import keyed_digest

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"


def subscription_key(server_secret: str, subscription_id: uuid.UUID) -> bytes:
    """The 32 key bytes a subscription's requests are signed with."""
    return keyed_digest(server_secret, f"webhook:{subscription_id}")


def secret_for(server_secret: str, subscription_id: uuid.UUID) -> str:
    """The secret as receivers configure it: `whsec_<base64 of the key bytes>`."""
    return SECRET_PREFIX + base64.b64encode(subscription_key(server_secret, subscription_id)).decode("ascii")


def signature(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def headers(key: bytes, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one request."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(key, message_id, timestamp, body),
    }
