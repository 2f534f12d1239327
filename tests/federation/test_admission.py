"""
A peer's Create is kept only when it concerns someone here, through one of three doors: one of our
actors follows its author (accepted), it replies to a note we keep, or it mentions or addresses one
of our actors. Then at most so many notes per author and per host are kept each minute. Anything
else is ``ignored`` with the reason: nothing stored, nobody notified, never an error.
"""

import pytest

from apps.federation import hub
from apps.federation.inbound import admission
from apps.federation.models import Follow, Note, Notification

from .hubdata import follow_row, note_by
from .remote import RemoteActor

BLOG = "http://blog.localhost/actors/blog"
NOBODY = "nobody here follows, is replied to or mentioned"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


def assert_ignored(row, reason):
    assert (row.state, row.error) == ("ignored", reason)
    assert not Note.objects.filter(author_url=row.actor_url).exists()


def test_a_strangers_public_post_is_ignored_and_notifies_nobody(ana, send, member):
    note_by(member)  # a note of ours that the post does not reply to

    assert_ignored(send(ana.activity("Create", ana.note())), NOBODY)
    assert not Notification.objects.exists()


@pytest.mark.parametrize("state", [Follow.State.PENDING, Follow.State.REJECTED])
def test_a_follow_not_accepted_opens_no_door(ana, send, member, state):
    follow_row(member, ana.id, state=state)

    assert_ignored(send(ana.activity("Create", ana.note())), NOBODY)


def test_a_follow_of_another_actor_on_the_same_host_opens_no_door(ana, send, member, httpserver):
    follow_row(member, RemoteActor(httpserver, name="cy").id)

    assert_ignored(send(ana.activity("Create", ana.note())), NOBODY)


def test_the_post_of_an_actor_a_member_follows_is_kept(ana, send, member):
    follow_row(member, ana.id)

    assert send(ana.activity("Create", ana.note())).state == "done"
    assert Note.objects.get().author_url == ana.id


def test_the_post_of_an_actor_a_site_follows_is_kept(ana, send):
    Follow.objects.create(follower_url=BLOG, followee_url=ana.id, state="accepted", activity_id=f"{BLOG}/follows/1")

    assert send(ana.activity("Create", ana.note())).state == "done"


def test_a_reply_to_a_note_we_keep_is_kept_and_notifies_its_author(ana, send, member):
    ours = note_by(member)

    assert send(ana.activity("Create", ana.note(inReplyTo=ours.object_id))).state == "done"
    assert Note.objects.get(author_url=ana.id).in_reply_to_note == ours
    assert Notification.objects.get().kind == "reply"


def test_a_reply_to_a_deleted_note_is_ignored(ana, send, member):
    ours = note_by(member)
    ours.deleted = ours.published
    ours.save()

    assert_ignored(send(ana.activity("Create", ana.note(inReplyTo=ours.object_id))), NOBODY)


def test_a_reply_to_a_note_we_do_not_keep_is_ignored(ana, send):
    assert_ignored(send(ana.activity("Create", ana.note(inReplyTo=ana.new_id("statuses")))), NOBODY)


def test_a_post_mentioning_a_member_is_kept_and_notifies_them(ana, send, member):
    alice = hub.member_actor_url(member)
    mention = {"type": "Mention", "href": alice, "name": "@alice"}

    assert send(ana.activity("Create", ana.note(tag=[mention], cc=[alice]))).state == "done"
    assert Notification.objects.get().kind == "mention"


def test_a_post_addressing_a_site_actor_is_kept(ana, send):
    assert send(ana.activity("Create", ana.note(cc=[f"{ana.id}/followers", BLOG]))).state == "done"


@pytest.mark.parametrize(
    "mention",
    [
        {"type": "Mention", "href": "http://federation.localhost/actors/nosuchmember"},
        {"type": "Mention", "href": "https://elsewhere.example/users/alice"},
        {"type": "Hashtag", "href": "http://federation.localhost/actors/alice"},
        {"type": "Mention", "href": ["not", "a", "url"]},
        "http://federation.localhost/actors/alice",
    ],
)
def test_a_mention_of_no_actor_of_ours_opens_no_door(ana, send, member, mention):
    assert_ignored(send(ana.activity("Create", ana.note(tag=[mention]))), NOBODY)


def test_a_mention_of_a_removed_member_opens_no_door(ana, send, member):
    alice = hub.member_actor_url(member)
    member.is_active = False
    member.save()

    assert_ignored(send(ana.activity("Create", ana.note(tag=[{"type": "Mention", "href": alice}]))), NOBODY)


@pytest.mark.usefixtures("followed")
def test_an_author_over_the_limit_is_ignored_with_the_reason(ana, send, monkeypatch):
    monkeypatch.setattr(admission, "ACTOR_CREATES_PER_MINUTE", 2)

    rows = [send(ana.activity("Create", ana.note())) for _ in range(3)]

    assert [row.state for row in rows] == ["done", "done", "ignored"]
    assert rows[2].error == f"{ana.id} sent more than 2 notes this minute"
    assert Note.objects.count() == 2


@pytest.mark.usefixtures("followed")
def test_a_repeated_create_is_not_counted_against_the_limit(ana, send, monkeypatch):
    monkeypatch.setattr(admission, "ACTOR_CREATES_PER_MINUTE", 1)
    note = ana.note()

    rows = [send(ana.activity("Create", note)) for _ in range(3)]

    assert [row.state for row in rows] == ["done", "done", "done"]
    assert Note.objects.count() == 1


def test_a_host_over_the_limit_is_ignored_whoever_its_author(ana, send, member, httpserver, monkeypatch):
    monkeypatch.setattr(admission, "HOST_CREATES_PER_MINUTE", 3)
    authors = [ana, *(RemoteActor(httpserver, name=name).serve() for name in ("bo", "cy"))]
    for author in authors:
        follow_row(member, author.id)

    rows = [send(author.activity("Create", author.note()), author) for author in authors + authors[:1]]

    assert [row.state for row in rows] == ["done", "done", "done", "ignored"]
    assert rows[3].error == "localhost sent more than 3 notes this minute"


def test_ignored_posts_do_not_count_against_the_limit(ana, send, member, monkeypatch):
    monkeypatch.setattr(admission, "ACTOR_CREATES_PER_MINUTE", 1)
    send(ana.activity("Create", ana.note()))  # nobody follows ana yet: ignored, not counted
    follow_row(member, ana.id)

    assert send(ana.activity("Create", ana.note())).state == "done"
