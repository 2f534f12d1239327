"""The outbound HTTP client, against real HTTP servers on loopback."""

import ssl
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from apps.core.outbound import http_client

from .certificates import certificate_authority, server_certificate


def wait_until_answered(httpserver, requests=1, timeout=5):
    """Wait until the single-threaded server has logged ``requests`` requests (a late answer would
    otherwise be logged during the next test)."""
    deadline = time.monotonic() + timeout
    while len(httpserver.log) < requests and time.monotonic() < deadline:
        time.sleep(0.05)


def loopback_url(httpserver, path):
    """The same server named by its address rather than ``localhost``: another host to the client."""
    return f"http://127.0.0.1:{httpserver.port}{path}"


def test_a_get_returns_status_headers_and_body(private_allowed, httpserver):
    httpserver.expect_request("/doc").respond_with_data(
        '{"a": 1}', content_type='application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    )

    answer = http_client.get(httpserver.url_for("/doc"), headers={"Accept": "application/ld+json"})

    assert answer.status == 200
    assert answer.content == b'{"a": 1}'
    assert answer.media_type == "application/ld+json"
    assert answer.media_type_params == {"profile": "https://www.w3.org/ns/activitystreams"}
    assert answer.url == httpserver.url_for("/doc")
    assert httpserver.log[0][0].headers["User-Agent"] == "RoseAsh/0.1 (+http://localhost)"


def test_an_error_status_is_an_answer_not_an_exception(private_allowed, httpserver):
    httpserver.expect_request("/gone").respond_with_data("gone", status=410)

    assert http_client.get(httpserver.url_for("/gone")).status == 410


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "224.0.0.1",
        "239.1.2.3",
        "0.0.0.0",  # noqa: S104 (an address to refuse, not to bind)
        "255.255.255.255",
        "::",
        "::1",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::127.0.0.1",
        "2002:7f00:1::",
        "2002:a9fe:a9fe::1",
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::a00:1",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",
    ],
)
def test_private_and_special_addresses_are_refused(address):
    assert http_client.address_refusal(address)


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "2606:4700:4700::1111", "2002:5db8:d822::1", "64:ff9b::5db8:d822"]
)
def test_public_addresses_pass(address):
    assert http_client.address_refusal(address) is None


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "2130706433", "0x7f000001", "017700000001", "127.1"])
def test_loopback_in_any_spelling_is_refused_at_connect_time(private_refused, httpserver, host):
    httpserver.expect_request("/").respond_with_data("secret")

    with pytest.raises(http_client.AddressRefused, match="loopback"):
        http_client.get(f"http://{host}:{httpserver.port}/")

    assert httpserver.log == []


def test_ipv6_loopback_literal_is_refused(private_refused):
    with pytest.raises(http_client.AddressRefused, match="loopback"):
        http_client.get("http://[::1]:9/")


def test_ipv4_mapped_literal_is_refused(private_refused, httpserver):
    with pytest.raises(http_client.AddressRefused):
        http_client.get(f"http://[::ffff:127.0.0.1]:{httpserver.port}/")


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "file:///etc/passwd", "gopher://example.org/", "http:///nohost", "//x"]
)
def test_only_http_and_https_urls_are_fetched(private_allowed, url):
    with pytest.raises(http_client.AddressRefused):
        http_client.get(url)


def test_credentials_in_the_url_are_refused(private_allowed, httpserver):
    with pytest.raises(http_client.AddressRefused, match="credentials"):
        http_client.get(f"http://user:pw@localhost:{httpserver.port}/")


def test_up_to_three_redirects_are_followed(private_allowed, httpserver):
    for hop in range(3):
        httpserver.expect_request(f"/r{hop}").respond_with_data("", status=302, headers={"Location": f"/r{hop + 1}"})
    httpserver.expect_request("/r3").respond_with_data("landed")

    answer = http_client.get(httpserver.url_for("/r0"))

    assert answer.content == b"landed"
    assert answer.url == httpserver.url_for("/r3")
    assert len(answer.redirects) == 3


def test_a_fourth_redirect_is_refused(private_allowed, httpserver):
    for hop in range(4):
        httpserver.expect_request(f"/r{hop}").respond_with_data("", status=301, headers={"Location": f"/r{hop + 1}"})
    httpserver.expect_request("/r4").respond_with_data("never")

    with pytest.raises(http_client.RedirectRefused, match="more than 3"):
        http_client.get(httpserver.url_for("/r0"))


def test_a_redirect_loop_is_cut_off(private_allowed, httpserver):
    httpserver.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop"})

    with pytest.raises(http_client.RedirectRefused):
        http_client.get(httpserver.url_for("/loop"))


def test_a_redirect_to_another_scheme_is_refused(private_allowed, httpserver):
    httpserver.expect_request("/r").respond_with_data("", status=302, headers={"Location": "file:///etc/passwd"})

    with pytest.raises(http_client.AddressRefused, match="only http"):
        http_client.get(httpserver.url_for("/r"))


