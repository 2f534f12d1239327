"""Settings mistakes are caught at start-up, with messages that say how to fix them."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

from apps.federation.checks import check_peer_settings


def ids(problems):
    return [problem.id for problem in problems]


def test_a_good_peer_map_passes(settings):
    settings.ROSEASH_FEDERATION_PEERS = {"shop": "https://shop.example.org", "co-op.2": "http://co.example:8000/x"}
    settings.ROSEASH_FEDERATION_PEER_RESOLVER = "tests.federation.peers.resolve"

    assert check_peer_settings(None) == []


def test_bad_names_urls_and_resolvers_are_reported(settings):
    settings.ROSEASH_FEDERATION_PEERS = {"bad name": "https://ok.example", "shop": "ftp://shop.example", "n": 5}
    settings.ROSEASH_FEDERATION_PEER_RESOLVER = "tests.federation.peers.nothing_here"

    assert ids(check_peer_settings(None)) == [
        "federation.E001",
        "federation.E002",
        "federation.E002",
        "federation.E003",
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [("{not json", "ROSEASH_FEDERATION_PEERS is not valid JSON"), ('["a"]', "must be a JSON object")],
)
def test_a_peer_map_that_is_not_a_json_object_stops_start_up(value, message):
    env = {**os.environ, "DEBUG": "true", "ROSEASH_FEDERATION_PEERS": value}
    command = [sys.executable, "-c", "import django; from django.conf import settings; settings.INSTALLED_APPS"]

    finished = subprocess.run(command, cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True)

    assert finished.returncode != 0
    assert "ImproperlyConfigured" in finished.stderr
    assert message in finished.stderr


def test_allowing_private_addresses_in_production_is_warned_about(settings):
    settings.ROSEASH_FEDERATION_ALLOW_PRIVATE = True
    settings.DEBUG = False

    assert ids(check_peer_settings(None)) == ["federation.W001"]

    settings.DEBUG = True
    assert check_peer_settings(None) == []
