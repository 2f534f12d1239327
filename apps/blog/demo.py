"""
Demo posts and pages for ``manage.py seed_demo``, written and published through the services, so
the demo blog actor's outbox holds them as real posts' Creates.

A post whose slug exists already is left alone: seeding again changes nothing and sends nothing.
"""

from django.contrib.auth import get_user_model
from django.utils.text import slugify

from apps.core.demo import SeedStep, load_fixture, register

from . import navigation, services
from .models import Menu, Post, Tag


@register
class DemoPosts(SeedStep):
    label = "blog posts"
    order = 30  # after the members who write them and the blog actor's profile

    def items(self):
        return load_fixture("blog_posts")

    def apply(self, item):
        slug = item.get("slug") or slugify(item["title"])
        if Post.objects.filter(slug=slug).exists():
            return
        authors = get_user_model().objects.filter(username__in=item.get("authors", []))
        post = services.create_post(
            title=item["title"],
            slug=slug,
            excerpt=item["excerpt"],
            body=item["body"],
            featured=item.get("featured", False),
            is_page=item.get("is_page", False),
            tags=item.get("tags", []),
            author_ids=list(authors.values_list("pk", flat=True)),
        )
        services.publish_post(post.pk)


@register
class DemoMenu(SeedStep):
    """The main menu of every site's header (``fixtures/demo/blog_menu.json``), once: staff own it after."""

    label = "blog menu"
    order = 31  # after the pages and tags it links to

    def items(self):
        return [load_fixture("blog_menu")]

    def apply(self, item):
        if Menu.objects.filter(name=navigation.MAIN_MENU).exists():
            return
        navigation.create_menu(navigation.MAIN_MENU, [self._entry(record) for record in item])

    def _entry(self, record):
        """Name a page by slug and a tag by slug in the fixture; the service takes their ids."""
        page = Post.objects.filter(slug=record["page"]).first() if "page" in record else None
        tag = Tag.objects.filter(slug=record["tag"]).first() if "tag" in record else None
        return navigation.MenuEntry(
            label=record["label"],
            site=record.get("site", ""),
            post_id=page.pk if page else None,
            tag_id=tag.pk if tag else None,
            url=record.get("url", ""),
            children=tuple(self._entry(child) for child in record.get("children", ())),
        )
