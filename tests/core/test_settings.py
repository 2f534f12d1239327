"""Settings are read once per process, so each configuration is loaded in a subprocess of its own."""

import json
import os
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings as live_settings

from apps.core.checks import check_ca_bundle, check_site_settings

from .certificates import certificate_authority

PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "db_engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION"),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "scheme": settings.ROSEASH_SCHEME,
    "session_cookie": settings.SESSION_COOKIE_NAME,
    "ca_bundle": settings.ROSEASH_CA_BUNDLE,
}))
"""

SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "SECRET_KEY")
# The variables naming a CA bundle, blanked so that the test machine's own do not apply.
NO_CA_BUNDLE = {"ROSEASH_CA_BUNDLE": "", "REQUESTS_CA_BUNDLE": "", "SSL_CERT_FILE": ""}
STRONG_KEY = "k7#Qp2!vX9$mR4@tL8^wZ1&nB6*cF3(hJ5)dG0-sA9=eY2+uI7"


def run(args, env, tmp_path):
    base = {key: value for key, value in os.environ.items() if key not in SERVICE_VARIABLES}
    base.update({"DJANGO_SETTINGS_MODULE": "roseash.settings", "ROSEASH_VAR_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, *args], cwd=live_settings.BASE_DIR, env=base, capture_output=True, text=True, timeout=60
    )


def load(env, tmp_path):
    result = run(["-c", PROBE], env, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_unset_services_mean_embedded_defaults(tmp_path):
    loaded = load({"DEBUG": "true"}, tmp_path)

    assert loaded["db_engine"] == "django.db.backends.sqlite3"
    assert loaded["db_name"] == str(tmp_path / "roseash.sqlite3")
    assert loaded["cache"].endswith("LocMemCache")
    assert loaded["eager"] is True
    assert loaded["scheme"] == "http"
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_named_services_are_used(tmp_path):
    loaded = load(
        {
            "DEBUG": "true",
            "DATABASE_URL": "postgresql://coop:pw@db.internal:5433/roseash",
            "REDIS_URL": "redis://cache.internal:6379/2",
            "CELERY_BROKER_URL": "redis://cache.internal:6379/3",
        },
        tmp_path,
    )

    assert loaded["db_engine"] == "apps.core.postgresql"  # Django's, with a socket health check
    assert loaded["db_name"] == "roseash"
    assert loaded["cache"] == "apps.core.caching.shared.KeptClientRedisCache"
    assert loaded["cache_location"] == "redis://cache.internal:6379/2"
    assert loaded["eager"] is False
    assert loaded["broker"] == "redis://cache.internal:6379/3"


def test_the_domain_sets_the_allowed_hosts(tmp_path):
    loaded = load({"DEBUG": "true", "ROSEASH_DOMAIN": "coop.example.org"}, tmp_path)

    assert loaded["allowed_hosts"] == [
        "coop.example.org",
        *(f"{site}.coop.example.org" for site in ("blog", "market", "cart", "events", "account", "federation")),
    ]


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run(["-c", PROBE], {"DEBUG": "false"}, tmp_path)

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_manage_py_says_what_is_missing_without_a_traceback(tmp_path):
    result = run(["manage.py", "check"], {"DEBUG": "false"}, tmp_path)

    assert result.returncode == 2
    assert result.stderr.startswith("Rose Ash is not configured: SECRET_KEY is not set.")
    assert "Traceback" not in result.stderr


def test_a_malformed_boolean_is_refused_with_its_name(tmp_path):
    result = run(["-c", PROBE], {"DEBUG": "maybe"}, tmp_path)

    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_production_uses_https_and_host_prefixed_cookies(tmp_path):
    loaded = load({"DEBUG": "false", "SECRET_KEY": STRONG_KEY, "ROSEASH_DOMAIN": "coop.example.org"}, tmp_path)

    assert loaded["scheme"] == "https"
    assert loaded["session_cookie"] == "__Host-sessionid"


@pytest.fixture(scope="module")
def oidc_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def test_check_deploy_is_clean_with_the_three_variables_the_readme_names(checkout, oidc_key):
    # Exactly these, nothing inherited: no DEBUG, no services (SQLite under the checkout's var/).
    env = {"SECRET_KEY": STRONG_KEY, "ROSEASH_DOMAIN": "coop.example.org", "OIDC_RSA_PRIVATE_KEY": oidc_key}

    result = checkout.manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_without_an_id_token_key_is_stopped_by_its_checks(tmp_path):
    env = {"DEBUG": "false", "SECRET_KEY": STRONG_KEY, "ROSEASH_DOMAIN": "coop.example.org"}

    result = run(["manage.py", "check", "--deploy"], env, tmp_path)

    assert result.returncode != 0
    assert "account.E004" in result.stderr


@pytest.mark.parametrize(
    ("env", "check_id"),
    [
        ({"ROSEASH_DOMAIN": "not a domain"}, "roseash.E001"),
        ({"ROSEASH_SCHEME": "ftp"}, "roseash.E002"),
        ({"ROSEASH_PORT": "eighty"}, "roseash.E003"),
        ({"ROSEASH_INTERNAL_URL": "127.0.0.1:8000"}, "roseash.E004"),
        ({"ROSEASH_CA_BUNDLE": "/nonexistent/ca.pem"}, "roseash.E005"),
        ({**NO_CA_BUNDLE, "SSL_CERT_FILE": "/nonexistent/ca.pem"}, "roseash.E005"),
        ({"ROSEASH_OUTBOUND_ALLOW_NETWORKS": "loopback"}, "ROSEASH_OUTBOUND_ALLOW_NETWORKS must be"),
        ({"MARKET_SCRAPE_DELAY": "soon"}, "MARKET_SCRAPE_DELAY and MARKET_RESCRAPE_HOURS are numbers"),
        ({"MARKET_SCRAPE_DELAY": "-1"}, "MARKET_SCRAPE_DELAY must be 0 to 60 seconds"),
    ],
)
def test_configuration_mistakes_are_caught_at_start_up(tmp_path, env, check_id):
    result = run(["manage.py", "check"], {"DEBUG": "true", **env}, tmp_path)

    assert result.returncode != 0
    assert check_id in result.stderr


@pytest.mark.parametrize(
    ("env", "bundle"),
    [
        ({}, ""),
        ({"SSL_CERT_FILE": "/etc/ssl.pem", "REQUESTS_CA_BUNDLE": "/etc/requests.pem"}, "/etc/requests.pem"),
        ({"REQUESTS_CA_BUNDLE": "/etc/requests.pem", "ROSEASH_CA_BUNDLE": "/etc/coop-ca.pem"}, "/etc/coop-ca.pem"),
    ],
)
def test_the_ca_bundle_falls_back_to_the_variables_other_tools_read(tmp_path, env, bundle):
    assert load({"DEBUG": "true", **NO_CA_BUNDLE, **env}, tmp_path)["ca_bundle"] == bundle


def test_allowed_private_networks_are_refused_in_production(settings):
    settings.DEBUG = False
    settings.ROSEASH_OUTBOUND_ALLOW_NETWORKS = ("127.0.0.0/8",)

    assert "roseash.E006" in [problem.id for problem in check_site_settings(None)]

    settings.DEBUG = True
    assert "roseash.E006" not in [problem.id for problem in check_site_settings(None)]


def test_a_ca_bundle_without_certificates_is_caught(settings, tmp_path):
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("not a certificate")
    settings.ROSEASH_CA_BUNDLE = str(not_pem)

    [error] = check_ca_bundle(None)

    assert error.id == "roseash.E005"
    assert "NO_CERTIFICATE" in error.msg


def test_a_readable_ca_bundle_passes_its_check(settings, tmp_path):
    _authority, ca_file = certificate_authority(tmp_path, "Cooperative CA")
    settings.ROSEASH_CA_BUNDLE = str(ca_file)

    assert check_ca_bundle(None) == []
