"""The client's address: X-Forwarded-For is believed only behind a configured trusted proxy."""

from django.test import RequestFactory, override_settings

from cso_recruit.clientip import client_ip


def _request(remote="203.0.113.9", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@override_settings(TRUSTED_PROXY_COUNT=0, TRUSTED_PROXY_IPS=[])
def test_without_a_trusted_proxy_a_forged_header_is_ignored():
    assert client_ip(_request(forwarded="198.51.100.1")) == "203.0.113.9"


@override_settings(TRUSTED_PROXY_COUNT=1, TRUSTED_PROXY_IPS=[])
def test_behind_one_proxy_the_address_it_saw_is_the_clients():
    # The client forged the first hop; the proxy appended the address it really saw.
    request = _request(remote="10.0.0.2", forwarded="198.51.100.1, 192.0.2.44")
    assert client_ip(request) == "192.0.2.44"


@override_settings(TRUSTED_PROXY_COUNT=0, TRUSTED_PROXY_IPS=["10.0.0.2"])
def test_a_connection_from_the_trusted_proxy_is_read_through():
    request = _request(remote="10.0.0.2", forwarded="198.51.100.1, 192.0.2.44")
    assert client_ip(request) == "192.0.2.44"


@override_settings(TRUSTED_PROXY_COUNT=0, TRUSTED_PROXY_IPS=["10.0.0.2"])
def test_a_connection_from_elsewhere_keeps_the_socket_address():
    request = _request(remote="203.0.113.9", forwarded="192.0.2.44, 198.51.100.7")
    assert client_ip(request) == "203.0.113.9"


@override_settings(TRUSTED_PROXY_COUNT=1, TRUSTED_PROXY_IPS=["10.0.0.2"])
def test_behind_one_proxy_a_client_that_sent_no_header_is_told_apart():
    """nginx's ``$proxy_add_x_forwarded_for`` gives a one-entry header when the client sent none:
    that entry is the client, not the proxy (every client would otherwise share one address)."""
    assert client_ip(_request(remote="10.0.0.2", forwarded="192.0.2.1")) == "192.0.2.1"
    assert client_ip(_request(remote="10.0.0.2", forwarded="192.0.2.2")) == "192.0.2.2"


@override_settings(TRUSTED_PROXY_COUNT=2, TRUSTED_PROXY_IPS=[])
def test_behind_two_proxies_the_outer_ones_entry_is_the_client():
    request = _request(remote="10.0.0.3", forwarded="198.51.100.1, 192.0.2.44, 10.0.0.2")
    assert client_ip(request) == "192.0.2.44"
    assert client_ip(_request(remote="10.0.0.3", forwarded="10.0.0.2")) == "10.0.0.3"  # too short
    assert client_ip(_request(remote="10.0.0.3", forwarded="not-an-ip, 10.0.0.2")) == "10.0.0.3"


@override_settings(TRUSTED_PROXY_COUNT=0, TRUSTED_PROXY_IPS=["10.0.0.1"])
def test_a_trusted_address_is_one_address_not_a_text_prefix():
    forged = _request(remote="10.0.0.17", forwarded="192.0.2.44")
    assert client_ip(forged) == "10.0.0.17"  # 10.0.0.17 starts with "10.0.0.1" but is not it
    assert client_ip(_request(remote="10.0.0.1", forwarded="192.0.2.44")) == "192.0.2.44"


@override_settings(TRUSTED_PROXY_COUNT=0, TRUSTED_PROXY_IPS=["10.0.0.0/24"])
def test_a_trusted_block_covers_its_addresses_only():
    assert client_ip(_request(remote="10.0.0.200", forwarded="192.0.2.44")) == "192.0.2.44"
    assert client_ip(_request(remote="10.0.1.5", forwarded="192.0.2.44")) == "10.0.1.5"
