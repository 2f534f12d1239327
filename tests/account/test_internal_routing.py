"""Server-to-server calls to the federation site reach ROSEASH_INTERNAL_URL in a split deployment."""

from werkzeug.wrappers import Response

from apps.account.sso.client import InternalOAuth2Session


def test_requests_for_our_hosts_go_to_the_internal_url_with_the_public_host_and_scheme(httpserver, settings):
    settings.ROSEASH_SCHEME = "https"  # only our public origin is rerouted, scheme included
    settings.ROSEASH_INTERNAL_URL = httpserver.url_for("").rstrip("/")
    seen = {}

    def record(request):
        seen.update(host=request.headers["Host"], proto=request.headers.get("X-Forwarded-Proto"), path=request.path)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/o/.well-known/openid-configuration").respond_with_handler(record)

    with InternalOAuth2Session() as session:
        response = session.get("https://federation.localhost/o/.well-known/openid-configuration", withhold_token=True)

    assert response.status_code == 200
    assert seen == {"host": "federation.localhost", "proto": "https", "path": "/o/.well-known/openid-configuration"}


def test_other_hosts_are_not_rerouted(httpserver, settings):
    settings.ROSEASH_INTERNAL_URL = "http://127.0.0.1:9"  # nothing listens there
    httpserver.expect_request("/ping").respond_with_data("pong")

    with InternalOAuth2Session() as session:
        response = session.get(f"http://127.0.0.1:{httpserver.port}/ping", withhold_token=True)

    assert response.text == "pong"
