"""
How other apps federate their content: ``publish(obj)``, ``update(obj)``, ``delete(obj)``.

A publishable model implements ``Publishable``: which site actor speaks for it, a stable source key,
and its ActivityStreams object. Federation keeps a ``Note`` row for it (so it shows in timelines
and its likes and boosts are counted) and writes the outbound Create/Update/Delete in the caller's
transaction; delivery follows on commit.
"""

from typing import Protocol, runtime_checkable


@runtime_checkable
class Publishable(Protocol):
    """What a model offers to be federated (blog posts and events implement it in their own apps)."""

    def federation_site(self) -> str:
        """The site whose actor speaks for this object (e.g. "blog")."""

    def federation_source(self) -> str:
        """A key unique to this object and stable across edits, e.g. "blog.post:12"."""

    def federation_object(self) -> dict:
        """
        The object's ActivityStreams fields: ``type`` (Note or Article), ``content`` (HTML),
        ``url``, and optionally ``name``, ``summary``, ``published``. Federation adds ``id``,
        ``attributedTo`` and the addressing.
        """


def publish(obj):
    """Federate a new object: store its ``Note`` and send a Create to its site actor's followers."""
    raise NotImplementedError


def update(obj):
    """Federate an edit of a published object (publishes it if it never was)."""
    raise NotImplementedError


def delete(obj):
    """Federate the removal of a published object: tombstone its ``Note`` and send a Delete."""
    raise NotImplementedError
