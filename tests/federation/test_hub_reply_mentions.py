"""
A reply mentions the author it answers, as Mastodon's does: their actor in ``cc``, a ``Mention``
tag naming them ``@user@host``, and their inbox among the deliveries, so their server threads the
reply and tells them. A mention written already is not added twice.
"""

import json

import pytest

from apps.federation import hub
from apps.federation.models import APActivity, Delivery, Note, PeerActor
from apps.federation.peers.directory import lookup_or_fetch
from apps.federation.vocabulary import PUBLIC

from .hubdata import note_by

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def anas_post(ana):
    """A public post by ``ana``, a peer we know (her handle learned from her actor document)."""
    assert lookup_or_fetch(ana.id).ok
    peer = PeerActor.objects.get(actor_url=ana.id)
    return Note.objects.create(
        object_id=ana.new_id("statuses"), author_url=ana.id, author_peer=peer, content="<p>a question</p>"
    )


def sent(note):
    """Return the Create of ``note`` as it is delivered."""
    return APActivity.objects.outbound().get(object_id=note.object_id)


def followers(member):
    return hub.member_actor_url(member) + "/followers"


def test_a_reply_to_a_remote_post_mentions_its_author_and_is_delivered_to_them(
    member, ana, anas_post, httpserver, django_capture_on_commit_callbacks
):
    handle = PeerActor.objects.get(actor_url=ana.id).handle
    with django_capture_on_commit_callbacks(execute=True):
        reply = hub.compose_note(member, "an answer", in_reply_to=anas_post.pk)

    create = sent(reply)
    obj = create.payload["object"]
    assert handle.startswith("ana@")
    assert obj["inReplyTo"] == anas_post.object_id
    assert (obj["to"], obj["cc"]) == ([PUBLIC], [followers(member), ana.id])
    assert obj["tag"] == [{"type": "Mention", "href": ana.id, "name": f"@{handle}"}]
    assert (create.payload["to"], create.payload["cc"]) == (obj["to"], obj["cc"])
    assert create.recipients == [ana.id]
    assert list(Delivery.objects.values_list("inbox", "state")) == [(ana.shared_inbox, "delivered")]
    delivered = [json.loads(entry.data) for entry, _ in httpserver.log if entry.method == "POST"]
    assert [activity["object"]["tag"] for activity in delivered] == [obj["tag"]]


def test_a_followers_only_reply_is_addressed_to_followers_and_the_author(member, ana, anas_post):
    reply = hub.compose_note(member, "between us", visibility="followers", in_reply_to=anas_post.pk)

    obj = sent(reply).payload["object"]
    assert (obj["to"], obj["cc"]) == ([followers(member)], [ana.id])
    assert [tag["href"] for tag in obj["tag"]] == [ana.id]


def test_a_reply_to_a_members_post_mentions_them_by_their_handle_and_notifies_once(member, bob):
    question = note_by(bob, "a question")

    reply = hub.compose_note(member, "an answer", in_reply_to=question.pk)

    bobs = hub.member_actor_url(bob)
    obj = sent(reply).payload["object"]
    assert obj["cc"] == [followers(member), bobs]
    assert obj["tag"] == [{"type": "Mention", "href": bobs, "name": "@bob@federation.localhost"}]
    assert sent(reply).recipients == [bobs]  # ours: handled in process, never POSTed
    assert list(bob.notifications.values_list("kind", flat=True)) == ["reply"]


def test_a_mention_written_in_the_reply_is_not_added_again(member, ana, anas_post, bob):
    host = PeerActor.objects.get(actor_url=ana.id).handle.split("@")[1]
    question = note_by(bob, "a question")

    to_ana = hub.compose_note(member, f"@ana@{host} yes", in_reply_to=anas_post.pk)
    to_bob = hub.compose_note(member, "@bob yes", in_reply_to=question.pk)

    assert sent(to_ana).payload["object"]["tag"] == [{"type": "Mention", "href": ana.id, "name": f"@ana@{host}"}]
    assert sent(to_ana).payload["object"]["cc"] == [followers(member), ana.id]
    bobs = hub.member_actor_url(bob)
    assert sent(to_bob).payload["object"]["tag"] == [{"type": "Mention", "href": bobs, "name": "@bob"}]
    assert list(bob.notifications.values_list("kind", flat=True)) == ["reply"]


def test_a_reply_mentions_the_author_beside_others_written(member, ana, anas_post, bob):
    reply = hub.compose_note(member, "@bob what do you think?", in_reply_to=anas_post.pk)

    obj = sent(reply).payload["object"]
    assert [tag["href"] for tag in obj["tag"]] == [hub.member_actor_url(bob), ana.id]
    assert obj["cc"] == [followers(member), *sorted([hub.member_actor_url(bob), ana.id])]
    assert sorted(sent(reply).recipients) == sorted([hub.member_actor_url(bob), ana.id])


def test_a_reply_to_ones_own_post_mentions_nobody(member):
    mine = note_by(member, "a thread")

    reply = hub.compose_note(member, "and more", in_reply_to=mine.pk)

    obj = sent(reply).payload["object"]
    assert "tag" not in obj
    assert obj["cc"] == [followers(member)]
    assert sent(reply).recipients == []


def test_an_author_whose_handle_we_do_not_know_is_mentioned_by_their_actor_alone(member):
    stranger = "https://else.example/users/who"
    post = Note.objects.create(object_id=f"{stranger}/statuses/1", author_url=stranger, content="<p>hi</p>")

    reply = hub.compose_note(member, "hello", in_reply_to=post.pk)

    assert sent(reply).payload["object"]["tag"] == [{"type": "Mention", "href": stranger}]
    assert sent(reply).recipients == [stranger]
