"""
Posts and pages from a Ghost site, kept in step through its Content API.

Ghost stays the source: each post it publishes is upserted here by its Ghost id through
``services`` (so its HTML is cleaned, an edit keeps a revision, and the fediverse hears of it),
each in its own transaction, so a failure leaves every post either as it was or as Ghost has it.
Listings are read oldest change first (``order=updated_at asc``) and a per-listing mark
(``GhostCursor``) moves only once a whole page is written: a run that stops is resumed, not lost.

The Content API shows published content only, so a post deleted or unpublished in Ghost simply
disappears from it: ``sync(full=True)`` lists every id and unpublishes here what Ghost no longer
shows, and a signed webhook (``verify_signature``, ``webhook_target``) names one post to re-read
at once. Every request goes through ``apps.core.outbound.http_client``; none is made inside a transaction.

API facts: https://ghost.org/docs/content-api/ and https://ghost.org/docs/webhooks/.
"""

import datetime
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils.text import slugify

from apps.core.errors import RoseAshError
from apps.core.outbound import http_client
from apps.core.sanitize import plain_text

from . import services
from .models import GhostCursor, Post, Tag

__all__ = [
    "PASSING_ERRORS",
    "RESOURCES",
    "SIGNATURE_MAX_AGE",
    "SyncResult",
    "configuration_problem",
    "is_wanted",
    "sync",
    "sync_one",
    "verify_signature",
    "webhook_target",
]

RESOURCES = ("posts", "pages")
ACCEPT_VERSION = "v6.0"
PAGE_SIZE = 50
# A page of 50 long posts with their HTML can pass the client's default 1 MiB.
MAX_BODY = 16 * 1_048_576
# Ghost's ids are MongoDB-style object ids; anything else never reaches a URL we request.
GHOST_ID = re.compile(r"[0-9a-f]{24}")
CONTENT_KEY = re.compile(r"[0-9a-f]{26}")
# A webhook signed longer ago than this (or this far in the future) is refused as a possible replay.
SIGNATURE_MAX_AGE = datetime.timedelta(minutes=5)
SIGNATURE = re.compile(r"sha256=([0-9a-f]{64})\s*,\s*t=([0-9]{1,16})")

# Errors that may go away by themselves (Ghost restarting), worth retrying.
PASSING_ERRORS = frozenset({"ghost_unreachable", "ghost_unavailable"})

# One sync at a time (beat, an operator's command): two would both create a new post and one
# would fail on its slug. Held at most as long as a task may run; a killed run's lock expires.
SYNC_LOCK = "blog:ghost:sync"
SYNC_LOCK_SECONDS = 300

Progress = Callable[[str, int, int], None]


@dataclass
class SyncResult:
    """What a sync did, post by post; ``failures`` says which posts could not be written and why."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unpublished: int = 0
    members_only: int = 0
    failures: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class _GhostPost:
    """One post or page as Ghost gave it, already mapped to the blog's fields."""

    id: str
    public: bool
    updated_at: datetime.datetime
    published_at: datetime.datetime | None
    fields: dict
    tags: tuple[tuple[str, str], ...]
    author_emails: tuple[str, ...]


# --- Settings --------------------------------------------------------------------------------


def is_wanted() -> bool:
    """Return whether this deployment syncs from Ghost at all (``GHOST_URL`` is set)."""
    return bool(settings.GHOST_URL)


def configuration_problem() -> str | None:
    """Return what is wrong with the Ghost settings, in one sentence saying how to fix it, or None."""
    url, key = settings.GHOST_URL, settings.GHOST_CONTENT_KEY
    if not url:
        return "GHOST_URL is not set: give the address of the Ghost site, e.g. https://ghost.example.org."
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        return f"GHOST_URL is {url!r}, not the address of a site: give one such as https://ghost.example.org."
    if not key:
        return "GHOST_CONTENT_KEY is not set: copy the Content API key of a custom integration in Ghost's settings."
    if not CONTENT_KEY.fullmatch(key):
        return (
            "GHOST_CONTENT_KEY is not a Content API key (26 hexadecimal characters): copy it from a custom "
            "integration in Ghost's settings (the Admin API key is a different one)."
        )
    return None


