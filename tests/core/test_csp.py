"""The Content-Security-Policy header: on every site's answers, strict, and right for http and https."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse

from apps.core.web.csp import SiteCSPMiddleware
from tests.core.test_settings import STRONG_KEY

SITES_AND_PORTAL = ("", "blog", "market", "cart", "events", "account", "federation")
OWN_ORIGINS = [
    "http://localhost",
    *(f"http://{site}.localhost" for site in ("blog", "market", "cart", "events", "account", "federation")),
]


def directives(response):
    """Return the response's policy as ``{directive: [source, ...]}``."""
    return parse(response["Content-Security-Policy"])


def parse(policy):
    return {name: sources for name, *sources in (part.split() for part in policy.split(";"))}


@pytest.mark.django_db
@pytest.mark.parametrize("site", SITES_AND_PORTAL, ids=lambda site: site or "portal")
def test_every_sites_home_answers_with_the_policy(site_client, site):
    response = site_client(site).get("/")

    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    # Single sign-on's forms are redirected between our sites: each of them may receive one.
    assert policy["form-action"] == ["'self'", *OWN_ORIGINS]
    assert policy["img-src"] == ["'self'", "https:", *OWN_ORIGINS]
    # Development is plain http: asking for https would break every http://*.localhost page.
    assert "upgrade-insecure-requests" not in policy


def test_the_origins_follow_the_port(site_client, settings):
    settings.ROSEASH_PORT = "8123"

    policy = directives(site_client("events").get("/healthz"))

    assert "http://federation.localhost:8123" in policy["form-action"]
    assert "http://federation.localhost" not in policy["form-action"]


def test_an_unknown_host_is_refused_under_the_policy(client):
    response = client.get("/", HTTP_HOST="elsewhere.example")

    assert response.status_code == 400
    assert directives(response)["default-src"] == ["'self'"]


PRODUCTION_HEADER = (
    "from django.test import Client; "
    'print(Client().get("/healthz", HTTP_HOST="blog.coop.example.org", secure=True)["Content-Security-Policy"])'
)


def test_production_sends_the_policy_with_https_origins_and_upgrades_requests(checkout):
    env = {"SECRET_KEY": STRONG_KEY, "ROSEASH_DOMAIN": "coop.example.org"}

    result = checkout.manage("shell", "-c", PRODUCTION_HEADER, env=env)

    assert result.returncode == 0, result.stderr
    policy = parse(result.stdout.splitlines()[-1])
    assert policy["upgrade-insecure-requests"] == []
    assert policy["form-action"][:3] == ["'self'", "https://coop.example.org", "https://blog.coop.example.org"]
    assert policy["script-src"] == ["'self'"]


# What the policy refuses: inline scripts, <style> blocks, style attributes, event handlers.
INLINE_CODE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE)


def test_no_template_of_ours_holds_inline_script_or_style():
    base = Path(settings.BASE_DIR)
    templates = [*base.glob("templates/**/*.html"), *base.glob("apps/*/templates/**/*.html")]

    offenders = [str(path.relative_to(base)) for path in templates if INLINE_CODE.search(path.read_text())]

    assert templates
    assert offenders == [], "move inline scripts and styles into static files: the policy refuses them"


def kept_and_built(rf, view_attributes):
    """Return the kept policy's header on a plain response, and django-csp's for ``view_attributes``."""
    middleware = SiteCSPMiddleware(lambda request: HttpResponse())
    plain = middleware(rf.get("/", HTTP_HOST="blog.localhost"))
    decorated = HttpResponse()
    for name, value in view_attributes.items():
        setattr(decorated, name, value)
    built = SiteCSPMiddleware(lambda request: decorated)(rf.get("/", HTTP_HOST="blog.localhost"))
    return plain.get("Content-Security-Policy"), built.get("Content-Security-Policy")


def test_the_kept_policy_is_the_one_django_csp_builds(rf):
    kept, built = kept_and_built(rf, {"_csp_update": {}})  # an empty update: django-csp's own path

    assert kept == built


def test_a_views_own_policy_still_goes_through_django_csp(rf):
    kept, built = kept_and_built(rf, {"_csp_update": {"img-src": ["https://tiles.example"]}})

    assert "https://tiles.example" not in kept
    assert "https://tiles.example" in parse(built)["img-src"]


def test_a_changed_setting_changes_the_kept_policy(rf, settings):
    kept_before, _built = kept_and_built(rf, {})
    settings.ROSEASH_PORT = "8123"

    kept_after, _built = kept_and_built(rf, {})

    assert "http://blog.localhost:8123" not in kept_before
    assert "http://blog.localhost:8123" in parse(kept_after)["form-action"]
