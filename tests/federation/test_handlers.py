"""
What inbound activities do once accepted, and the owner checks that make a valid signature not enough:
Create only of the actor's own objects on its host, Update/Delete only by the author, Update(Person)
only of the signer, Accept/Reject only by the actor asked, Undo only of one's own activity.
"""

import json

import pytest

from apps.federation import follow_policy, hub
from apps.federation.models import APActivity, Boost, Follow, Like, Note, Notification, PeerActor

from .remote import RemoteActor

BLOG = "http://blog.localhost/actors/blog"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.mark.usefixtures("followed")
def test_a_note_is_stored_sanitized(ana, send):
    note = ana.note(
        '<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:alert(1)">a</a>'
        '<a href="data:text/html,x">b</a><a href="https://ok.example/">c</a></p>',
        summary="<b>spoilers</b>",
    )

    assert send(ana.activity("Create", note)).state == "done"

    stored = Note.objects.get(object_id=note["id"])
    for forbidden in ("<script", "onclick", "javascript:", "data:"):
        assert forbidden not in stored.content
    assert 'href="https://ok.example/"' in stored.content
    assert stored.summary == "spoilers"
    assert (stored.visibility, stored.author_url, stored.is_local) == ("public", ana.id, False)
    assert stored.author_peer == PeerActor.objects.get(actor_url=ana.id)


@pytest.mark.usefixtures("followed")
@pytest.mark.parametrize(
    ("to", "cc", "visibility"),
    [
        ("as:Public", [], "public"),
        ("Public", None, "public"),
        ([PUBLIC], "FOLLOWERS", "public"),
        ("FOLLOWERS", "as:Public", "unlisted"),
        (["FOLLOWERS"], [], "followers"),
    ],
)
def test_compacted_addressing_is_understood(ana, send, to, cc, visibility):
    def expand(value):
        if isinstance(value, list):
            return [expand(item) for item in value]
        return f"{ana.id}/followers" if value == "FOLLOWERS" else value

    note = {**ana.note(), "to": expand(to), "cc": expand(cc)}
    send(ana.activity("Create", note))

    assert Note.objects.get(object_id=note["id"]).visibility == visibility


@pytest.mark.usefixtures("followed")
def test_direct_messages_are_not_kept(ana, send):
    note = {**ana.note(), "to": [BLOG], "cc": []}

    assert send(ana.activity("Create", note)).state == "ignored"
    assert not Note.objects.exists()


@pytest.mark.usefixtures("followed")
@pytest.mark.parametrize(
    "forgery",
    [
        {"attributedTo": "https://other.example/users/bob"},
        {"id": "https://other.example/statuses/1"},
        {"attributedTo": ["https://other.example/users/bob", "SELF"]},
    ],
)
def test_create_of_an_object_not_the_actors_own_is_ignored(ana, send, forgery):
    forgery = {
        key: [ana.id if v == "SELF" else v for v in value] if isinstance(value, list) else value
        for key, value in forgery.items()
    }
    row = send(ana.activity("Create", {**ana.note(), **forgery}))

    assert row.state == "ignored"
    assert not Note.objects.exists()


@pytest.mark.usefixtures("followed")
def test_update_and_delete_only_by_the_author(ana, send, httpserver):
    note = ana.note("<p>first</p>")
    send(ana.activity("Create", note))
    bob = RemoteActor(httpserver, name="bob").serve()

    assert send(bob.activity("Update", {**note, "content": "<p>forged</p>"}), bob).state == "ignored"
    assert send(bob.activity("Delete", note["id"]), bob).state == "ignored"
    assert Note.objects.get().content == "<p>first</p>"

    send(ana.activity("Update", {**note, "content": "<p>edited<script>x</script></p>"}))
    assert Note.objects.get().content == "<p>edited</p>"
    send(ana.activity("Delete", {"id": note["id"], "type": "Tombstone"}))
    stored = Note.objects.get()
    assert stored.deleted is not None
    assert stored.content == ""


def test_update_person_refreshes_the_cached_peer_only_for_the_signer(ana, send, httpserver):
    send(ana.activity("Follow", BLOG))
    httpserver.clear_all_handlers()
    httpserver.expect_request("/inbox", method="POST").respond_with_data("", status=202)
    ana.serve(name="Ana Renamed")

    assert send(ana.activity("Update", {"id": ana.id, "type": "Person", "name": "ignored"})).state == "done"
    assert PeerActor.objects.get(actor_url=ana.id).name == "Ana Renamed"

    bob = RemoteActor(httpserver, name="bob").serve()
    assert send(bob.activity("Update", {"id": ana.id, "type": "Person"}), bob).state == "ignored"


