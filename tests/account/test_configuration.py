"""Single sign-on configuration: system checks, signing keys, the admin's view of SSO sessions."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from jwcrypto import jwk

from apps.account.checks import check_sso_settings
from apps.account.models import SSOSession


def check_ids():
    return [problem.id for problem in check_sso_settings(None)]


def test_the_development_configuration_passes_the_checks():
    assert check_ids() == []


def test_an_issuer_that_is_not_the_federation_site_is_an_error(settings):
    settings.SSO_ISSUER = "http://federation.elsewhere.example/o"

    assert check_ids() == ["account.E001"]
    with pytest.raises(SystemCheckError, match=r"account\.E001"):
        call_command("check")


def test_a_short_client_secret_is_an_error(settings):
    settings.SSO_CLIENT_SECRETS = {**settings.SSO_CLIENT_SECRETS, "cart": "short"}

    assert check_ids() == ["account.E003"]


def test_the_federation_site_cannot_be_its_own_client(settings):
    settings.SSO_CLIENT_SITES = (*settings.SSO_CLIENT_SITES, "federation")

    assert "account.E002" in check_ids()


@pytest.mark.django_db
def test_the_jwks_publishes_retired_keys_for_rotation(site_client, settings):
    retired = jwk.JWK.generate(kty="RSA", size=2048).export_to_pem(private_key=True, password=None).decode()
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [retired]}

    keys = site_client("federation").get("/o/.well-known/jwks.json").json()["keys"]

    assert len(keys) == 2
    assert {key["alg"] for key in keys} == {"RS256"}
    assert all("d" not in key for key in keys), "only public halves are published"


@pytest.mark.django_db
def test_staff_can_sign_a_member_out_everywhere_from_the_admin(site_client, steward, member):
    sso = SSOSession.objects.create(user=member)
    admin = site_client("account")
    admin.force_login(steward)

    response = admin.post(
        "/admin/account/ssosession/", {"action": "end_sessions", "_selected_action": [str(sso.pk)]}, follow=True
    )

    assert response.status_code == 200
    sso.refresh_from_db()
    assert sso.ended_on == "admin"


def test_several_retired_keys_fit_in_one_environment_variable():
    from roseash.settings import _pem_blocks

    one = jwk.JWK.generate(kty="RSA", size=2048).export_to_pem(private_key=True, password=None).decode()
    two = jwk.JWK.generate(kty="RSA", size=2048).export_to_pem(private_key=True, password=None).decode()

    assert _pem_blocks(f"{one}\n{two}") == [one.strip(), two.strip()]
    assert _pem_blocks("") == []


PRODUCTION_SECRETS = """
import json
from django.conf import settings
print(json.dumps(settings.SSO_CLIENT_SECRETS))
"""


def production_secrets(tmp_path, secret_key, **extra):
    environment = {
        "PATH": os.environ["PATH"],
        "DEBUG": "false",
        "SECRET_KEY": secret_key,
        "ROSEASH_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "roseash.settings",
        **extra,
    }
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_SECRETS],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_derives_each_client_secret_from_the_secret_key(tmp_path):
    first = production_secrets(tmp_path, "k" * 60)
    again = production_secrets(tmp_path, "k" * 60)
    other_deployment = production_secrets(tmp_path, "j" * 60)

    assert first == again, "every process of one deployment agrees"
    assert len(set(first.values())) == 5
    assert all(len(secret) >= 32 for secret in first.values())
    assert set(first.values()).isdisjoint(other_deployment.values())
    assert not list(tmp_path.iterdir()), "production generates nothing into var/"


def test_a_client_secret_from_the_environment_wins(tmp_path):
    secrets = production_secrets(tmp_path, "k" * 60, ROSEASH_SSO_SECRET_CART="c" * 40)

    assert secrets["cart"] == "c" * 40
