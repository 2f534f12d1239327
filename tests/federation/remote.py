"""A remote fediverse actor on a local HTTP server that signs what it sends to our inboxes."""

import json
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from apps.federation.signing import keys, signatures

from .peers import PEM, PRIVATE_PEM, mastodon_doc

ACTIVITY_JSON = "application/activity+json"


@dataclass
class RemoteActor:
    """``ana`` on the httpserver (a Mastodon-style actor); ``private_pem`` signs, ``doc`` is served."""

    httpserver: object
    name: str = "ana"
    private_pem: str = PRIVATE_PEM
    public_pem: str = PEM
    received: list = field(default_factory=list)

    @property
    def id(self):
        return self.httpserver.url_for(f"/users/{self.name}")

    @property
    def key_id(self):
        return f"{self.id}#main-key"

    @property
    def inbox(self):
        return f"{self.id}/inbox"

    @property
    def shared_inbox(self):
        return self.httpserver.url_for("/inbox")

    def serve(self, **overrides):
        doc = mastodon_doc(
            self.id,
            preferredUsername=self.name,
            publicKey={"id": self.key_id, "owner": self.id, "publicKeyPem": self.public_pem},
            endpoints={"sharedInbox": self.shared_inbox},
            **overrides,
        )
        self.httpserver.expect_request(f"/users/{self.name}", method="GET").respond_with_data(
            json.dumps(doc), content_type=ACTIVITY_JSON
        )
        return self

    def rotate(self):
        """Make a new key and serve it; return the old private key (which no longer verifies)."""
        old = self.private_pem
        self.private_pem, self.public_pem = keys.generate_keypair()
        self.httpserver.clear_all_handlers()
        self.serve()
        return old

    def new_id(self, kind="activities"):
        return f"{self.id}/{kind}/{uuid.uuid4().hex}"

    def activity(self, kind, obj, **extra):
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": self.new_id(),
            "type": kind,
            "actor": self.id,
            "object": obj,
            **extra,
        }

    def note(self, content="<p>Hello</p>", **extra):
        return {
            "id": self.new_id("statuses"),
            "type": "Note",
            "attributedTo": self.id,
            "content": content,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [f"{self.id}/followers"],
            **extra,
        }

    def headers(self, url, body, *, key_id=None, private_pem=None, now=None):
        """Return the signed headers for POSTing ``body`` to ``url`` (as the test client's extra)."""
        key_id, private_pem = key_id or self.key_id, private_pem or self.private_pem
        return signed_headers(url, body, key_id=key_id, private_pem=private_pem, now=now)

    def post(self, client, url, activity, *, key_id=None, private_pem=None, now=None):
        """POST ``activity`` signed to our inbox at ``url`` through the Django test ``client``."""
        key_id, private_pem = key_id or self.key_id, private_pem or self.private_pem
        return signed_post(client, url, activity, key_id=key_id, private_pem=private_pem, now=now)


def signed_headers(url, body, *, key_id, private_pem, now=None):
    """Return the headers signing a POST of ``body`` to ``url`` with ``key_id``, as the test client's extra."""
    signed = signatures.sign(
        "POST",
        url,
        key_id=key_id,
        private_key_pem=private_pem,
        body=body,
        headers={"Content-Type": ACTIVITY_JSON},
        now=now,
    )
    return {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in signed.items() if name != "Host"}


def signed_post(client, url, activity, *, key_id, private_pem=PRIVATE_PEM, now=None):
    """POST ``activity`` (a dict, or the bytes of a body) signed with ``key_id`` to our inbox at ``url``."""
    body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
    extra = signed_headers(url, body, key_id=key_id, private_pem=private_pem, now=now)
    extra.pop("HTTP_CONTENT_TYPE", None)
    return client.post(urlsplit(url).path, body, content_type=ACTIVITY_JSON, **extra)