@pytest.mark.usefixtures("followed")
def test_a_known_actors_self_delete_removes_its_notes_and_follows(ana, send):
    send(ana.activity("Follow", BLOG))
    send(ana.activity("Create", ana.note()))

    send(ana.activity("Delete", ana.id))

    assert not Follow.objects.exists()
    assert Note.objects.get().deleted is not None
    assert not PeerActor.objects.filter(actor_url=ana.id).exists()


def test_follow_undo_follow(ana, send):
    follow = ana.activity("Follow", BLOG)
    send(follow)
    assert Follow.objects.get().state == "accepted"

    send(ana.activity("Undo", {"id": follow["id"], "type": "Follow", "actor": ana.id, "object": BLOG}))

    assert not Follow.objects.exists()


def test_a_member_who_approves_manually_gets_a_request_and_a_notification(ana, send, member, httpserver):
    follow_policy.set_approves_manually(member, True)
    alice = hub.member_actor_url(member)

    send(ana.activity("Follow", alice))

    row = Follow.objects.get()
    assert (row.state, row.followee_member) == ("pending", member)
    assert Notification.objects.get().kind == "follow_request"
    assert not APActivity.objects.outbound().exists()
    hub.approve_follow(member, row.pk)
    assert Follow.objects.get().state == "accepted"
    assert APActivity.objects.outbound().get().type == "Accept"


def test_a_member_with_automatic_approval_is_followed_at_once(ana, send, member):
    send(ana.activity("Follow", hub.member_actor_url(member)))

    assert Follow.objects.get().state == "accepted"
    assert Notification.objects.get().kind == "follow"


def test_likes_and_boosts_of_our_notes_are_counted_notified_and_undone(ana, send, member):
    note = hub.compose_note(member, "hello fediverse")
    like = ana.activity("Like", note.object_id)
    boost = ana.activity("Announce", note.object_id, to="as:Public")

    send(like)
    send(like | {"id": ana.new_id()})  # a second like by the same actor counts once
    send(boost)

    note.refresh_from_db()
    assert (note.like_count, note.boost_count) == (1, 1)
    assert sorted(Notification.objects.values_list("kind", flat=True)) == ["boost", "like"]

    send(ana.activity("Undo", like))
    send(ana.activity("Undo", boost["id"]))
    note.refresh_from_db()
    assert (note.like_count, note.boost_count) == (0, 0)
    assert not Like.objects.exists()
    assert not Boost.objects.exists()


def test_undo_of_someone_elses_like_is_ignored(ana, send, member, httpserver):
    note = hub.compose_note(member, "hello")
    like = ana.activity("Like", note.object_id)
    send(like)
    bob = RemoteActor(httpserver, name="bob").serve()

    assert send(bob.activity("Undo", like["id"]), bob).state == "ignored"
    assert Like.objects.count() == 1


def test_replies_and_mentions_notify_members(ana, send, member):
    note = hub.compose_note(member, "a question")
    reply = ana.note("<p>an answer</p>", inReplyTo=note.object_id)
    mention = ana.note(
        "<p>@alice hi</p>", tag=[{"type": "Mention", "href": hub.member_actor_url(member), "name": "@alice"}]
    )

    send(ana.activity("Create", reply))
    send(ana.activity("Create", mention))

    assert sorted(Notification.objects.values_list("kind", flat=True)) == ["mention", "reply"]
    note.refresh_from_db()
    assert note.reply_count == 1
    assert Note.objects.get(object_id=reply["id"]).in_reply_to_note == note


def test_accept_and_reject_only_by_the_actor_asked(ana, send, member, httpserver):
    bob = RemoteActor(httpserver, name="bob").serve()
    follow = hub.follow(member, ana.id)
    assert follow.state == "pending"
    accept = {"id": follow.activity_id, "type": "Follow", "actor": follow.follower_url, "object": ana.id}

    assert send(bob.activity("Accept", accept), bob).state == "ignored"
    assert Follow.objects.get().state == "pending"
    send(ana.activity("Accept", accept))
    assert Follow.objects.get().state == "accepted"
    send(ana.activity("Reject", follow.activity_id))
    assert Follow.objects.get().state == "rejected"


def test_unknown_activity_types_are_ignored_with_a_reason(ana, send):
    row = send(ana.activity("Block", BLOG))

    assert row.state == "ignored"
    assert "Block" in row.error


@pytest.mark.usefixtures("followed")
def test_an_odd_payload_fails_its_row_without_wedging_the_queue(ana, send):
    row = send(ana.activity("Create", {**ana.note(), "published": {"not": "a date"}, "inReplyTo": 12}))

    assert row.state in ("done", "failed")
    assert json.dumps(row.payload)
