"""Ghost's settings are checked at start-up once GHOST_URL asks for a sync (blog.E002)."""

import pytest

from apps.blog.checks import check_ghost

from .ghost_server import KEY


def test_without_ghost_url_nothing_is_asked(settings):
    settings.GHOST_URL, settings.GHOST_CONTENT_KEY = "", ""

    assert check_ghost() == []


def test_a_complete_configuration_passes(settings):
    settings.GHOST_URL, settings.GHOST_CONTENT_KEY = "https://ghost.example.org", KEY

    assert check_ghost() == []


@pytest.mark.parametrize(
    ("url", "key", "says"),
    [
        ("ghost.example.org", KEY, "GHOST_URL is 'ghost.example.org', not the address of a site"),
        ("https://ghost.example.org/?x=1", KEY, "not the address of a site"),
        ("https://ghost.example.org", "", "GHOST_CONTENT_KEY is not set"),
        ("https://ghost.example.org", KEY.upper() + "!", "GHOST_CONTENT_KEY is not a Content API key"),
    ],
)
def test_a_wrong_configuration_stops_start_up_saying_what_to_fix(settings, url, key, says):
    settings.GHOST_URL, settings.GHOST_CONTENT_KEY = url, key

    [error] = check_ghost()

    assert error.id == "blog.E002"
    assert says in error.msg
