"""The client's address behind a reverse proxy (crm_site/org/network.py), and the lockout and throttles that use it.

X-Forwarded-For is believed only when the direct peer is a trusted proxy; each proxy appends the address it saw,
so the client is the rightmost entry that is not itself a trusted proxy.
"""

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from django_ratelimit.core import get_usage

from crm_site.org.network import client_ip, in_networks
from tests.factories import TEST_PASSWORD

PROXY = "10.0.0.5"
CLIENT_X = "203.0.113.9"
CLIENT_Y = "198.51.100.77"


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize("trusted", [[], ()])
def test_without_trusted_proxies_the_peer_is_the_client_whatever_it_forwards(settings, trusted):
    settings.TRUSTED_PROXIES = trusted
    assert client_ip(_request(CLIENT_X, "1.1.1.1")) == CLIENT_X
    assert client_ip(_request(PROXY, f"198.51.100.1, {CLIENT_X}")) == PROXY


def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = [f"{PROXY}/32"]
    assert client_ip(_request(CLIENT_X, "1.1.1.1")) == CLIENT_X
    assert client_ip(_request("10.0.0.6", "1.1.1.1")) == "10.0.0.6"  # next door, not the proxy


def test_behind_a_trusted_proxy_the_client_is_the_rightmost_untrusted_entry(settings):
    settings.TRUSTED_PROXIES = [f"{PROXY}/32"]
    # The client wrote 198.51.100.1 itself; the proxy appended the address it saw.
    assert client_ip(_request(PROXY, f"198.51.100.1, {CLIENT_X}")) == CLIENT_X
    assert client_ip(_request(PROXY, CLIENT_X)) == CLIENT_X
    assert client_ip(_request(PROXY, f" {CLIENT_X} ")) == CLIENT_X


def test_a_bare_address_counts_as_a_single_host(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_ip(_request(PROXY, CLIENT_X)) == CLIENT_X
    assert client_ip(_request("10.0.0.6", CLIENT_X)) == "10.0.0.6"


def test_a_chain_through_two_trusted_proxies_reaches_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "172.16.0.0/12"]
    # client → 172.16.4.2 (edge) → 10.0.0.7 (inner) → 10.0.0.5 (last hop, the peer)
    forwarded = f"1.1.1.1, {CLIENT_X}, 172.16.4.2, 10.0.0.7"
    assert client_ip(_request(PROXY, forwarded)) == CLIENT_X
    # Only trusted hops in the header: nobody outside spoke, the peer is all we know.
    assert client_ip(_request(PROXY, "172.16.4.2, 10.0.0.7")) == PROXY


def test_a_star_trusts_any_peer_as_the_one_proxy(settings):
    settings.TRUSTED_PROXIES = ["*"]
    assert client_ip(_request("172.18.0.3", f"1.1.1.1, {CLIENT_X}")) == CLIENT_X
    assert client_ip(_request("192.0.2.44", CLIENT_Y)) == CLIENT_Y
    # The one proxy's own header entry is the client, even when it looks private.
    assert client_ip(_request("172.18.0.3", "10.1.2.3")) == "10.1.2.3"
    assert client_ip(_request("172.18.0.3")) == "172.18.0.3"


@pytest.mark.parametrize(
    "forwarded",
    ["", " , ,", "unknown", f"{CLIENT_X}, not-an-address", f"{CLIENT_X}, 999.1.1.1", f"{CLIENT_X}, <script>"],
)
def test_a_garbled_header_falls_back_to_the_peer_not_to_an_entry_behind_it(settings, forwarded):
    settings.TRUSTED_PROXIES = [f"{PROXY}/32"]
    assert client_ip(_request(PROXY, forwarded)) == PROXY


def test_garbage_left_of_the_client_changes_nothing(settings):
    settings.TRUSTED_PROXIES = [f"{PROXY}/32"]
    assert client_ip(_request(PROXY, f"not-an-address, {CLIENT_X}")) == CLIENT_X


def test_ports_and_ipv6_forms(settings):
    settings.TRUSTED_PROXIES = [f"{PROXY}/32", "::1/128", "fd00::/8"]
    assert client_ip(_request(PROXY, f"{CLIENT_X}:51234")) == CLIENT_X
    assert client_ip(_request(PROXY, "2001:DB8::7")) == "2001:db8::7"
    assert client_ip(_request(PROXY, "[2001:db8::7]:443")) == "2001:db8::7"
    assert client_ip(_request("fd00::5", CLIENT_X)) == CLIENT_X
    assert client_ip(_request("::1", "[2001:db8::7]:443")) == "2001:db8::7"
    assert client_ip(_request(PROXY, f"{CLIENT_X}, [::1]:443")) == CLIENT_X  # ::1 is a trusted hop
    assert client_ip(_request("2001:db8::99", CLIENT_X)) == "2001:db8::99"  # untrusted v6 peer


def test_in_networks():
    nets = ["10.0.0.0/8", "::1/128"]
    assert in_networks("10.200.3.4", nets)
    assert in_networks("10.200.3.4:8000", nets)
    assert in_networks("[::1]:443", nets)
    assert in_networks("::1", nets)
    assert not in_networks("11.0.0.1", nets)
    assert not in_networks("::2", nets)
    assert not in_networks("", nets)
    assert not in_networks("localhost", nets)
    assert not in_networks("::ffff:10.0.0.1", ["10.0.0.0/8"])  # a v6 address is not in a v4 network
    assert in_networks("203.0.113.9", ["*"])
    assert not in_networks("garbage", ["*"])


# --- django-axes and django-ratelimit count per client, not per proxy -------------------------------------------


def _login(client, password: str, forwarded: str):
    return client.post(
        reverse("login"),
        {"username": "frontline", "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.django_db
def test_the_login_lockout_counts_the_client_behind_the_proxy(client, frontline, settings):
    settings.TRUSTED_PROXIES = [f"{PROXY}/32"]
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        _login(client, "wrong", CLIENT_X)
    # X is locked out, the right password included.
    locked = _login(client, TEST_PASSWORD, CLIENT_X)
    assert locked.status_code == 429
    assert b'data-testid="locked-out"' in locked.content
    assert AccessAttempt.objects.get().ip_address == CLIENT_X
    # Y comes through the same proxy and signs in.
    client.cookies.clear()
    response = _login(client, TEST_PASSWORD, f"{CLIENT_X}, {CLIENT_Y}")  # Y forged X on the left: no matter
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.django_db
def test_without_trusted_proxies_everyone_behind_the_proxy_shares_one_lockout(client, frontline, settings):
    """The contrast: a forwarded address from an untrusted peer is ignored, so X's failures lock Y out too."""
    settings.TRUSTED_PROXIES = []
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        _login(client, "wrong", CLIENT_X)
    assert _login(client, TEST_PASSWORD, CLIENT_Y).status_code == 429
    assert AccessAttempt.objects.get().ip_address == PROXY


def test_the_throttles_count_per_client_behind_the_proxy(settings):
    settings.TRUSTED_PROXIES = [f"{PROXY}/32"]
    cache.clear()
    try:

        def usage(forwarded):
            return get_usage(_request(PROXY, forwarded), group="tests.network", key="ip", rate="1/m", increment=True)

        assert not usage(CLIENT_X)["should_limit"]
        assert not usage(CLIENT_Y)["should_limit"]  # the same proxy, another client: its own count
        assert usage(CLIENT_X)["should_limit"]
    finally:
        cache.clear()
