"""Likes and boosts from the hub, and their withdrawal, each sent to the note's author (boosts to followers too)."""

from django.db import transaction

from apps.core.errors import RoseAshError

from .. import notes
from ..models import Boost, Like, Note
from ..outbound.outbox import emit, new_id
from ..vocabulary import PUBLIC
from .timelines import get_note, member_actor_url


def _react(member, note_id, model, **addressing):
    note = get_note(member, note_id)
    me = member_actor_url(member)
    with transaction.atomic():
        activity_id = new_id(me, model.activity_type.lower() + "s")
        reaction, created = notes.record_reaction(model, note, me, activity_id, member=member)
        if created:
            emit(
                me,
                model.activity_type,
                note.object_id,
                activity_id=activity_id,
                recipients=[note.author_url],
                **addressing,
            )
    return reaction


def _undo(member, note_id, model, **addressing):
    note = get_note(member, note_id)
    me = member_actor_url(member)
    with transaction.atomic():
        reaction = model.objects.select_for_update().filter(actor_url=me, note=note).first()
        if reaction is None:
            return
        undone = {"id": reaction.activity_id, "type": model.activity_type, "actor": me, "object": note.object_id}
        notes.withdraw_reaction(reaction)
        emit(me, "Undo", undone, recipients=[note.author_url], **addressing)


def like(member, note_id):
    """Like a note (idempotent) and send the Like to its author; return the ``Like``."""
    return _react(member, note_id, Like)


def unlike(member, note_id):
    """Undo the member's like of a note, if any, and send the Undo."""
    _undo(member, note_id, Like)


def _boost_addressing(member, note):
    return {
        "to": [PUBLIC],
        "cc": [note.author_url, notes.followers_url(member_actor_url(member))],
        "to_followers": True,
    }


def boost(member, note_id):
    """Boost (Announce) a public or unlisted note to the member's followers (idempotent); return the ``Boost``."""
    note = get_note(member, note_id)
    if note.visibility == Note.Visibility.FOLLOWERS:
        raise RoseAshError("boost_refused", "Posts for followers only cannot be boosted.")
    return _react(member, note_id, Boost, **_boost_addressing(member, note))


def unboost(member, note_id):
    """Undo the member's boost, if any, and send the Undo."""
    note = get_note(member, note_id)
    _undo(member, note_id, Boost, **_boost_addressing(member, note))
