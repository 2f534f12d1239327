"""
Who answers a remote actor's Join or Leave of one of our objects (Mobilizon's participation).

Federation does not know what an event is: the app that published the object registers a handler
for the prefix of its source keys (``"events.event"`` for ``"events.event:12"``) in its
``AppConfig.ready()``, through ``services.register_participation_handler``. The inbound handlers
ask it, in the activity's transaction, and send the Accept or Reject it decides.
"""

from typing import Protocol, runtime_checkable

__all__ = ["ParticipationHandler", "handler_for", "register"]


@runtime_checkable
class ParticipationHandler(Protocol):
    def join(self, source: str, actor_url: str) -> bool:
        """Book ``actor_url`` a place on the object ``source``; return False when it is refused (full)."""

    def leave(self, source: str, actor_url: str) -> bool:
        """Release ``actor_url``'s place on ``source``; return False when it held none."""


_handlers: dict[str, ParticipationHandler] = {}


def register(prefix: str, handler: ParticipationHandler) -> None:
    """Have ``handler`` answer Joins and Leaves of the objects whose source starts ``prefix:``."""
    if not isinstance(handler, ParticipationHandler):
        raise TypeError(f"{handler!r} does not implement ParticipationHandler (join and leave).")
    _handlers[prefix] = handler


def handler_for(source: str) -> ParticipationHandler | None:
    prefix, _, _rest = source.partition(":")
    return _handlers.get(prefix)