# --- The Content API -------------------------------------------------------------------------


def _garbled(what: str) -> RoseAshError:
    return RoseAshError(
        "ghost_garbled", f"Ghost's answer {what}: is GHOST_URL the address of the Ghost site?", status=502
    )


def _get(path: str, params: dict, *, missing_ok: bool = False) -> dict | None:
    """
    Return the JSON object Ghost answers to ``GET /ghost/api/content/<path>``; None for a 404 when
    ``missing_ok``. Every other outcome is a ``RoseAshError`` that never shows the key.
    """
    problem = configuration_problem()
    if problem:
        raise RoseAshError("ghost_not_configured", problem, status=503)
    key = settings.GHOST_CONTENT_KEY
    url = f"{settings.GHOST_URL.rstrip('/')}/ghost/api/content/{path}?{urlencode({**params, 'key': key})}"
    try:
        response = http_client.get(
            url,
            headers={"Accept-Version": ACCEPT_VERSION, "Accept": "application/json"},
            max_bytes=MAX_BODY,
            same_host_redirects=True,
        )
    except http_client.HttpClientError as exc:
        reason = exc.reason.replace(key, "<key>")
        raise RoseAshError("ghost_unreachable", f"Ghost could not be reached: {reason}.", status=502) from exc
    if response.status in (401, 403):
        raise RoseAshError(
            "ghost_key_refused",
            f"The Content API key was refused (Ghost answered {response.status}): check GHOST_CONTENT_KEY "
            "against the custom integration in Ghost's settings.",
            status=502,
        )
    if response.status == 404 and missing_ok:
        return None
    if response.status != 200:
        raise RoseAshError("ghost_unavailable", f"Ghost answered HTTP {response.status} to {path}.", status=502)
    try:
        answer = json.loads(response.content)
    except ValueError:
        raise _garbled(f"to {path} is not JSON") from None
    if not isinstance(answer, dict):
        raise _garbled(f"to {path} is not a JSON object")
    return answer


def _pages(resource: str, params: dict) -> Iterator[tuple[list, int]]:
    """Yield each page of a listing with the listing's total, following ``meta.pagination.next``."""
    page = 1
    while True:
        answer = _get(f"{resource}/", {**params, "limit": PAGE_SIZE, "page": page})
        items = answer.get(resource)
        meta = answer.get("meta")
        pagination = meta.get("pagination") if isinstance(meta, dict) else None
        if not isinstance(items, list) or not isinstance(pagination, dict):
            raise _garbled(f"to {resource}/ has no {resource} list with meta.pagination")
        total = pagination.get("total")
        yield items, total if isinstance(total, int) else len(items)
        following = pagination.get("next")
        if following is None:
            return
        # A next page that is not further on would have us read forever.
        if not isinstance(following, int) or isinstance(following, bool) or following <= page:
            raise _garbled(f"to {resource}/ gives {following!r} as the page after {page}")
        page = following


# --- From Ghost's shapes to the blog's -------------------------------------------------------


def _datetime(value, name: str) -> datetime.datetime:
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise _garbled(f"gives {name} {value!r}, which is not a date") from None
    if parsed.tzinfo is None:
        raise _garbled(f"gives {name} {value!r} without its time zone")
    return parsed.astimezone(datetime.UTC)


def _web_url(value, max_length: int) -> str:
    """Return ``value`` if it is an http(s) URL that fits, else "": images stay linked, never anything else."""
    if not isinstance(value, str) or len(value) > max_length:
        return ""
    parts = urlsplit(value.strip())
    return value.strip() if parts.scheme in ("http", "https") and parts.hostname else ""


def _text(item: dict, name: str, max_length: int) -> str:
    return plain_text(item.get(name) or "", max_length).strip()


