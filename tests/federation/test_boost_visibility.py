"""
An Announce of a note that is not public (followers only) is ignored, as Mastodon ignores it: a
follower of its author must not carry it to the booster's own followers. Nothing is recorded,
counted or notified, and it shows in no one else's home timeline. A note fetched for an Announce
is kept only when public or unlisted (``test_announce_fetch``).
"""

import pytest

from apps.federation import hub
from apps.federation.models import Boost, Note, Notification

from .hubdata import follow_row
from .remote import RemoteActor

NOT_PUBLIC = "the announced note is not public: a boost of it is not shown"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def dan(django_user_model, ana):
    """A third member, who follows the booster ``ana`` and nobody else."""
    dan = django_user_model.objects.create_user("dan", "dan@example.org", "a-long-pass-phrase")
    follow_row(dan, ana.id)
    return dan


def test_a_members_followers_only_post_boosted_by_a_follower_is_ignored(ana, send, member, dan):
    post = hub.compose_note(member, "for my followers", visibility="followers")
    send(ana.activity("Follow", hub.member_actor_url(member)))  # ana may see it: she follows alice

    row = send(ana.activity("Announce", post.object_id, to="as:Public"))

    assert (row.state, row.error) == ("ignored", NOT_PUBLIC)
    assert not Boost.objects.exists()
    post.refresh_from_db()
    assert post.boost_count == 0
    assert list(Notification.objects.values_list("kind", flat=True)) == ["follow"]
    assert hub.home_timeline(dan).items == []


def test_a_peers_followers_only_post_we_keep_boosted_by_another_peer_is_ignored(ana, send, member, dan, httpserver):
    bo = RemoteActor(httpserver, name="bo").serve()
    follow_row(member, bo.id)
    note = {**bo.note(), "to": [f"{bo.id}/followers"], "cc": []}
    send(bo.activity("Create", note), bo)
    assert Note.objects.get().visibility == "followers"

    row = send(ana.activity("Announce", note["id"], to="as:Public"))

    assert (row.state, row.error) == ("ignored", NOT_PUBLIC)
    assert (Boost.objects.count(), Note.objects.get().boost_count) == (0, 0)
    assert hub.home_timeline(dan).items == []
    assert [item.object_id for item in hub.home_timeline(member).items] == [note["id"]]


@pytest.mark.parametrize("visibility", ["public", "unlisted"])
def test_a_public_or_unlisted_post_boosted_shows_to_the_boosters_followers(ana, send, member, dan, visibility):
    post = hub.compose_note(member, "for everyone", visibility=visibility)

    assert send(ana.activity("Announce", post.object_id, to="as:Public")).state == "done"

    post.refresh_from_db()
    assert post.boost_count == 1
    assert [(item.pk, item.boosted_by) for item in hub.home_timeline(dan).items] == [(post.pk, ana.id)]
