import pytest
from django.core.management import call_command

from apps.blog import services
from apps.federation import services as federation

pytestmark = pytest.mark.django_db


def test_seed_demo_publishes_posts_and_pages_once_and_the_blog_outbox_holds_them(settings):
    settings.DEBUG = True  # demo data is for development servers
    call_command("seed_demo")
    call_command("seed_demo")

    assert services.live_posts().count() == 6
    assert services.live_pages().count() == 2
    assert services.live_posts().filter(featured=True).count() == 2
    outbox = federation.collection("blog", "blog", "outbox", page="1")
    items = outbox["orderedItems"]
    assert [item["type"] for item in items] == ["Create"] * 6
    assert {item["object"]["type"] for item in items} == {"Article"}
    assert "Welcome to Rose Ash" in {item["object"]["name"] for item in items}