def _parse(item, *, is_page: bool) -> _GhostPost:
    """Map one Ghost post or page to the blog's fields, refusing an item without the keys it needs."""
    if not isinstance(item, dict):
        raise _garbled("lists something that is not a post")
    ghost_id = item.get("id")
    if not isinstance(ghost_id, str) or not GHOST_ID.fullmatch(ghost_id):
        raise _garbled(f"gives a post the id {ghost_id!r}")
    if not isinstance(item.get("slug"), str) or not isinstance(item.get("html") or "", str):
        raise _garbled(f"gives post {ghost_id} no slug or an HTML body that is not text")
    tags = tuple(
        (tag["slug"], tag["name"])
        for tag in item.get("tags") or ()
        if isinstance(tag, dict)
        and isinstance(tag.get("slug"), str)
        and isinstance(tag.get("name"), str)
        # Ghost's internal tags ("#hidden") organise its own themes; they are not topics.
        and tag.get("visibility", "public") == "public"
    )
    emails = tuple(
        author["email"]
        for author in item.get("authors") or ()
        if isinstance(author, dict) and isinstance(author.get("email"), str) and author["email"]
    )
    published_at = item.get("published_at")
    fields = {
        "title": _text(item, "title", Post._meta.get_field("title").max_length),
        "slug": item["slug"],
        "excerpt": _text(item, "custom_excerpt", 10_000) or _text(item, "excerpt", 10_000),
        "body": item.get("html") or "",
        "feature_image_url": _web_url(item.get("feature_image"), 500),
        "feature_image_alt": _text(item, "feature_image_alt", 300),
        "feature_image_caption": _text(item, "feature_image_caption", 300),
        "seo_title": _text(item, "meta_title", 70),
        "seo_description": _text(item, "meta_description", 160),
        "canonical_url": _web_url(item.get("canonical_url"), 500),
        "featured": item.get("featured") is True,
        "is_page": is_page,
    }
    return _GhostPost(
        id=ghost_id,
        public=_is_public(item),
        updated_at=_datetime(item.get("updated_at"), "updated_at"),
        published_at=_datetime(published_at, "published_at") if published_at else None,
        fields=fields,
        tags=tags,
        author_emails=emails,
    )


def _is_public(item: dict) -> bool:
    """
    Return whether anyone may read the post in Ghost: for members' and paid posts the Content API
    gives only the part before the paywall, which must not be published here as if it were whole.
    """
    return item.get("visibility", "public") == "public"


def _tag_name(slug: str, name: str) -> str | None:
    """
    Return the name of the tag at Ghost's ``slug`` (upserted: made, or renamed as Ghost names it),
    for ``services`` to find it by; None for a tag without letters or digits.
    """
    name, slug = plain_text(name, 100).strip(), slugify(slug)[:100]
    if not name or not slug:
        return None
    tag = Tag.objects.filter(slug=slug).first()
    named = Tag.objects.filter(name=name).first()
    if tag is None:
        # A tag of ours already called so is the same topic under another address.
        return (named or Tag.objects.create(slug=slug, name=name)).name
    if tag.name != name and named is None:
        tag.name = name
        tag.save(update_fields=["name"])
    return tag.name


def _member_ids(emails: tuple[str, ...]) -> list[int]:
    """Return the members whose address is one of ``emails`` (one each); other authors stay unassigned."""
    members = get_user_model().objects.filter(is_active=True)
    ids = []
    for email in emails:
        found = list(members.filter(email__iexact=email).values_list("pk", flat=True)[:2])
        if len(found) == 1:  # two members sharing an address: neither is assumed to be the author
            ids.append(found[0])
    return ids


def _upsert(ghost: _GhostPost) -> str:
    """Write one post as Ghost has it, in one transaction; return the ``SyncResult`` count it adds to."""
    with transaction.atomic():
        post = Post.objects.select_for_update().filter(ghost_id=ghost.id).first()
        if post is not None and post.ghost_updated_at == ghost.updated_at and post.is_live:
            return "unchanged"
        tags = [name for name in (_tag_name(*tag) for tag in ghost.tags) if name]
        # None when no Ghost author is a member here: the authors staff may have chosen are kept.
        author_ids = _member_ids(ghost.author_emails) or None
        if post is None:
            written = services.create_post(tags=tags, author_ids=author_ids, **ghost.fields)
        else:
            written = services.update_post(post.pk, tags=tags, author_ids=author_ids, **ghost.fields)
        Post.objects.filter(pk=written.pk).update(ghost_id=ghost.id, ghost_updated_at=ghost.updated_at)
        services.publish_post(written.pk, published_at=ghost.published_at)
    return "created" if post is None else "updated"


