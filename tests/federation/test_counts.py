"""
The counts a note keeps (replies, likes, boosts) stay equal to what they count through every
inbound Undo and Delete, replayed or not: a deleted reply leaves its parent's count, a deleted note
takes its likes and boosts (and the notifications about it) with it, and an actor's self-Delete
withdraws all it counted anywhere. No count goes below zero.
"""

import pytest

from apps.federation import hub
from apps.federation.models import Boost, Like, Note, Notification

from .hubdata import follow_row, note_by
from .remote import RemoteActor

INBOX = "http://federation.localhost/inbox"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


def counts(note):
    note.refresh_from_db()
    return {"replies": note.reply_count, "likes": note.like_count, "boosts": note.boost_count}


@pytest.fixture
def post(member):
    """A public note of the member's, which peers reply to, like and boost."""
    return note_by(member, "a question")


@pytest.fixture
def bo(httpserver):
    return RemoteActor(httpserver, name="bo").serve()


def test_a_deleted_reply_is_taken_off_its_parents_count_once(ana, send, post):
    reply = ana.note(inReplyTo=post.object_id)
    send(ana.activity("Create", reply))
    assert counts(post)["replies"] == 1

    delete = ana.activity("Delete", {"id": reply["id"], "type": "Tombstone"})
    assert send(delete).state == "done"
    assert counts(post)["replies"] == 0

    again = send(ana.activity("Delete", reply["id"]))  # the same Delete, sent again under another id
    assert (again.state, again.error) == ("ignored", "no note of this actor's has that id (or it is deleted already)")
    assert send(delete).state == "done"  # the very same activity: the inbox keeps it once
    assert counts(post)["replies"] == 0


def test_a_deleted_reply_never_takes_its_parents_count_below_zero(ana, send, post):
    reply = ana.note(inReplyTo=post.object_id)
    send(ana.activity("Create", reply))
    Note.objects.filter(pk=post.pk).update(reply_count=0)  # a count that drifted before this was fixed

    send(ana.activity("Delete", reply["id"]))

    assert counts(post)["replies"] == 0


def test_a_deleted_note_takes_its_likes_boosts_and_notifications_with_it(ana, send, member, bo, followed):
    note = ana.note(tag=[{"type": "Mention", "href": hub.member_actor_url(member)}])
    send(ana.activity("Create", note))
    stored = Note.objects.get()
    hub.like(member, stored.pk)
    hub.boost(member, stored.pk)
    send(bo.activity("Like", note["id"]), bo)
    assert counts(stored) == {"replies": 0, "likes": 2, "boosts": 1}
    assert Notification.objects.filter(note=stored).count() == 1  # the mention

    send(ana.activity("Delete", note["id"]))

    assert counts(stored) == {"replies": 0, "likes": 0, "boosts": 0}
    assert not Like.objects.exists()
    assert not Boost.objects.exists()
    assert not Notification.objects.filter(note=stored).exists()
    assert hub.home_timeline(member).items == []


def test_an_actors_self_delete_withdraws_its_likes_boosts_and_replies_everywhere(
    ana, send, post, bo, member, site_client
):
    other = note_by(member, "another")
    send(ana.activity("Create", ana.note(inReplyTo=post.object_id)))
    send(ana.activity("Create", ana.note(inReplyTo=other.object_id)))
    send(ana.activity("Like", post.object_id))
    send(ana.activity("Announce", post.object_id, to="as:Public"))
    send(ana.activity("Announce", other.object_id, to="as:Public"))
    send(bo.activity("Like", post.object_id), bo)  # someone else's like stays
    assert counts(post) == {"replies": 1, "likes": 2, "boosts": 1}
    assert counts(other) == {"replies": 1, "likes": 0, "boosts": 1}

    assert send(ana.activity("Delete", ana.id)).state == "done"

    assert counts(post) == {"replies": 0, "likes": 1, "boosts": 0}
    assert counts(other) == {"replies": 0, "likes": 0, "boosts": 0}
    assert list(Like.objects.values_list("actor_url", flat=True)) == [bo.id]
    assert not Boost.objects.exists()
    assert not Note.objects.filter(author_url=ana.id, deleted__isnull=True).exists()

    # Sent again, the self-Delete of an actor we forgot is answered 202 and changes nothing.
    assert ana.post(site_client("federation"), INBOX, ana.activity("Delete", ana.id)).status_code == 202
    assert counts(post) == {"replies": 0, "likes": 1, "boosts": 0}


@pytest.mark.parametrize(("kind", "counter"), [("Like", "likes"), ("Announce", "boosts")])
def test_an_undo_replayed_takes_a_reaction_off_once(ana, send, post, kind, counter):
    reaction = ana.activity(kind, post.object_id, to="as:Public")
    send(reaction)
    assert counts(post)[counter] == 1

    undo = ana.activity("Undo", reaction)
    assert send(undo).state == "done"
    assert counts(post)[counter] == 0

    again = send(ana.activity("Undo", reaction["id"]))  # another Undo of the same reaction
    assert again.state == "ignored"
    assert send(undo).state == "done"  # the very same Undo: stored once, handled once
    assert counts(post)[counter] == 0

    send(ana.activity(kind, post.object_id, to="as:Public"))  # a new reaction counts again, once
    assert counts(post)[counter] == 1


def test_a_like_and_a_boost_of_a_deleted_note_count_nothing(ana, send, member, followed):
    note = ana.note()
    send(ana.activity("Create", note))
    send(ana.activity("Delete", note["id"]))
    stored = Note.objects.get()

    assert send(ana.activity("Like", note["id"])).state == "ignored"
    assert send(ana.activity("Announce", note["id"])).state == "ignored"

    assert counts(stored) == {"replies": 0, "likes": 0, "boosts": 0}


def test_a_reply_to_a_reply_deleted_with_its_author_leaves_other_counts_alone(ana, send, post, member, bo):
    follow_row(member, bo.id)
    reply = ana.note(inReplyTo=post.object_id)
    send(ana.activity("Create", reply))
    send(bo.activity("Create", bo.note(inReplyTo=reply["id"])), bo)
    reply_row = Note.objects.get(object_id=reply["id"])
    assert (counts(post)["replies"], counts(reply_row)["replies"]) == (1, 1)

    send(ana.activity("Delete", ana.id))

    assert counts(post)["replies"] == 0
    assert Note.objects.get(author_url=bo.id).deleted is None
