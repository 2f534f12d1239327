"""
What the blog does: write, schedule, publish and take back posts, and find what visitors may read.

Every write runs in one transaction with its federation: a post published sends a Create from the
blog actor, an edit of a published post an Update, an unpublish or a deletion a Delete, all through
``apps.federation.services``, whose deliveries start only once the transaction commits. Static pages
(``is_page``) are published on the site but not federated: they are not news.
"""

import datetime
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core import signing
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from apps.core.errors import RoseAshError
from apps.core.sanitize import clean_editorial_html, plain_text
from apps.core.sites import site_url
from apps.federation import services as federation

from . import page_cache
from .models import FormerSlug, Post, Revision, Tag

__all__ = [
    "EDITABLE_FIELDS",
    "PREVIEW_MAX_AGE",
    "create_post",
    "delete_post",
    "fediverse_responses",
    "find_live",
    "live_pages",
    "live_posts",
    "post_for_preview",
    "posts_by",
    "posts_tagged",
    "preview_url",
    "publish_due_posts",
    "publish_post",
    "restore_revision",
    "save_draft",
    "schedule_post",
    "search_posts",
    "tag_named",
    "unpublish_post",
    "update_post",
]

PREVIEW_MAX_AGE = datetime.timedelta(days=7)
PREVIEW_SALT = "blog.preview"
# The fields an editor writes; status and dates change only through publish/schedule/unpublish.
EDITABLE_FIELDS = (
    *("title", "slug", "excerpt", "body", "feature_image_url", "feature_image_alt", "feature_image_caption"),
    *("seo_title", "seo_description", "canonical_url", "featured", "is_page"),
)
REVISED_FIELDS = ("title", "excerpt", "body")
# The text search configuration; the GIN index (migration 0002) is built on the same expression.
SEARCH_CONFIG = "english"


def _post(post_id, *, lock=False):
    queryset = Post.objects.select_for_update() if lock else Post.objects
    try:
        return queryset.get(pk=post_id)
    except Post.DoesNotExist:
        raise RoseAshError("post_unknown", f"There is no post {post_id}.", status=404) from None


def _check_slug(post, slug):
    """Return ``slug`` made safe, refusing one another post has; an old slug of another post is freed."""
    slug = slugify(slug or post.title)[: Post._meta.get_field("slug").max_length]
    if not slug:
        raise RoseAshError("slug_empty", "Give the post a title or a slug made of letters or digits.")
    if Post.objects.filter(slug=slug).exclude(pk=post.pk).exists():
        raise RoseAshError("slug_taken", f"Another post already has the address “{slug}”: choose another slug.")
    # The current slug of one post wins over another's former one: that old URL stops redirecting.
    FormerSlug.objects.filter(slug=slug).exclude(post_id=post.pk).delete()
    return slug


def _clean(fields):
    """Return an editor's fields cleaned: HTML body through nh3, text without markup."""
    cleaned = {name: value for name, value in fields.items() if name in EDITABLE_FIELDS}
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown post fields: {', '.join(sorted(unknown))}")
    for name in ("title", "excerpt", "seo_title", "seo_description", "feature_image_alt", "feature_image_caption"):
        if name in cleaned:
            cleaned[name] = plain_text(cleaned[name], 10_000).strip()
    if "body" in cleaned:
        cleaned["body"] = clean_editorial_html(cleaned["body"] or "")
    return cleaned


def _check(post):
    if not post.title:
        raise RoseAshError("title_empty", "A post needs a title.")
    post.slug = _check_slug(post, post.slug)
    for name in ("title", "seo_title", "seo_description", "feature_image_alt", "feature_image_caption"):
        limit = Post._meta.get_field(name).max_length
        if len(getattr(post, name)) > limit:
            raise RoseAshError("field_too_long", f"The {name.replace('_', ' ')} may be {limit} characters at most.")


def _set_relations(post, tags, author_ids):
    if tags is not None:
        post.tags.set([tag_named(name) for name in tags])
    if author_ids is not None:
        authors = list(get_user_model().objects.filter(pk__in=author_ids))
        if len(authors) != len(set(author_ids)):
            raise RoseAshError("author_unknown", "Every author must be a member.")
        post.authors.set(authors)


def _federate(post):
    """
    Tell the fediverse the post as it now is: published (Create/Update) or not (Delete); and, once
    committed, have visitors' kept pages built anew.
    """
    transaction.on_commit(page_cache.new_edition)
    if post.is_live and not post.is_page:
        federation.publish(post)
    else:
        federation.delete(post)