def _take_back(ghost_id: str) -> str:
    """Unpublish the imported post Ghost answers 404 for (deleted or unpublished there)."""
    post = Post.objects.filter(ghost_id=ghost_id).exclude(status=Post.Status.DRAFT).first()
    if post is None:
        return "absent"
    services.unpublish_post(post.pk)
    return "unpublished"


def _write(ghost: _GhostPost) -> str:
    """Write a public post as Ghost has it; take back one that is for Ghost's members only."""
    if ghost.public:
        return _upsert(ghost)
    _take_back(ghost.id)
    return "members_only"


def _unpublish_absent(ghost_ids: set[str], *, is_page: bool) -> int:
    """Unpublish the imported posts Ghost no longer shows; each sends its Delete. Return how many."""
    gone = (
        Post.objects.filter(is_page=is_page, ghost_id__isnull=False)
        .exclude(status=Post.Status.DRAFT)
        .exclude(ghost_id__in=ghost_ids)
        .values_list("pk", flat=True)
    )
    count = 0
    for post_id in gone:
        services.unpublish_post(post_id)
        count += 1
    return count


# --- Syncing ---------------------------------------------------------------------------------


def _sync_listing(resource: str, *, full: bool, result: SyncResult, progress: Progress | None) -> None:
    cursor = None if full else GhostCursor.objects.filter(resource=resource).first()
    params = {"include": "authors,tags", "formats": "html", "order": "updated_at asc"}
    if cursor is not None:
        # ">=": Ghost compares to the second; a post changed later within that second is read again
        # and found unchanged rather than missed.
        params["filter"] = f"updated_at:>='{cursor.synced_through:%Y-%m-%d %H:%M:%S}'"
    advancing, done = True, 0
    for items, total in _pages(resource, params):
        # The whole page is checked before any of it is written.
        ghosts = [_parse(item, is_page=resource == "pages") for item in items]
        for ghost in ghosts:
            try:
                result.count(_write(ghost))
            except RoseAshError as exc:
                result.failures.append(f"{resource[:-1]} {ghost.id} ({ghost.fields['slug']}): {exc.message}")
                advancing = False  # retried from here on the next run
            done += 1
            if progress:
                progress(resource, done, total)
        if advancing and ghosts:
            GhostCursor.objects.update_or_create(
                resource=resource, defaults={"synced_through": max(ghost.updated_at for ghost in ghosts)}
            )


def _reconcile(resource: str, result: SyncResult) -> None:
    """Unpublish here what Ghost no longer lists; only once the whole id listing has been read."""
    upstream = set()
    for items, _total in _pages(resource, {"fields": "id,visibility"}):
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise _garbled(f"to {resource}/?fields=id lists something without an id")
            if _is_public(item):
                upstream.add(item["id"])
    result.unpublished += _unpublish_absent(upstream, is_page=resource == "pages")


def sync(*, full: bool = False, progress: Progress | None = None) -> SyncResult:
    """
    Import what changed in Ghost since the last run (with ``full``, everything), posts and pages,
    then with ``full`` unpublish the imported ones Ghost no longer shows. Posts for Ghost's members
    only are not imported (and unpublished here if they were public before).

    Raises ``RoseAshError`` when Ghost cannot be read at all (settings, key, network, garbled
    answer) or another sync is running: what was written before stays written and the mark stays
    at the last whole page.
    Must not be called inside a transaction: it makes requests. ``progress(resource, done, total)``
    is told of each post.
    """
    if not cache.add(SYNC_LOCK, True, SYNC_LOCK_SECONDS):
        raise RoseAshError("ghost_sync_running", "A Ghost sync is running already: try again when it has ended.")
    try:
        result = SyncResult()
        for resource in RESOURCES:
            _sync_listing(resource, full=full, result=result, progress=progress)
        if full:
            for resource in RESOURCES:
                _reconcile(resource, result)
        return result
    finally:
        cache.delete(SYNC_LOCK)


