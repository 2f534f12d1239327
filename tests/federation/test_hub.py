"""The services the social hub calls: timelines, composing, reactions, following, requests, notifications."""

import json

import pytest

from apps.core.errors import RoseAshError
from apps.federation import follow_policy, hub
from apps.federation.models import APActivity, Delivery, Follow, Note, Notification

BLOG = "http://blog.localhost/actors/blog"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.org", "a-long-pass-phrase")


def remote_note(ana, **fields):
    return Note.objects.create(object_id=ana.new_id("statuses"), author_url=ana.id, content="<p>remote</p>", **fields)


def test_compose_posts_a_note_with_a_content_warning_and_federates_it(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        note = hub.compose_note(member, "Hello <world>\n\nhttps://example.org", summary="cw", visibility="unlisted")

    assert note.is_local
    assert note.author_member == member
    assert "&lt;world&gt;" in note.content
    assert 'href="https://example.org"' in note.content
    assert (note.summary, note.visibility) == ("cw", "unlisted")
    create = APActivity.objects.outbound().get()
    assert (create.type, create.to_followers) == ("Create", True)
    assert create.payload["object"]["cc"] == ["https://www.w3.org/ns/activitystreams#Public"]
    assert create.payload["object"]["sensitive"] is True


@pytest.mark.parametrize(
    ("content", "kwargs", "code"),
    [
        ("", {}, "note_empty"),
        ("x" * 5001, {}, "note_too_long"),
        ("x", {"visibility": "direct"}, "visibility_unknown"),
        ("x", {"summary": "s" * 501}, "summary_too_long"),
    ],
)
def test_compose_refuses_what_it_cannot_post(member, content, kwargs, code):
    with pytest.raises(RoseAshError) as refused:
        hub.compose_note(member, content, **kwargs)

    assert refused.value.code == code
    assert not Note.objects.exists()


def test_mentions_and_replies_notify_local_members_and_address_remote_ones(member, bob, ana):
    hub.follow(member, ana.id)  # ana becomes a known peer with a handle
    original = hub.compose_note(bob, "question")

    reply = hub.compose_note(
        member, f"@bob and @ana@{ana.id.split('/')[2].split(':')[0]} look", in_reply_to=original.pk
    )

    assert 'class="u-url mention"' in reply.content
    assert reply.in_reply_to_note == original
    kinds = Notification.objects.filter(recipient=bob).values_list("kind", flat=True)
    assert list(kinds) == ["reply"]
    create = APActivity.objects.outbound().get(object_id=reply.object_id)
    assert ana.id in create.recipients
    assert {tag["href"] for tag in create.payload["object"]["tag"]} >= {ana.id}


def test_home_timeline_shows_own_followed_and_boosted_notes_in_constant_queries(
    member, bob, ana, django_assert_max_num_queries
):
    hub.follow(member, "bob@federation.localhost")
    Follow.objects.create(
        follower_url=hub.member_actor_url(member),
        followee_url=ana.id,
        follower_member=member,
        state="accepted",
        activity_id=ana.id + "#x",
    )
    mine = hub.compose_note(member, "mine")
    bobs = hub.compose_note(bob, "bob's")
    anas = [remote_note(ana) for _ in range(5)]
    stranger = Note.objects.create(object_id="https://else.example/1", author_url="https://else.example/u", content="x")
    hub.boost(bob, stranger.pk)
    hub.like(member, anas[0].pk)
    unrelated = Note.objects.create(
        object_id="https://else.example/2", author_url="https://else.example/u", content="y"
    )

    with django_assert_max_num_queries(3):
        page = hub.home_timeline(member, limit=4)
        shown = [(note.pk, note.liked, note.author_peer_id, note.author_member_id) for note in page.items]
    rest = hub.home_timeline(member, before=page.next_before, limit=50)

    ids = {pk for pk, *_ in shown} | {note.pk for note in rest.items}
    assert ids == {mine.pk, bobs.pk, stranger.pk, *(note.pk for note in anas)}
    assert unrelated.pk not in ids
    assert rest.next_before is None
    assert [note.liked for note in rest.items if note.pk == anas[0].pk] == [True]


def test_local_timeline_shows_only_this_instances_public_notes(member, ana):
    public = hub.compose_note(member, "public")
    hub.compose_note(member, "unlisted", visibility="unlisted")
    hub.compose_note(member, "followers", visibility="followers")
    remote_note(ana)

    assert [note.pk for note in hub.local_timeline().items] == [public.pk]


def test_followers_only_notes_are_hidden_from_others(member, bob):
    secret = hub.compose_note(member, "for followers", visibility="followers")

    with pytest.raises(RoseAshError):
        hub.get_note(bob, secret.pk)
    with pytest.raises(RoseAshError):
        hub.boost(member, secret.pk)
    hub.follow(bob, "@alice@federation.localhost")
    assert hub.get_note(bob, secret.pk) == secret


def test_like_and_boost_of_a_remote_note_are_sent_to_its_author_and_undone(
    member, ana, httpserver, django_capture_on_commit_callbacks
):
    note = remote_note(ana)
    with django_capture_on_commit_callbacks(execute=True):
        hub.like(member, note.pk)
        hub.like(member, note.pk)  # idempotent
        hub.boost(member, note.pk)
    with django_capture_on_commit_callbacks(execute=True):
        hub.unlike(member, note.pk)
        hub.unboost(member, note.pk)

    note.refresh_from_db()
    assert (note.like_count, note.boost_count) == (0, 0)
    sent = [json.loads(entry.data)["type"] for entry, _ in httpserver.log if entry.method == "POST"]
    assert sorted(sent) == ["Announce", "Like", "Undo", "Undo"]
    assert Delivery.objects.filter(state="delivered").count() == 4


def test_follow_a_remote_actor_by_url_sends_a_follow_and_unfollow_undoes_it(
    member, ana, httpserver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = hub.follow(member, ana.id)
    assert (row.state, row.followee_peer.actor_url) == ("pending", ana.id)
    with django_capture_on_commit_callbacks(execute=True):
        hub.unfollow(member, ana.id)

    assert not Follow.objects.exists()
    sent = [json.loads(entry.data) for entry, _ in httpserver.log if entry.method == "POST"]
    assert [activity["type"] for activity in sent] == ["Follow", "Undo"]
    assert sent[1]["object"]["id"] == sent[0]["id"] == row.activity_id


def test_follow_refuses_what_it_cannot_resolve(member, private_allowed, httpserver):
    for target in (
        "not a handle",
        "http://blog.localhost/actors/nobody",
        httpserver.url_for("/users/none"),
        "alice@federation.localhost",
    ):
        with pytest.raises(RoseAshError):
            hub.follow(member, target)
    assert not Follow.objects.exists()


def test_follow_local_actors_site_at_once_member_by_their_policy(member, bob):
    site = hub.follow(member, BLOG)
    follow_policy.set_approves_manually(bob, True)
    request = hub.follow(member, "@bob@federation.localhost")

    assert site.state == "accepted"
    assert request.state == "pending"
    assert follow_policy.approves_manually(bob.username) is True
    assert [row.pk for row in hub.follow_requests(bob).items] == [request.pk]
    with pytest.raises(RoseAshError):
        hub.approve_follow(member, request.pk)  # not alice's to approve
    hub.approve_follow(bob, request.pk)
    assert [row.follower_member for row in hub.followers(hub.member_actor_url(bob)).items] == [member]
    assert {row.followee_url for row in hub.following(hub.member_actor_url(member)).items} == {
        BLOG,
        hub.member_actor_url(bob),
    }
    assert not APActivity.objects.outbound().exists()  # all local: nothing to send
    hub.reject_follow(bob, request.pk)
    assert hub.followers(hub.member_actor_url(bob)).items == []


def test_notifications_count_and_mark_read(member, bob):
    note = hub.compose_note(member, "x")
    hub.like(bob, note.pk)
    hub.boost(bob, note.pk)
    hub.follow(bob, "@alice@federation.localhost")

    assert hub.unread_count(member) == 3
    page = hub.notifications(member)
    assert [item.kind for item in page.items] == ["follow", "boost", "like"]
    hub.mark_read(member, [page.items[0].pk])
    assert hub.unread_count(member) == 2
    hub.mark_read(bob)  # someone else's mark changes nothing of alice's
    assert hub.unread_count(member) == 2
    hub.mark_read(member)
    assert hub.unread_count(member) == 0
