"""The networks of a client address (netprefix): the share of a per-network limit."""

from __future__ import annotations

from mobileca_desktop.netprefix import network_of, wide_of


def test_ipv4_networks():
    assert network_of("203.0.113.77") == network_of("203.0.113.1") == "203.0.113.0/24"
    assert network_of("203.0.114.1") != network_of("203.0.113.1")
    assert wide_of("203.0.113.77") == wide_of("203.0.200.1") == "203.0.0.0/16"


def test_ipv6_networks_and_mapped_ipv4():
    assert (
        network_of("2001:db8:1:2:aaaa::1") == network_of("2001:db8:1:2::9") == "2001:db8:1:2::/64"
    )
    assert network_of("2001:db8:1:3::1") != network_of("2001:db8:1:2::1")
    assert wide_of("2001:db8:1:ffff::1") == "2001:db8:1::/48"
    assert network_of("::ffff:203.0.113.9") == "203.0.113.0/24"
    assert network_of("[2001:db8::1]") == "2001:db8::/64"


def test_a_name_that_is_no_address_is_its_own_network():
    assert network_of("testclient") == "testclient"
    assert network_of("unknown") == wide_of("unknown") == "unknown"