def sync_one(resource: str, ghost_id: str) -> str:
    """
    Re-read one post or page (a webhook named it) and write it as Ghost now shows it; one Ghost no
    longer shows (or shows to its members only) is unpublished here. Return what was done: created,
    updated, unchanged, unpublished, members_only or absent.
    """
    if resource not in RESOURCES or not GHOST_ID.fullmatch(ghost_id):
        raise RoseAshError("ghost_id_invalid", f"{resource}/{ghost_id} is not a Ghost post or page.")
    answer = _get(f"{resource}/{ghost_id}/", {"include": "authors,tags", "formats": "html"}, missing_ok=True)
    if answer is None:
        return _take_back(ghost_id)
    items = answer.get(resource)
    if not isinstance(items, list) or len(items) != 1:
        raise _garbled(f"to {resource}/{ghost_id}/ does not hold one {resource[:-1]}")
    return _write(_parse(items[0], is_page=resource == "pages"))


# --- Webhooks --------------------------------------------------------------------------------


def _refused(code: str, message: str) -> RoseAshError:
    return RoseAshError(code, message, status=401)


def verify_signature(body: bytes, header: str | None, *, now: float | None = None) -> None:
    """
    Refuse (``RoseAshError``, 401) a webhook unless ``header`` is Ghost's ``X-Ghost-Signature`` of
    ``body``: ``sha256=<hex HMAC-SHA256 of the body followed by the timestamp>, t=<milliseconds>``,
    made with ``GHOST_WEBHOOK_SECRET`` within ``SIGNATURE_MAX_AGE`` of ``now``. The timestamp is
    signed too, so an old delivery cannot be replayed with a fresh one.
    """
    secret = settings.GHOST_WEBHOOK_SECRET
    if not secret:
        raise RoseAshError(
            "ghost_webhooks_off", "Ghost webhooks are not taken here: GHOST_WEBHOOK_SECRET is not set.", status=503
        )
    if not header:
        raise _refused("signature_missing", "X-Ghost-Signature is missing: give the webhook a secret in Ghost.")
    match = SIGNATURE.fullmatch(header.strip())
    if match is None:
        raise _refused("signature_malformed", "X-Ghost-Signature is not of the form sha256=<hex>, t=<milliseconds>.")
    digest, stamp = match.groups()
    expected = hmac.new(secret.encode(), body + stamp.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, digest):
        raise _refused("signature_invalid", "X-Ghost-Signature does not match this body and GHOST_WEBHOOK_SECRET.")
    age = (time.time() if now is None else now) - int(stamp) / 1000
    if abs(age) > SIGNATURE_MAX_AGE.total_seconds():
        raise _refused(
            "signature_stale",
            f"X-Ghost-Signature was made {int(age)} s from now; more than "
            f"{int(SIGNATURE_MAX_AGE.total_seconds())} s either way is refused (a replay, or a clock that is off).",
        )


def webhook_target(body: bytes) -> tuple[str, str]:
    """Return the resource and Ghost id a (verified) webhook body names: ``{"post": {"current": {...}}}``."""
    try:
        payload = json.loads(body)
    except ValueError:
        raise RoseAshError("ghost_webhook_garbled", "The webhook body is not JSON.") from None
    for key, resource in (("post", "posts"), ("page", "pages")):
        event = payload.get(key) if isinstance(payload, dict) else None
        if not isinstance(event, dict):
            continue
        # A deletion has an empty "current": the id is in "previous".
        for version in ("current", "previous"):
            named = event.get(version)
            if isinstance(named, dict) and isinstance(named.get("id"), str) and GHOST_ID.fullmatch(named["id"]):
                return resource, named["id"]
    raise RoseAshError("ghost_webhook_unknown", "The webhook names no post or page: only their events are taken.")
