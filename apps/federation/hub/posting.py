"""
Posting a note from the hub: plain text made HTML, ``@user`` and ``@user@host`` mentions linked and
tagged, a reply addressed to the author it answers, and the Create sent to whom it concerns.
"""

import re

from django.db import transaction
from django.utils.html import escape, linebreaks, urlize

from apps.core.errors import RoseAshError

from .. import actors, notes
from ..models import Note, Notification, PeerActor
from ..outbound.outbox import emit, new_id
from ..vocabulary import http_url
from .timelines import get_note, member_actor_url

MAX_NOTE = 5000
MENTION = re.compile(r"(?<![\w@/])@([A-Za-z0-9_]{1,30})(?:@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::[0-9]+)?))?")


def _mentioned(text):
    """Return ``{written mention: actor URL}`` for ``@user`` (ours) and ``@user@host`` (ours, or a known peer)."""
    found = {}
    for match in MENTION.finditer(text):
        user, host = match.group(1), match.group(2)
        local = actors.find_by_handle(user, host) if host else actors.find_by_handle(user, None)
        if local is not None:
            found[match.group(0)] = local.id
        elif host:
            peer = PeerActor.objects.filter(handle__iexact=f"{user}@{host.split(':')[0]}").first()
            if peer is not None and http_url(peer.actor_url):
                found[match.group(0)] = peer.actor_url
    return found


def _html(text, mentions):
    """Return the HTML of a plain-text post: paragraphs, links, and mentions linked to their actors."""
    html = linebreaks(urlize(escape(text), nofollow=True))
    for written, url in sorted(mentions.items(), key=lambda item: -len(item[0])):
        link = f'<span class="h-card"><a href="{escape(url)}" class="u-url mention">{escape(written)}</a></span>'
        html = re.sub(rf"(?<![\w@/\"]){re.escape(escape(written))}(?![\w@.])", link, html)
    return html


def _mention_tags(mentions, parent, me):
    """
    Return the ``Mention`` tags of a post by ``me``: one per mention written and, for a reply, one
    of the replied-to author unless written already. Mastodon adds that one too: a server threads
    a reply and tells the author of it only when they are mentioned.
    """
    tags = [{"type": "Mention", "href": url, "name": written} for written, url in mentions.items()]
    author = parent.author_url if parent is not None else None
    if author and author != me and author not in mentions.values():
        tag = {"type": "Mention", "href": author}
        handle = notes.handle_of(author)
        if handle:
            tag["name"] = f"@{handle}"
        tags.append(tag)
    return tags


def compose_note(member, content, *, summary="", visibility="public", in_reply_to=None):
    """
    Post a note as ``member`` and federate it; return the ``Note``.

    ``content`` is plain text (paragraphs, links and ``@user@host`` / ``@user`` mentions become HTML);
    ``summary`` is the content warning; ``visibility`` is public, unlisted or followers;
    ``in_reply_to`` is a ``Note`` id the member can see. The Create is delivered to the member's
    followers and to everyone it mentions: those written, and the replied-to author, who is
    mentioned (``cc`` and a ``Mention`` tag) whether written or not.
    """
    content, summary = (content or "").strip(), (summary or "").strip()
    if not content:
        raise RoseAshError("note_empty", "Write something first.")
    if len(content) > MAX_NOTE:
        raise RoseAshError("note_too_long", f"A post is at most {MAX_NOTE} characters.")
    if len(summary) > 500:
        raise RoseAshError("summary_too_long", "A content warning is at most 500 characters.")
    if visibility not in Note.Visibility.values:
        raise RoseAshError("visibility_unknown", "Visibility is public, unlisted or followers.")
    parent = get_note(member, in_reply_to) if in_reply_to else None
    me = member_actor_url(member)
    mentions = _mentioned(content)
    with transaction.atomic():
        object_id = new_id(me, "notes")
        note = Note.objects.create(
            object_id=object_id,
            url=object_id,
            author_url=me,
            author_member=member,
            is_local=True,
            summary=summary,
            content=_html(content, mentions),
            visibility=visibility,
            in_reply_to=parent.object_id if parent else "",
            in_reply_to_note=parent,
        )
        obj = notes.as_object(note)
        tags = _mention_tags(mentions, parent, me)
        if tags:
            obj["tag"] = tags
            obj["cc"] = obj["cc"] + sorted({tag["href"] for tag in tags})
        if parent is not None:
            notes.count_reply(parent)
            notes.notify(parent.author_member, Notification.Kind.REPLY, me, note=note)
        for url in set(mentions.values()):
            mentioned = notes.member_of(url)
            if mentioned is not None and (parent is None or mentioned.pk != parent.author_member_id):
                notes.notify(mentioned, Notification.Kind.MENTION, me, note=note)
        emit(
            me,
            "Create",
            obj,
            to=obj["to"],
            cc=obj["cc"],
            to_followers=True,
            recipients={tag["href"] for tag in tags},
            activity_id=object_id + "/activity",
        )
    return note