def tag_named(name: str) -> Tag:
    """Return the tag called ``name``, made on first use."""
    name = plain_text(name, 100).strip()
    slug = slugify(name)
    if not slug:
        raise RoseAshError("tag_empty", f"A tag needs letters or digits; “{name}” has none.")
    # By name first: a tag imported with its source's slug (Ghost's) keeps it.
    tag = Tag.objects.filter(name=name).first()
    if tag is None:
        tag, _ = Tag.objects.get_or_create(slug=slug, defaults={"name": name})
    return tag


def create_post(*, tags: Iterable[str] | None = None, author_ids: Iterable[int] | None = None, **fields) -> Post:
    """Write a draft from an editor's fields (``title``, ``body``, ...), tag names and authors' ids."""
    with transaction.atomic():
        post = Post(**_clean(fields))
        _check(post)
        post.save()
        _set_relations(post, tags, None if author_ids is None else list(author_ids))
    return post


def update_post(
    post_id: int, *, tags: Iterable[str] | None = None, author_ids: Iterable[int] | None = None, **fields
) -> Post:
    """
    Change a post, keeping what it said before as a revision and its old slug as a redirect; a
    published post's followers receive an Update (or a Delete when it became a static page).
    """
    with transaction.atomic():
        post = _post(post_id, lock=True)
        before = {name: getattr(post, name) for name in (*REVISED_FIELDS, "slug", "is_page")}
        for name, value in _clean(fields).items():
            setattr(post, name, value)
        _check(post)
        if any(before[name] != getattr(post, name) for name in REVISED_FIELDS):
            Revision.objects.create(post=post, **{name: before[name] for name in REVISED_FIELDS})
        if before["slug"] != post.slug:
            FormerSlug.objects.update_or_create(slug=before["slug"], defaults={"post": post})
            FormerSlug.objects.filter(slug=post.slug).delete()
        post.save()
        _set_relations(post, tags, None if author_ids is None else list(author_ids))
        if post.is_live or before["is_page"] != post.is_page:
            _federate(post)
    return post


def save_draft(post_id: int | None, *, author_id: int, **fields) -> Post:
    """
    Keep an editor's work in progress (the editor's autosave): a new post is written as a draft, a
    draft or scheduled one is updated. A published post is refused: each save of it would reach
    its followers as an Update, so it is changed only when the editor says so (``update_post``).
    """
    if post_id is None:
        return create_post(author_ids=[author_id], **fields)
    with transaction.atomic():
        if _post(post_id, lock=True).status == Post.Status.PUBLISHED:
            raise RoseAshError(
                "post_published", "This post is published: save your changes with the Save button.", status=409
            )
        return update_post(post_id, **fields)


def publish_post(post_id: int, *, published_at: datetime.datetime | None = None) -> Post:
    """
    Publish a post now, so visitors read it and the blog actor's followers receive it; a post that
    is published already is left as it is (a second click sends nothing). ``published_at`` keeps
    the date a post imported from elsewhere (Ghost) was first published there.
    """
    with transaction.atomic():
        post = _post(post_id, lock=True)
        if post.is_live:
            return post
        _check(post)
        post.status = Post.Status.PUBLISHED
        post.published_at = published_at or timezone.now()
        post.publish_at = None
        post.save(update_fields=["status", "published_at", "publish_at", "updated"])
        _federate(post)
    return post


def schedule_post(post_id: int, publish_at: datetime.datetime) -> Post:
    """Have a draft published at ``publish_at`` (by the ``blog.publish_due_posts`` task)."""
    if timezone.is_naive(publish_at):
        raise RoseAshError("publish_at_naive", "Give the publishing time with its time zone.")
    if publish_at <= timezone.now():
        raise RoseAshError("publish_at_past", "A post is scheduled for a time to come: publish it now instead.")
    with transaction.atomic():
        post = _post(post_id, lock=True)
        _check(post)
        if post.is_live:
            raise RoseAshError("post_published", "This post is published already: unpublish it before scheduling it.")
        post.status = Post.Status.SCHEDULED
        post.publish_at = publish_at
        post.save(update_fields=["status", "publish_at", "updated"])
    return post


def unpublish_post(post_id: int) -> Post:
    """Take a post back to draft: visitors get 404 and the fediverse a Delete."""
    with transaction.atomic():
        post = _post(post_id, lock=True)
        post.status = Post.Status.DRAFT
        post.publish_at = None
        post.published_at = None
        post.save(update_fields=["status", "publish_at", "published_at", "updated"])
        _federate(post)
    return post


def delete_post(post_id: int) -> None:
    """Delete a post with its revisions and old slugs; if it was federated, its followers get a Delete."""
    with transaction.atomic():
        post = _post(post_id, lock=True)
        federation.delete(post)
        post.delete()
        transaction.on_commit(page_cache.new_edition)


