"""Mail settings: the console in development, SMTP from EMAIL_URL or EMAIL_* in production."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from roseash.email_url import parse_email_url
from tests.core.test_settings import STRONG_KEY, run

PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name) for name in (
    "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS", "EMAIL_USE_SSL", "DEFAULT_FROM_EMAIL", "SERVER_EMAIL",
)}))
"""
EMAIL_VARIABLES = ("EMAIL_URL", "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "DEFAULT_FROM_EMAIL")
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": STRONG_KEY, "ROSEASH_DOMAIN": "coop.example.org"}


def load(env, tmp_path):
    result = run(["-c", PROBE], {**dict.fromkeys(EMAIL_VARIABLES, ""), **env}, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_development_prints_mail_to_the_console(tmp_path):
    loaded = load({"DEBUG": "true"}, tmp_path)
    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert loaded["DEFAULT_FROM_EMAIL"] == "Rose Ash <noreply@localhost>"


def test_production_sends_through_the_smtp_server_email_url_names(tmp_path):
    loaded = load({**PRODUCTION, "EMAIL_URL": "submission://mailer:p%40ss@smtp.coop.example.org"}, tmp_path)
    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (loaded["EMAIL_HOST"], loaded["EMAIL_PORT"]) == ("smtp.coop.example.org", 587)
    assert (loaded["EMAIL_HOST_USER"], loaded["EMAIL_HOST_PASSWORD"]) == ("mailer", "p@ss")
    assert loaded["EMAIL_USE_TLS"] is True
    assert loaded["EMAIL_USE_SSL"] is False
    assert loaded["DEFAULT_FROM_EMAIL"] == "Rose Ash <noreply@coop.example.org>"
    assert loaded["SERVER_EMAIL"] == loaded["DEFAULT_FROM_EMAIL"]


def test_production_takes_the_usual_email_variables_and_the_sites_name(tmp_path):
    loaded = load(
        {
            **PRODUCTION,
            "EMAIL_HOST": "relay.internal",
            "EMAIL_PORT": "25",
            "EMAIL_USE_TLS": "false",
            "ROSEASH_SITE_NAME": "Rose Ash Co-op",
        },
        tmp_path,
    )
    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (loaded["EMAIL_HOST"], loaded["EMAIL_PORT"], loaded["EMAIL_USE_TLS"]) == ("relay.internal", 25, False)
    assert loaded["DEFAULT_FROM_EMAIL"] == "Rose Ash Co-op <noreply@coop.example.org>"


def test_a_bad_email_url_stops_the_start_saying_why(tmp_path):
    result = run(["-c", PROBE], {**PRODUCTION, "EMAIL_URL": "smtpx://host"}, tmp_path)
    assert result.returncode != 0
    assert "EMAIL_URL has the scheme 'smtpx'" in result.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtps://u:p@mail.example.org", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True, "EMAIL_USE_TLS": False}),
        ("smtp://mail.example.org:2525?tls=true", {"EMAIL_PORT": 2525, "EMAIL_USE_TLS": True}),
        ("smtp://mail.example.org", {"EMAIL_PORT": 25, "EMAIL_USE_TLS": False, "EMAIL_HOST_USER": ""}),
        ("console://", {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}),
        ("file:///var/mail/roseash", {"EMAIL_FILE_PATH": "/var/mail/roseash"}),
    ],
)
def test_email_urls(url, expected):
    parsed = parse_email_url(url)
    assert {key: parsed[key] for key in expected} == expected


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("smtp://", "names no host"),
        ("smtp://host:port", "not a number"),
        ("file://", "needs a folder"),
        ("http://mail.example.org", "scheme 'http'"),
    ],
)
def test_bad_email_urls_say_what_is_wrong(url, reason):
    with pytest.raises(ImproperlyConfigured, match=reason):
        parse_email_url(url)
