"""
Only http(s) URLs become links: where peers' URLs are stored (``vocabulary.http_url``) and where
any stored URL is shown (the ``http_url`` filter), so a ``javascript:`` link kept in an older row
is not followed either.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.utils import timezone

from apps.federation import hub
from apps.federation.inbound import handlers
from apps.federation.models import APActivity, Boost, Follow, Note, Notification, PeerActor
from apps.federation.vocabulary import http_url

from .hubdata import follow_row, note_by

TEMPLATES = Path(__file__).resolve().parents[2] / "apps" / "federation" / "templates"

UNSAFE = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "\x01javascript:alert(1)",
    "&#106;avascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "//evil.example/users/x",  # protocol-relative: a peer's URL says its scheme
    "https:evil.example",  # a scheme and no host
    "http://[::1/users/x",  # not parseable
]
SAFE = ["https://peer.example/users/x", "http://peer.example:8000/@x", "HTTPS://PEER.EXAMPLE/x"]


class Links(HTMLParser):
    """Every ``href`` and ``src`` of a page, as a browser reads them (entities decoded)."""

    def __init__(self, html):
        super().__init__()
        self.found = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found += [value for name, value in attrs if name in ("href", "src")]


def followable(link):
    """A link a browser follows without running anything: one of our paths, or an http(s) URL."""
    ours = link.startswith(("/", "?", "#")) and not link.startswith("//")
    return link == "" or ours or http_url(link) is not None


@pytest.mark.parametrize("value", [*UNSAFE, None, 12, "", "https://peer.example/a b"])
def test_http_url_refuses_anything_but_an_absolute_http_url(value):
    assert http_url(value) is None


@pytest.mark.parametrize("value", SAFE)
def test_http_url_keeps_http_urls_as_they_are(value):
    assert http_url(value) == value


def test_http_url_refuses_a_url_longer_than_its_column():
    long = "https://peer.example/" + "x" * 480
    assert http_url(long, max_length=500) is None
    assert http_url(long[:500], max_length=500) == long[:500]


@pytest.fixture
def author(member):
    """A peer someone here follows, so that the notes it creates are kept."""
    url = "https://peer.example/users/x"
    follow_row(member, url)
    return url


@pytest.mark.django_db
@pytest.mark.parametrize("url", UNSAFE)
def test_a_peers_note_keeps_no_url_that_is_not_http(author, url):
    note = {
        "id": f"{author}/statuses/1",
        "type": "Article",
        "attributedTo": author,
        "name": "A title",
        "url": url,
        "content": '<p><a href="javascript:alert(1)" class="u-url mention">@<span>alice</span></a> hi</p>',
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }

    handlers.handle_create({"id": f"{author}/activities/1", "type": "Create", "object": note}, author)

    stored = Note.objects.get()
    assert stored.url == ""
    assert stored.name == "A title"
    assert "javascript" not in stored.content.lower()


@pytest.mark.django_db
def test_a_peers_http_url_is_kept(author):
    note = {"id": f"{author}/statuses/1", "type": "Note", "attributedTo": author, "content": "<p>hi</p>"}
    note |= {"url": "https://peer.example/@x/1", "to": ["as:Public"]}

    handlers.handle_create({"id": f"{author}/activities/1", "type": "Create", "object": note}, author)

    assert Note.objects.get().url == "https://peer.example/@x/1"


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
@pytest.mark.parametrize("url", UNSAFE)
def test_a_mention_of_a_peer_without_an_http_url_is_not_linked(member, url):
    PeerActor.objects.create(
        actor_url=url, handle="x@evil.example", inbox="https://evil.example/inbox", fetched_at=timezone.now()
    )

    note = hub.compose_note(member, "hello @x@evil.example")

    assert note.content == "<p>hello @x@evil.example</p>"
    assert "tag" not in APActivity.objects.get().payload["object"]


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
def test_a_mention_of_a_peer_is_linked_to_its_actor(member):
    url = SAFE[0]
    PeerActor.objects.create(
        actor_url=url, handle="x@peer.example", inbox="https://peer.example/inbox", fetched_at=timezone.now()
    )

    note = hub.compose_note(member, "hello @x@peer.example")

    assert f'<a href="{url}" class="u-url mention">@x@peer.example</a>' in note.content
    assert APActivity.objects.get().payload["object"]["tag"] == [
        {"type": "Mention", "href": url, "name": "@x@peer.example"}
    ]


@pytest.fixture
def rows_linking_to(member, bob):
    """
    Return ``make(url)``: rows as an older version (or a peer) could have left them, ``url`` in
    every field a hub page links: a note's url and author, a booster, a notifier, a follower, a
    follow request, a followee, a reply's author. Return the note pages to look at.
    """

    def make(url):
        titled = Note.objects.create(
            object_id="https://peer.example/statuses/1", author_url=url, url=url, name="Linked title", content="."
        )
        follow_row(member, url)  # followed: the note and the boost below reach the home timeline
        boosted = note_by(bob, "boosted by the odd actor")
        Boost.objects.create(actor_url=url, note=boosted, activity_id="https://peer.example/boosts/1")
        Note.objects.create(
            object_id="https://peer.example/statuses/2", author_url=url, in_reply_to_note=titled, content="<p>r</p>"
        )
        Notification.objects.create(recipient=member, kind="like", actor_url=url, actor_name="odd", note=boosted)
        me = hub.member_actor_url(member)
        for number, state in enumerate([Follow.State.ACCEPTED, Follow.State.PENDING]):
            Follow.objects.create(
                follower_url=url + "/requests" if state == Follow.State.PENDING else url,
                followee_url=me,
                followee_member=member,
                state=state,
                activity_id=f"https://peer.example/follows/{number}",
            )
        return [f"/notes/{titled.pk}"]

    return make


PAGES = ["/", "/local", "/notifications", "/followers", "/following", "/follow-requests"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", UNSAFE)
def test_no_page_links_a_stored_url_that_is_not_http(hub_client, rows_linking_to, url):
    note_pages = rows_linking_to(url)

    for path in PAGES + note_pages:
        page = hub_client.get(path).content.decode()
        unsafe = [link for link in Links(page).found if not followable(link)]
        assert unsafe == [], path
    title = hub_client.get(note_pages[0]).content.decode()
    assert '<h2 class="note__title">Linked title</h2>' in title  # the title stays, unlinked


@pytest.mark.django_db
def test_stored_http_urls_are_linked_on_every_page(hub_client, rows_linking_to):
    url = SAFE[0]
    note_pages = rows_linking_to(url)

    for path in [page for page in PAGES if page != "/local"] + note_pages:  # /local: our own posts only
        links = Links(hub_client.get(path).content.decode()).found
        assert any(link.startswith(url) for link in links), path
    title = hub_client.get(note_pages[0]).content.decode()
    assert f'<h2 class="note__title"><a href="{url}">Linked title</a></h2>' in title


def test_every_link_the_federation_templates_make_of_a_value_goes_through_http_url():
    """A new template linking a stored URL without the filter fails here; ``{% url %}`` paths are ours."""
    unfiltered = []
    for template in TEMPLATES.rglob("*.html"):
        source = template.read_text()
        ours = set(re.findall(r"{%\s*url\s[^%]*\sas\s+(\w+)\s*%}", source))
        for value in re.findall(r'(?:href|src)="{{\s*([^}]*?)\s*}}"', source):
            if "|http_url" not in value and value not in ours:
                unfiltered.append(f"{template.relative_to(TEMPLATES)}: {value}")
    assert unfiltered == []
