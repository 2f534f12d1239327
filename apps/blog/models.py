"""
The blog's rows: posts and static pages, their tags, the slugs they answered to before, revisions.

Rows are written by ``services.py`` only: a body is cleaned there, slugs are checked there, and the
fediverse hears of a change in the same transaction.
"""

import mimetypes

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.html import escape

from apps.core.sites import all_sites, site_url

FEDERATE_AS_CHOICES = ("Article", "Note")


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return site_url("blog", "blog:tag", kwargs={"slug": self.slug})


class PostQuerySet(models.QuerySet):
    def live(self):
        """Posts and pages a visitor may read: published, and not dated in the future."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=timezone.now())

    def listed(self):
        """Live posts (not pages) with what a list shows, in a constant number of queries."""
        return self.live().filter(is_page=False).prefetch_related("tags", "authors").order_by("-published_at", "-pk")


class Post(models.Model):
    """A post, or a static page (``is_page``): pages are not listed, fed nor federated."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        SCHEDULED = "scheduled"
        PUBLISHED = "published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    excerpt = models.TextField(blank=True, help_text="Plain text: the summary in lists, feeds and the fediverse.")
    body = models.TextField(blank=True, help_text="HTML, cleaned on save.")
    feature_image_url = models.URLField("feature image URL", max_length=500, blank=True)
    feature_image_alt = models.CharField("feature image alt text", max_length=300, blank=True)
    feature_image_caption = models.CharField(max_length=300, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")
    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="blog_posts")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    publish_at = models.DateTimeField(null=True, blank=True, help_text="When a scheduled post goes out.")
    published_at = models.DateTimeField(null=True, blank=True)
    seo_title = models.CharField("SEO title", max_length=70, blank=True)
    seo_description = models.CharField("SEO description", max_length=160, blank=True)
    canonical_url = models.URLField("canonical URL", max_length=500, blank=True)
    featured = models.BooleanField(default=False)
    is_page = models.BooleanField("static page", default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    # Set on posts imported from Ghost (``ghost.py``): the id they are upserted by, and the
    # ``updated_at`` of the version we hold, so an unchanged post is not rewritten (nor re-federated).
    ghost_id = models.CharField("Ghost id", max_length=40, unique=True, null=True, blank=True, editable=False)
    ghost_updated_at = models.DateTimeField("updated in Ghost", null=True, blank=True, editable=False)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "is_page", "-published_at"], name="blog_post_listing"),
            models.Index(fields=["status", "publish_at"], name="blog_post_due"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return site_url("blog", "blog:page" if self.is_page else "blog:post", kwargs={"slug": self.slug})

    @property
    def is_live(self):
        return self.status == self.Status.PUBLISHED and self.published_at is not None

    # Federation's ``Publishable``, structurally: the blog actor speaks for the post.

    def federation_site(self):
        return "blog"

    def federation_source(self):
        return f"blog.post:{self.pk}"

    def federation_object(self):
        """
        An ``Article`` by default; a ``Note`` carrying the title and a link when ``BLOG_FEDERATE_AS``
        says so, for servers that drop Articles (Takahe's current release does).
        """
        url = self.get_absolute_url()
        fields = {
            "url": url,
            "published": self.published_at,
            "tag": [
                {"type": "Hashtag", "name": f"#{tag.slug.replace('-', '')}", "href": tag.get_absolute_url()}
                for tag in self.tags.all()
            ],
        }
        if self.feature_image_url:
            # Mastodon shows an Image attachment under the post, with the alt text as its description.
            media_type = mimetypes.guess_type(self.feature_image_url)[0] or ""
            fields["attachment"] = [
                {
                    "type": "Image",
                    "mediaType": media_type if media_type.startswith("image/") else "image/jpeg",
                    "url": self.feature_image_url,
                    "name": self.feature_image_alt,
                }
            ]
        if federate_as() == "Note":
            lines = [f"<p><strong>{escape(self.title)}</strong></p>"]
            if self.excerpt:
                lines.append(f"<p>{escape(self.excerpt)}</p>")
            lines.append(f'<p><a href="{escape(url)}">{escape(url)}</a></p>')
            return {**fields, "type": "Note", "content": "".join(lines)}
        return {**fields, "type": "Article", "name": self.title, "summary": self.excerpt, "content": self.body}


class BlogSettings(models.Model):
    """
    The blog's choices staff make in the admin rather than in the environment: one row (pk 1).

    How posts reach the fediverse is one: an operator's ``BLOG_FEDERATE_AS`` is the default, and
    staff who find that their readers' servers drop Articles switch to Note here, without a deploy.
    """

    federate_as = models.CharField(
        "send posts to the fediverse as",
        max_length=10,
        blank=True,
        choices=[(kind, kind) for kind in FEDERATE_AS_CHOICES],
        help_text="Article keeps title, excerpt and body; Note carries the title and a link, for servers "
        "that drop Articles. Empty: as the BLOG_FEDERATE_AS setting says (Article unless set).",
    )

    class Meta:
        verbose_name = verbose_name_plural = "blog settings"

    def __str__(self):
        return "Blog settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)


def federate_as():
    """The object type posts go out as: the staff's choice, else ``settings.BLOG_FEDERATE_AS``, else Article."""
    chosen = BlogSettings.objects.filter(pk=1).values_list("federate_as", flat=True).first()
    return chosen or configured_federate_as()


def configured_federate_as():
    """The operator's default, ``settings.BLOG_FEDERATE_AS``: "Article" unless set."""
    return getattr(settings, "BLOG_FEDERATE_AS", "Article")


class FormerSlug(models.Model):
    """A slug a post answered to before it was renamed: its old URL answers 301 to the current one."""

    slug = models.SlugField(max_length=200, unique=True)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="former_slugs")

    def __str__(self):
        return self.slug


