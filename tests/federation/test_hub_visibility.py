"""
A followers-only post is shown to its author and to those who follow its author (accepted), and to
nobody else, whatever brought it into a list: a boost by someone followed, a reply, a cursor.
"""

import pytest

from apps.core.errors import RoseAshError
from apps.federation import hub
from apps.federation.models import Boost, Follow, Note

from .hubdata import follow_row, note_by

pytestmark = pytest.mark.django_db

X = "https://peer.example/users/x"  # writes for their followers
Y = "https://peer.example/users/y"  # boosts it (a peer's inbox could have stored that Boost)


@pytest.fixture
def m(django_user_model):
    """Follows Y, not X."""
    member = django_user_model.objects.create_user("m", "m@example.org", "a-long-pass-phrase")
    follow_row(member, Y)
    return member


@pytest.fixture
def n(django_user_model):
    """Follows X."""
    member = django_user_model.objects.create_user("n", "n@example.org", "a-long-pass-phrase")
    follow_row(member, X)
    return member


@pytest.fixture
def secret():
    """X's followers-only note, boosted by Y."""
    note = Note.objects.create(
        object_id=f"{X}/statuses/1", author_url=X, content="<p>for my followers</p>", visibility="followers"
    )
    Boost.objects.create(actor_url=Y, note=note, activity_id=f"{Y}/boosts/1")
    return note


def shown(page):
    return [note.pk for note in page.items]


def test_a_boost_does_not_show_a_followers_only_post_to_one_who_follows_only_the_booster(m, n, secret):
    assert secret.pk not in shown(hub.home_timeline(m))
    assert secret.pk in shown(hub.home_timeline(n))
    with pytest.raises(RoseAshError):
        hub.get_note(m, secret.pk)
    assert hub.get_note(n, secret.pk) == secret


def test_the_home_page_of_one_who_follows_only_the_booster_does_not_show_it(site_client, m, n, secret):
    public = Note.objects.create(object_id=f"{X}/statuses/2", author_url=X, content="<p>for everyone</p>")
    Boost.objects.create(actor_url=Y, note=public, activity_id=f"{Y}/boosts/2")
    client = site_client("federation")

    client.force_login(m)
    page = client.get("/").content.decode()
    assert "for everyone" in page  # a public post boosted shows: the boost itself works
    assert "for my followers" not in page
    assert client.get(f"/notes/{secret.pk}").status_code == 404

    client.force_login(n)
    assert "for my followers" in client.get("/").content.decode()


def test_a_pending_or_rejected_follow_of_the_author_does_not_show_it(m, secret):
    for state in (Follow.State.PENDING, Follow.State.REJECTED):
        Follow.objects.filter(follower_member=m, followee_url=X).delete()
        follow_row(m, X, state=state)

        assert secret.pk not in shown(hub.home_timeline(m))


def test_a_members_followers_only_post_boosted_is_shown_to_the_author_and_followers_only(m, n, bob, member):
    secret = note_by(bob, "bob for followers", visibility=Note.Visibility.FOLLOWERS)
    Boost.objects.create(actor_url=Y, note=secret, activity_id=f"{Y}/boosts/3")
    follow_row(n, hub.member_actor_url(bob))
    follow_row(member, Y)

    assert secret.pk in shown(hub.home_timeline(bob))
    assert secret.pk in shown(hub.home_timeline(n))
    assert secret.pk not in shown(hub.home_timeline(m))
    assert secret.pk not in shown(hub.home_timeline(member))


def test_replies_for_followers_show_to_the_authors_followers_and_the_author_only(m, n, bob):
    question = note_by(bob, "the question")
    aside = Note.objects.create(
        object_id=f"{X}/statuses/3", author_url=X, in_reply_to_note=question, content=".", visibility="followers"
    )
    answer = note_by(bob, "the answer", in_reply_to_note=question, visibility=Note.Visibility.FOLLOWERS)

    assert shown(hub.replies(m, question.pk)) == []
    assert shown(hub.replies(n, question.pk)) == [aside.pk]
    assert shown(hub.replies(bob, question.pk)) == [answer.pk]
    assert shown(hub.replies(None, question.pk)) == []


def test_the_local_timeline_never_lists_a_followers_only_post(m, bob):
    secret = note_by(bob, "bob for followers", visibility=Note.Visibility.FOLLOWERS)
    follow_row(m, hub.member_actor_url(bob))

    assert secret.pk not in shown(hub.local_timeline(viewer=m))
    assert secret.pk not in shown(hub.local_timeline(viewer=bob))