def restore_revision(revision_id: int) -> Post:
    """Bring back a revision's title, excerpt and body (what the post said is kept as a revision too)."""
    try:
        revision = Revision.objects.get(pk=revision_id)
    except Revision.DoesNotExist:
        raise RoseAshError("revision_unknown", f"There is no revision {revision_id}.", status=404) from None
    return update_post(revision.post_id, **{name: getattr(revision, name) for name in REVISED_FIELDS})


def publish_due_posts(now: datetime.datetime | None = None) -> int:
    """Publish the scheduled posts whose time has come; return how many. Running it twice publishes none twice."""
    now = now or timezone.now()
    due = Post.objects.filter(status=Post.Status.SCHEDULED, publish_at__lte=now).values_list("pk", flat=True)
    published = 0
    for post_id in due:
        with transaction.atomic():
            # Taken again under a lock: a second run, or an editor's unpublish, may have come first.
            post = Post.objects.select_for_update().filter(pk=post_id, status=Post.Status.SCHEDULED).first()
            if post is None:
                continue
            post.status = Post.Status.PUBLISHED
            post.published_at = post.publish_at
            post.publish_at = None
            post.save(update_fields=["status", "published_at", "publish_at", "updated"])
            _federate(post)
        published += 1
    return published


def live_posts() -> QuerySet[Post]:
    """The posts visitors see, newest first, with their tags and authors."""
    return Post.objects.listed()


def live_pages() -> QuerySet[Post]:
    return Post.objects.live().filter(is_page=True).order_by("title")


def posts_tagged(slug: str) -> tuple[Tag, QuerySet[Post]]:
    """Return the tag at ``slug`` and its live posts; 404 for a tag that does not exist."""
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None:
        raise RoseAshError("tag_unknown", f"There is no tag “{slug}”.", status=404)
    return tag, Post.objects.listed().filter(tags=tag)


def posts_by(username: str):
    """Return the member called ``username`` and the live posts they wrote; 404 if they wrote none."""
    author = get_user_model().objects.filter(username=username, blog_posts__isnull=False).distinct().first()
    if author is None:
        raise RoseAshError("author_unknown", f"No member called “{username}” has written here.", status=404)
    return author, Post.objects.listed().filter(authors=author)


def search_posts(query: str) -> QuerySet[Post]:
    """
    Return live posts matching ``query``: full-text search, best first, on PostgreSQL (with the GIN
    index of migration 0002); a plain substring match elsewhere (SQLite in development).
    """
    posts = Post.objects.listed()
    query = query.strip()
    if not query:
        return posts.none()
    if connection.vendor != "postgresql":
        return posts.filter(Q(title__icontains=query) | Q(excerpt__icontains=query) | Q(body__icontains=query))
    vector = SearchVector("title", "excerpt", "body", config=SEARCH_CONFIG)
    search = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
    return (
        posts.annotate(search=vector)
        .filter(search=search)
        .annotate(rank=SearchRank(vector, search))
        .order_by("-rank", "-published_at")
    )


def find_live(slug: str, *, is_page: bool) -> Post | str:
    """
    Return the live post (or page) at ``slug``, or the URL it moved to when ``slug`` is a former one
    (for a 301). Drafts and scheduled posts are as absent as missing ones: 404.
    """
    post = Post.objects.live().filter(slug=slug, is_page=is_page).prefetch_related("tags", "authors").first()
    if post is not None:
        return post
    moved = FormerSlug.objects.filter(slug=slug, post__in=Post.objects.live().filter(is_page=is_page))
    moved = moved.select_related("post").first()
    if moved is not None:
        return moved.post.get_absolute_url()
    raise RoseAshError("post_unknown", "There is no post at this address.", status=404)


def preview_url(post_id: int) -> str:
    """Return a link to the post as it stands, which anyone holding it may open for ``PREVIEW_MAX_AGE``."""
    post = _post(post_id)
    token = signing.TimestampSigner(salt=PREVIEW_SALT).sign(str(post.pk))
    return site_url("blog", "blog:preview", kwargs={"token": token})


def post_for_preview(token: str) -> Post:
    """Return the post a preview link names; refuse a link that was altered or is too old."""
    signer = signing.TimestampSigner(salt=PREVIEW_SALT)
    try:
        post_id = signer.unsign(token, max_age=PREVIEW_MAX_AGE)
    except signing.SignatureExpired:
        raise RoseAshError("preview_expired", "This preview link has expired: ask for a new one.", status=410) from None
    except signing.BadSignature:
        raise RoseAshError("preview_invalid", "This preview link is not valid.", status=404) from None
    return _post(int(post_id))


def fediverse_responses(post: Post) -> federation.Responses | None:
    """
    Return the fediverse's replies (as comments), likes and boosts of a published post, or None for
    a page or a post never federated. Visitors' kept pages show new ones within a minute (``page_cache``).
    """
    if post.is_page or not post.is_live:
        return None
    return federation.responses_to(post.federation_source())
