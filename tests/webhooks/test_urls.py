"""Webhook URLs never reach the service's own network: every resolved address is checked."""

import ipaddress
import uuid
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook

from api.webhooks import signing, urls

FORBIDDEN = [
    "127.0.0.1",
    "127.255.0.9",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # carrier-grade NAT
    "0.0.0.0",  # noqa: S104 (a value under test, not a bind)
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
]


@pytest.mark.parametrize("address", FORBIDDEN)
def test_internal_addresses_are_forbidden(address):
    assert urls.is_forbidden(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["1.1.1.1", "93.184.215.14", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert not urls.is_forbidden(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/",
        "https://10.0.0.1/hook",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]:8443/",
        "https://169.254.169.254/latest/meta-data/",
        "https://localhost/",
        "https://2130706433/",  # 127.0.0.1 as one number
        "https://127.1/",
        "https://0x7f.1/",
        "ftp://1.1.1.1/",
        "http://1.1.1.1/",  # https only
        "https://user:pw@1.1.1.1/",
        "https:///nohost",
        "not a url",
    ],
)
async def test_refused_urls(url):
    with pytest.raises(urls.UnsafeURL):
        await urls.resolve(url, allow_private=False)


async def test_every_resolved_address_is_checked(monkeypatch):
    async def answers(host, port):
        return ["1.1.1.1", "10.1.2.3"]

    monkeypatch.setattr(urls, "resolve_host", answers)
    with pytest.raises(urls.UnsafeURL):
        await urls.resolve("https://hooks.partner.example/x", allow_private=False)


async def test_allowed_url_is_pinned_to_its_checked_address(monkeypatch):
    async def answers(host, port):
        assert (host, port) == ("hooks.partner.example", 8443)
        return ["1.1.1.1"]

    monkeypatch.setattr(urls, "resolve_host", answers)
    target = await urls.resolve("https://hooks.partner.example:8443/in?token=t", allow_private=False)
    assert target.addresses == ("1.1.1.1",)
    assert str(target.pinned("1.1.1.1")) == "https://1.1.1.1:8443/in?token=t"
    assert target.host_header == "hooks.partner.example:8443"


async def test_private_allowed_only_when_configured():
    target = await urls.resolve("http://127.0.0.1:9/x", allow_private=True)
    assert target.addresses == ("127.0.0.1",)


def test_signature_matches_the_reference_library():
    subscription_id = uuid.UUID(int=7)
    secret = signing.secret_for("server-secret", subscription_id)
    assert secret.startswith("whsec_")
    key = signing.subscription_key("server-secret", subscription_id)
    now = int(datetime.now(UTC).timestamp())
    body = b'{"type":"obligation.overdue","data":{}}'
    headers = signing.headers(key, "msg_1", now, body)
    assert Webhook(secret).verify(body, headers) == {"type": "obligation.overdue", "data": {}}
