"""
Every captured activity, signed with its actor's key and POSTed to our real inbox, is accepted (202)
and processed to what we must make of it: stored and counted, or ignored with the reason, never a
crash. Each software's activities are also played in the order its server sends them, with what
each one must change.
"""

import pytest

from apps.federation.models import APActivity, Boost, Follow, Like, Note, Notification, PeerActor
from apps.federation.peers.directory import lookup_or_fetch
from tests.federation.hubdata import follow_row

from .captured import ALICE, ALICES_NOTE, SENDERS, activities

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks", "alices_note")]


@pytest.fixture
def follows(member, fediverse):
    """Return ``follows(software)``: alice follows that software's actor (accepted), so its posts concern her."""

    def follow(software):
        return follow_row(member, fediverse[software].url(SENDERS[software].path))

    return follow


def note(fediverse, software, path):
    return Note.objects.get(object_id=fediverse[software].url(path))


def counts():
    stored = Note.objects.get(object_id=ALICES_NOTE)
    return stored.like_count, stored.boost_count, stored.reply_count


# What each activity comes to when it is the first thing its actor sends us (an actor we know).
ALONE = {
    ("mastodon", "announce"): "done",
    ("mastodon", "create_note"): "done",  # it mentions alice
    ("mastodon", "delete_actor"): "done",
    ("mastodon", "delete_note"): "ignored",  # no such note here
    ("mastodon", "follow"): "done",
    ("mastodon", "like"): "done",
    ("mastodon", "undo_follow"): "ignored",  # nothing to undo
    ("mastodon", "undo_like"): "ignored",
    ("mastodon", "update_person"): "done",
    ("misskey", "create_quote"): "ignored",  # a quote is no reply, and nobody here follows mika
    ("misskey", "delete_note"): "ignored",
    ("misskey", "like_reaction"): "done",
    ("misskey", "renote"): "done",
    ("misskey", "undo_like"): "ignored",
    ("mobilizon", "create_event"): "ignored",
    ("peertube", "create_video"): "ignored",
    ("pleroma", "announce"): "done",
    ("pleroma", "create_chat_message"): "ignored",
    ("pleroma", "create_reply"): "done",  # a reply to alice's note
    ("pleroma", "emoji_react"): "ignored",
    ("takahe", "create_followers_only"): "ignored",  # nobody here follows bob
    ("takahe", "create_note"): "ignored",  # nobody here follows bob
    ("takahe", "follow"): "done",
}


def test_every_captured_activity_has_its_expected_outcome():
    assert sorted(ALONE) == activities()


@pytest.mark.parametrize(("software", "name"), activities())
def test_every_captured_activity_is_accepted_and_decided_alone(deliver, fediverse, software, name):
    assert lookup_or_fetch(fediverse[software].url(SENDERS[software].path)).ok  # as a peer that wrote before

    row = deliver(software, name)

    assert row.state == ALONE[software, name], row.error
    assert row.state == APActivity.State.DONE or row.error  # an ignored activity says why


def test_mastodon(deliver, fediverse, member):
    assert deliver("mastodon", "follow").state == "done"
    follow = Follow.objects.get()
    assert (follow.follower_url, follow.followee_url, follow.state) == (
        fediverse["mastodon"].url("/users/ada"),
        ALICE,
        "accepted",
    )
    assert APActivity.objects.outbound().get().type == "Accept"

    assert deliver("mastodon", "create_note").state == "done"  # it mentions alice
    status = note(fediverse, "mastodon", "/users/ada/statuses/113512054381950211")
    assert "the spring market is on, stalls under the trees!" in status.content
    assert (status.visibility, status.url) == ("public", fediverse["mastodon"].url("/@ada/113512054381950211"))
    assert sorted(Notification.objects.values_list("kind", flat=True)) == ["follow", "mention"]

    assert deliver("mastodon", "announce").state == "done"
    assert deliver("mastodon", "like").state == "done"
    assert counts() == (1, 1, 0)
    assert deliver("mastodon", "undo_like").state == "done"
    assert counts() == (0, 1, 0)

    assert deliver("mastodon", "update_person").state == "done"  # refetched: the served document is the truth
    assert PeerActor.objects.get().name == "Ada :blobcat:"

    assert deliver("mastodon", "undo_follow").state == "done"
    assert not Follow.objects.exists()
    assert deliver("mastodon", "delete_note").state == "done"
    assert note(fediverse, "mastodon", "/users/ada/statuses/113512054381950211").deleted is not None

    assert deliver("mastodon", "delete_actor").state == "done"
    assert counts() == (0, 0, 0)
    assert not PeerActor.objects.exists()


def test_takahe(deliver, fediverse, follows):
    assert deliver("takahe", "follow").state == "done"
    assert Follow.objects.get().state == "accepted"
    follows("takahe")

    assert deliver("takahe", "create_note").state == "done"  # addressed "as:Public", a string
    post = note(fediverse, "takahe", "/@bob@takahe.example/posts/238718297342917632/")
    assert (post.visibility, post.author_url) == ("public", fediverse["takahe"].url("/@bob@takahe.example/"))
    assert "Rye and caraway loaves" in post.content

    # For followers only, addressed to the collection bob's document names (Takahe's ends in "/").
    assert deliver("takahe", "create_followers_only").state == "done"
    private = note(fediverse, "takahe", "/@bob@takahe.example/posts/238718297342917700/")
    assert private.visibility == "followers"


def test_misskey(deliver, fediverse, follows):
    follows("misskey")

    assert deliver("misskey", "create_quote").state == "done"
    quote = note(fediverse, "misskey", "/notes/9h6a1b2c3d")
    assert "RE: " in quote.content
    assert ALICES_NOTE in quote.content
    assert (quote.in_reply_to, quote.summary) == ("", "")

    assert deliver("misskey", "like_reaction").state == "done"  # a reaction is a like
    assert counts() == (1, 0, 0)
    assert deliver("misskey", "undo_like").state == "done"
    assert deliver("misskey", "renote").state == "done"
    assert counts() == (0, 1, 0)
    assert deliver("misskey", "delete_note").state == "done"  # its id is a bare uuid on the host
    assert note(fediverse, "misskey", "/notes/9h6a1b2c3d").deleted is not None


def test_pleroma(deliver, fediverse):
    assert deliver("pleroma", "create_reply").state == "done"  # a reply to alice: nobody need follow lain
    reply = Note.objects.get(author_url=fediverse["pleroma"].url("/users/lain"))
    assert reply.in_reply_to_note.object_id == ALICES_NOTE
    assert counts() == (0, 0, 1)
    assert list(Notification.objects.values_list("kind", flat=True)) == ["reply"]  # not also "mention"

    react = deliver("pleroma", "emoji_react")
    assert (react.state, react.error) == ("ignored", "EmojiReact activities are not handled")
    assert deliver("pleroma", "announce").state == "done"
    assert counts() == (0, 1, 1)

    chat = deliver("pleroma", "create_chat_message")
    assert (chat.state, chat.error) == ("ignored", "ChatMessage objects are not kept")


@pytest.mark.parametrize(
    ("software", "name", "kind"), [("mobilizon", "create_event", "Event"), ("peertube", "create_video", "Video")]
)
def test_events_and_videos_are_not_kept_even_from_an_actor_followed(deliver, follows, software, name, kind):
    follows(software)

    row = deliver(software, name)

    assert (row.state, row.error) == ("ignored", f"{kind} objects are not kept")
    assert Note.objects.count() == 1  # alice's own
    assert not Boost.objects.exists()
    assert not Like.objects.exists()