class Revision(models.Model):
    """What a post said before a save: one row per save that changed its title, excerpt or body."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=200)
    excerpt = models.TextField(blank=True)
    body = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self):
        return f"{self.title} ({self.created:%Y-%m-%d %H:%M})"


class GhostCursor(models.Model):
    """
    How far the Ghost sync has read one listing (posts or pages): the ``updated_at`` of the last
    page it imported whole. Moved only after every post of a page is written, so a failure is retried.
    """

    resource = models.CharField(max_length=10, unique=True)
    synced_through = models.DateTimeField()

    def __str__(self):
        return f"{self.resource} through {self.synced_through:%Y-%m-%d %H:%M:%S}"


def site_choices():
    """The six sites an item may link to the home of, read from settings when a form asks."""
    return [(site.name, site.title) for site in all_sites()]


class Menu(models.Model):
    """
    A named list of links ("main", "footer"): the blog owns the cooperative's navigation.

    The header of every site shows the menu named ``main`` (``navigation.MAIN_MENU``).
    """

    name = models.SlugField(max_length=50, unique=True, help_text="“main” is the header of every site.")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class MenuItem(models.Model):
    """
    One link of a menu, top-level or under one top-level item (never deeper: ``navigation.check_levels``).

    It links to exactly one target: a site's home, a post or page, a tag, or an outside http(s) URL.
    A post or tag deleted leaves the item without a target, and the menu leaves it out until staff
    choose another, rather than deleting the item and whatever hangs under it.
    """

    menu = models.ForeignKey(Menu, on_delete=models.CASCADE, related_name="items")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", help_text="One level only."
    )
    label = models.CharField(max_length=100)
    order = models.PositiveIntegerField(default=0)
    site = models.CharField("site home", max_length=20, choices=site_choices, blank=True)
    post = models.ForeignKey(
        Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="post or page"
    )
    tag = models.ForeignKey(Tag, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    url = models.URLField("outside URL", max_length=500, blank=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return self.label