def test_a_cross_host_redirect_is_refused_when_asked(private_allowed, httpserver):
    elsewhere = loopback_url(httpserver, "/x")
    httpserver.expect_request("/r").respond_with_data("", status=302, headers={"Location": elsewhere})

    with pytest.raises(http_client.RedirectRefused, match="another host"):
        http_client.get(httpserver.url_for("/r"), same_host_redirects=True)


def test_each_redirect_hop_is_checked_again(private_refused, settings, httpserver):
    # The first hop is one of our own hosts (trusted, via the internal address); the redirect it
    # answers points at loopback by address, which must be refused.
    settings.ROSEASH_INTERNAL_URL = f"http://localhost:{httpserver.port}"
    httpserver.expect_request("/start").respond_with_data(
        "", status=302, headers={"Location": loopback_url(httpserver, "/metadata")}
    )
    httpserver.expect_request("/metadata").respond_with_data("secret")

    with pytest.raises(http_client.AddressRefused, match="loopback"):
        http_client.get("http://blog.localhost/start")

    assert [entry[0].path for entry in httpserver.log] == ["/start"]


def test_our_own_hosts_are_reached_through_the_internal_address(private_refused, settings, httpserver):
    settings.ROSEASH_INTERNAL_URL = f"http://localhost:{httpserver.port}"
    httpserver.expect_request("/actors/blog", headers={"Host": "blog.localhost"}).respond_with_data("ours")

    answer = http_client.get("http://blog.localhost/actors/blog")

    assert answer.content == b"ours"
    assert answer.url == "http://blog.localhost/actors/blog"


@pytest.fixture
def other_server():
    """A second local server: another service on a host name we share, not one of our sites."""
    server = HTTPServer()
    server.start()
    yield server
    server.clear()
    server.stop()


def other_service_urls(other_server):
    return [f"http://localhost:{other_server.port}/x", f"http://blog.localhost:{other_server.port}/x"]


@pytest.fixture
def served_on_8000(settings, httpserver):
    """We serve on port 8000, reached internally at ``httpserver``; ``*.localhost`` resolves to loopback."""
    settings.ROSEASH_PORT = "8000"
    settings.ROSEASH_INTERNAL_URL = f"http://localhost:{httpserver.port}"
    settings.ROSEASH_RESOLVE = {"*.localhost": "127.0.0.1"}
    httpserver.expect_request("/x").respond_with_data("ours")


def test_our_host_name_on_another_port_is_checked(private_refused, served_on_8000, httpserver, other_server):
    other_server.expect_request("/x").respond_with_data("not ours")

    assert http_client.get("http://blog.localhost:8000/x").content == b"ours"
    for url in other_service_urls(other_server):
        with pytest.raises(http_client.AddressRefused, match="loopback"):
            http_client.get(url)

    assert len(httpserver.log) == 1
    assert other_server.log == []


def test_our_host_name_on_another_port_reaches_that_port(private_allowed, served_on_8000, httpserver, other_server):
    other_server.expect_request("/x").respond_with_data("not ours")

    answers = [http_client.get(url).content for url in other_service_urls(other_server)]

    assert answers == [b"not ours", b"not ours"]
    assert httpserver.log == []


def test_an_announced_oversized_body_is_refused(private_allowed, httpserver):
    httpserver.expect_request("/big").respond_with_data(b"x" * 2000)

    with pytest.raises(http_client.BodyTooLarge, match="announces 2000"):
        http_client.get(httpserver.url_for("/big"), max_bytes=1000)


def test_an_endless_chunked_body_is_cut_off_at_the_cap(private_allowed, httpserver):
    def endless():
        while True:
            yield b"x" * 4096

    httpserver.expect_request("/endless").respond_with_handler(lambda request: Response(endless()))

    with pytest.raises(http_client.BodyTooLarge, match="more than the 65536"):
        http_client.get(httpserver.url_for("/endless"), max_bytes=65536)


def test_a_silent_server_times_out(private_allowed, monkeypatch, httpserver):
    monkeypatch.setattr(http_client, "READ_TIMEOUT", 0.3)

    def silent(request):
        time.sleep(1)
        return Response("late")

    httpserver.expect_request("/silent").respond_with_handler(silent)

    with pytest.raises(http_client.HttpClientError, match="timed out"):
        http_client.get(httpserver.url_for("/silent"))

    wait_until_answered(httpserver)  # so the late answer is not logged during the next test


def test_a_closed_port_is_a_transport_error(private_allowed):
    with pytest.raises(http_client.HttpClientError, match="cannot connect"):
        http_client.get("http://127.0.0.1:9/")


