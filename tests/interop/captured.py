"""
The captured documents of ``documents/``, read as a local test server serves them.

Each file is a document as its software sends it, written on its own host (``https://mastodon.example``
and so on) to a member of ours at ``https://federation.rose-ash.example``. ``read`` moves both to
where the tests run: the peer to ``http://<software>.test:<port>`` (the pytest-httpserver, reached
through ``ROSEASH_RESOLVE``), us to the test client's federation host; and it puts the test key
where the document had its own public key, so the tests can sign as that actor.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from tests.federation.peers import PEM

DOCUMENTS = Path(__file__).parent / "documents"
ACTIVITY_JSON = "application/activity+json"
ACTIVITY_JSON_UTF8 = "application/activity+json; charset=utf-8"
OUR_CAPTURED_ORIGIN = "https://federation.rose-ash.example"
OUR_ORIGIN = "http://federation.localhost"
ALICE = f"{OUR_ORIGIN}/actors/alice"  # the member the captured activities speak to (the ``member`` fixture)
ALICES_NOTE = f"{ALICE}/notes/7c5b1e"


def _with_test_key(value):
    """Return ``value`` with every ``publicKeyPem`` (actors embedded in activities too) the test key."""
    if isinstance(value, dict):
        return {key: PEM if key == "publicKeyPem" else _with_test_key(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_test_key(item) for item in value]
    return value


@dataclass(frozen=True)
class Peer:
    """One software's server on the local test server, under the host ``<software>.test``."""

    software: str
    port: int

    @property
    def captured_origin(self):
        return f"https://{self.software}.example"

    @property
    def origin(self):
        return f"http://{self.software}.test:{self.port}"

    def url(self, path):
        return self.origin + path

    def text(self, name):
        """Return the raw text of ``documents/<software>/<name>.json`` with its origins made local."""
        text = (DOCUMENTS / self.software / f"{name}.json").read_text()
        return text.replace(self.captured_origin, self.origin).replace(OUR_CAPTURED_ORIGIN, OUR_ORIGIN)

    def read(self, name):
        """Return ``documents/<software>/<name>.json`` as the local peer sends it, with the test key."""
        return _with_test_key(json.loads(self.text(name)))


@dataclass(frozen=True)
class Actor:
    """An actor document of ``documents/``: where its server serves it, how, and what we must read in it."""

    software: str
    document: str
    path: str
    content_type: str
    handle: str
    inbox: str
    shared_inbox: str
    key: str
    aliases: tuple = ()  # other paths of the same host that answer the same document (profile URLs)


ACTORS = (
    Actor(
        software="mastodon",
        document="actor",
        path="/users/ada",
        content_type=ACTIVITY_JSON_UTF8,
        handle="ada@mastodon.test",
        inbox="/users/ada/inbox",
        shared_inbox="/inbox",
        key="/users/ada#main-key",
        aliases=("/@ada",),
    ),
    Actor(
        software="takahe",
        document="actor",
        path="/@bob@takahe.example/",
        content_type=ACTIVITY_JSON,
        handle="bob@takahe.test",
        inbox="/@bob@takahe.example/inbox/",
        shared_inbox="/inbox/",
        key="/@bob@takahe.example/#main-key",
        aliases=("/@bob/",),
    ),
    Actor(
        software="misskey",
        document="actor",
        path="/users/9h5k2x7w0a",
        content_type=ACTIVITY_JSON_UTF8,
        handle="mika@misskey.test",
        inbox="/users/9h5k2x7w0a/inbox",
        shared_inbox="/inbox",
        key="/users/9h5k2x7w0a#main-key",
    ),
    Actor(
        software="pleroma",
        document="actor",
        path="/users/lain",
        content_type=ACTIVITY_JSON_UTF8,
        handle="lain@pleroma.test",
        inbox="/users/lain/inbox",
        shared_inbox="/inbox",
        key="/users/lain#main-key",
    ),
    Actor(
        software="mobilizon",
        document="actor",
        path="/@tcit",
        content_type=ACTIVITY_JSON,
        handle="tcit@mobilizon.test",
        inbox="/@tcit/inbox",
        shared_inbox="/inbox",
        key="/@tcit#main-key",
    ),
    Actor(
        software="peertube",
        document="actor",
        path="/accounts/chocobozzz",
        content_type=ACTIVITY_JSON_UTF8,
        handle="chocobozzz@peertube.test",
        inbox="/accounts/chocobozzz/inbox",
        shared_inbox="/inbox",
        key="/accounts/chocobozzz#main-key",
    ),
    Actor(
        software="peertube",
        document="channel",
        path="/video-channels/coop_workshops",
        content_type=ACTIVITY_JSON_UTF8,
        handle="coop_workshops@peertube.test",
        inbox="/video-channels/coop_workshops/inbox",
        shared_inbox="/inbox",
        key="/video-channels/coop_workshops#main-key",
    ),
)

# The actor who sends each software's activities (the first of its actors above).
SENDERS = {actor.software: actor for actor in reversed(ACTORS)}


def activities():
    """Return ``(software, name)`` of every captured activity (every document but the actors)."""
    actor_documents = {(actor.software, actor.document) for actor in ACTORS}
    return sorted(
        (path.parent.name, path.stem)
        for path in DOCUMENTS.glob("*/*.json")
        if (path.parent.name, path.stem) not in actor_documents
    )
