"""
The one result of looking for a peer's actor (or fetching another object): its state, or exactly
why there is none.

``FetchOutcome`` is a small sum type of frozen dataclasses. ``ok`` says which side it is on;
``describe()`` gives the operator's one-line form (``status 404``, ``bad_actor_doc: <reason>``);
``transient`` says whether trying again later may help (transport errors and 5xx).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class PublicKey:
    id: str
    algorithm: str
    pem: str
    created: str | None = None

    def as_dict(self):
        return {"id": self.id, "algorithm": self.algorithm, "pem": self.pem, "created": self.created}


@dataclass(frozen=True)
class ActorState:
    """A peer actor as a valid document described it."""

    id: str
    inbox: str
    shared_inbox: str
    public_keys: tuple[PublicKey, ...]
    handle: str
    name: str
    format: str
    followers: str = ""  # the actor's followers collection, when its document names one

    ok = True
    transient = False
    kind = "ok"

    def key(self, key_id):
        """Return the published key with id ``key_id``, or None."""
        return next((key for key in self.public_keys if key.id == key_id), None)

    def describe(self):
        return f"ok: {self.handle or self.id}"

    def as_dict(self):
        return {
            "id": self.id,
            "inbox": self.inbox,
            "shared_inbox": self.shared_inbox,
            "handle": self.handle,
            "name": self.name,
            "format": self.format,
            "followers": self.followers,
            "public_keys": [key.as_dict() for key in self.public_keys],
        }


@dataclass(frozen=True)
class FetchedObject:
    """An ActivityStreams object fetched at its own id (``document`` is the JSON object as served)."""

    id: str
    document: dict

    ok = True
    transient = False
    kind = "ok"

    def describe(self):
        return f"ok: {self.id}"


class _Failure:
    """No state: ``kind`` names the failure and, for all but a status, ``reason`` says what went wrong."""

    ok = False
    transient = False

    def describe(self):
        return f"{self.kind}: {self.reason}"

    def as_dict(self):
        return {"outcome": self.kind, "detail": self.describe()}


@dataclass(frozen=True)
class NoPeerUrl(_Failure):
    target: str
    reason: str

    kind = "no_peer_url"


@dataclass(frozen=True)
class HttpStatus(_Failure):
    url: str
    status: int

    kind = "status"

    @property
    def transient(self):
        return self.status >= 500 or self.status == 429

    def describe(self):
        return f"status {self.status}"


@dataclass(frozen=True)
class _UnusableAnswer(_Failure):
    """What asking ``url`` gave could not be used; ``reason`` says why."""

    url: str
    reason: str


@dataclass(frozen=True)
class BadActorDoc(_UnusableAnswer):
    """A fetched actor document we do not accept (its id, keys, type or media type)."""

    kind = "bad_actor_doc"


@dataclass(frozen=True)
class BadObject(_UnusableAnswer):
    """A fetched object (not an actor) that is not an acceptable ActivityStreams document."""

    kind = "bad_object"


@dataclass(frozen=True)
class TransportError(_UnusableAnswer):
    """No answer to read. ``retryable`` is False for refusals that will not change (a private address)."""

    retryable: bool = True

    kind = "transport"

    @property
    def transient(self):
        return self.retryable


FetchOutcome = ActorState | NoPeerUrl | HttpStatus | BadActorDoc | TransportError