def test_proxies_from_the_environment_are_ignored(private_refused, monkeypatch, httpserver):
    # A proxy would make the connection for us, to an address we never checked.
    monkeypatch.setenv("HTTP_PROXY", httpserver.url_for("/"))
    httpserver.expect_request("/").respond_with_data("proxied")

    with pytest.raises(http_client.AddressRefused):
        http_client.get(f"http://127.0.0.1:{httpserver.port}/")


@pytest.fixture
def tls_server(tmp_path):
    """An HTTPS server for ``localhost`` signed by a CA made for this test; yield it and the CA's PEM file."""
    authority, ca_file = certificate_authority(tmp_path, "Cooperative CA")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*server_certificate(tmp_path, authority))
    server = HTTPServer(ssl_context=context)
    server.start()
    server.expect_request("/").respond_with_data("over tls")
    yield server, str(ca_file)
    server.clear()
    server.stop()


def test_a_server_signed_by_an_unknown_ca_is_refused_without_the_bundle(private_allowed, settings, tls_server):
    server, _ca_file = tls_server
    settings.ROSEASH_CA_BUNDLE = ""

    with pytest.raises(http_client.HttpClientError, match="CERTIFICATE_VERIFY_FAILED"):
        http_client.get(f"https://localhost:{server.port}/")
    assert server.log == []


def test_the_operators_ca_bundle_is_trusted(private_allowed, settings, tls_server):
    server, ca_file = tls_server
    settings.ROSEASH_CA_BUNDLE = ca_file

    assert http_client.get(f"https://localhost:{server.port}/").content == b"over tls"


def test_the_ca_bundle_still_checks_the_host_name(private_allowed, settings, tls_server):
    server, ca_file = tls_server
    settings.ROSEASH_CA_BUNDLE = ca_file

    # The certificate names localhost only: the same server reached by its address is refused.
    with pytest.raises(http_client.HttpClientError, match="CERTIFICATE_VERIFY_FAILED"):
        http_client.get(f"https://127.0.0.1:{server.port}/")
    assert server.log == []


def test_a_bundle_of_another_ca_does_not_trust_the_server(private_allowed, settings, tmp_path, tls_server):
    server, _ca_file = tls_server
    _other, other_ca_file = certificate_authority(tmp_path, "Another CA")
    settings.ROSEASH_CA_BUNDLE = str(other_ca_file)

    with pytest.raises(http_client.HttpClientError, match="CERTIFICATE_VERIFY_FAILED"):
        http_client.get(f"https://localhost:{server.port}/")


def test_tls_to_a_private_address_is_refused_before_the_handshake(private_refused, tls_server):
    server, _ca_file = tls_server

    with pytest.raises(http_client.AddressRefused, match="loopback"):
        http_client.get(f"https://localhost:{server.port}/")

    assert server.log == []


def test_resolve_maps_made_up_hosts_to_local_servers(private_allowed, settings, httpserver):
    settings.ROSEASH_RESOLVE = {"*.alpha.test": "127.0.0.1", "beta.test": "127.0.0.1"}
    httpserver.expect_request("/x").respond_with_data("found")

    for host in ("blog.alpha.test", "BETA.test"):
        answer = http_client.get(f"http://{host}:{httpserver.port}/x")
        assert answer.content == b"found"
    assert [entry.headers["Host"] for entry, _ in httpserver.log] == [
        f"blog.alpha.test:{httpserver.port}",
        f"beta.test:{httpserver.port}",
    ]


def test_a_resolved_loopback_address_is_still_refused_unless_private_is_allowed(private_refused, settings, httpserver):
    settings.ROSEASH_RESOLVE = {"*.alpha.test": "127.0.0.1"}
    httpserver.expect_request("/").respond_with_data("secret")

    with pytest.raises(http_client.AddressRefused, match="loopback"):
        http_client.get(f"http://blog.alpha.test:{httpserver.port}/")
    assert httpserver.log == []


def test_unmapped_hosts_resolve_as_usual(settings):
    settings.ROSEASH_RESOLVE = {"*.alpha.test": "127.0.0.1"}

    assert http_client.resolve_override("alpha.test") == "alpha.test"  # "*.alpha.test" names subdomains only
    assert http_client.resolve_override("blog.alpha.test.") == "127.0.0.1"
    assert http_client.resolve_override("example.org") == "example.org"


@pytest.mark.parametrize("elsewhere", ["http://10.0.0.1/admin", "http://169.254.169.254/latest/meta-data/"])
def test_allowed_networks_let_loopback_through_and_nothing_else(private_refused, settings, httpserver, elsewhere):
    settings.ROSEASH_OUTBOUND_ALLOW_NETWORKS = ("127.0.0.0/8",)
    httpserver.expect_request("/here").respond_with_data("local")
    httpserver.expect_request("/away").respond_with_data("", status=302, headers={"Location": elsewhere})

    assert http_client.get(httpserver.url_for("/here")).content == b"local"
    with pytest.raises(http_client.AddressRefused, match=r"private|link-local"):
        http_client.get(httpserver.url_for("/away"))
