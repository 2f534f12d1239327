"""
What a member reads: the home and local timelines, a note and its replies, each showing only what
the viewer may see (a followers-only post to its author's accepted followers), with the authors
joined, "liked/boosted by me" as annotations and the counts from the note's own columns.
"""

from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

from apps.core.errors import RoseAshError

from .. import actors
from ..models import Boost, Follow, Like, Note
from .paging import PAGE_SIZE, paged


def member_actor_url(member):
    """Return the member's actor URL (their id on the fediverse)."""
    return actors.member_actor(member).id


def _shown(queryset, viewer):
    """Join what a note list shows and annotate whether ``viewer`` liked or boosted each note."""
    queryset = queryset.filter(deleted__isnull=True).select_related("author_peer", "author_member", "in_reply_to_note")
    if viewer is None:
        return queryset.annotate(liked=Value(False), boosted=Value(False))
    return queryset.annotate(
        liked=Exists(Like.objects.filter(note=OuterRef("pk"), actor_member=viewer)),
        boosted=Exists(Boost.objects.filter(note=OuterRef("pk"), actor_member=viewer)),
    )


def _followed(member):
    return Follow.objects.filter(follower_member=member, state=Follow.State.ACCEPTED).values("followee_url")


def _visible_to(viewer):
    """
    Return the condition on notes ``viewer`` (a member or None) may see: every note but those for
    followers only, which only their author and the author's accepted followers see.

    Every list and ``get_note`` filter by it, whatever brought the note there: a boost of a
    followers-only note by someone the viewer follows shows it to nobody else.
    """
    shown = ~Q(visibility=Note.Visibility.FOLLOWERS)
    if viewer is not None:
        shown |= Q(author_member=viewer) | Q(author_url__in=_followed(viewer))
    return shown


def home_timeline(member, *, before=None, limit=PAGE_SIZE):
    """
    Return a ``Page`` of ``Note`` rows for the member's home: their own posts, posts of the actors
    they follow (accepted follows, local and remote) and posts those actors boosted, newest first;
    a followers-only post only if the member may see it (``_visible_to``).

    A note is placed at ``shown_at``: the later of its own ``published`` and the newest boost of it
    by an actor the member follows, so an old post boosted now comes first, as Mastodon shows it.
    Each note has ``author_peer``/``author_member``/``in_reply_to_note`` joined and the annotations
    ``boosted_by`` (that newest followed booster, or None), ``shown_at``, ``liked`` and ``boosted``
    (by this member). One query per page, the cursor included (see ``_page``).
    """
    followed = _followed(member)
    boosted = Boost.objects.filter(note=OuterRef("pk"), actor_url__in=followed)
    newest = boosted.order_by("-created", "-pk")
    placed = Note.objects.annotate(
        boosted_by=Subquery(newest.values("actor_url")[:1]),
        # Coalesce: Greatest is NULL on SQLite and MySQL when one side is (PostgreSQL skips it).
        shown_at=Greatest("published", Coalesce(Subquery(newest.values("created")[:1]), "published")),
    )
    notes = placed.filter(Q(author_member=member) | Q(author_url__in=followed) | Q(Exists(boosted)))
    return paged(_shown(notes.filter(_visible_to(member)), member), before, limit, at=placed)


def local_timeline(*, viewer=None, before=None, limit=PAGE_SIZE):
    """Return a ``Page`` of this instance's public notes (sites and members), newest first; annotated as above."""
    notes = Note.objects.filter(is_local=True, visibility=Note.Visibility.PUBLIC)
    return paged(_shown(notes, viewer), before, limit)


def get_note(viewer, note_id):
    """Return the note ``note_id`` if ``viewer`` (a member or None) may see it, else raise 404."""
    note = _shown(Note.objects.filter(_visible_to(viewer), pk=note_id), viewer).first()
    if note is None:
        raise RoseAshError("note_unknown", "There is no such post, or it is not shown to you.", status=404)
    return note


def replies(viewer, note_id, *, before=None, limit=PAGE_SIZE):
    """Return a ``Page`` of the replies to note ``note_id`` that ``viewer`` may see, newest first."""
    note = get_note(viewer, note_id)
    return paged(_shown(Note.objects.filter(_visible_to(viewer), in_reply_to_note=note), viewer), before, limit)
