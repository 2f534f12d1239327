"""
Demo posts and pages for ``manage.py seed_demo``, written and published through the services, so
the demo blog actor's outbox holds them as real posts' Creates.

A post whose slug exists already is left alone: seeding again changes nothing and sends nothing.
"""

from django.contrib.auth import get_user_model
from django.utils.text import slugify

from apps.core.demo import SeedStep, load_fixture, register

from . import services
from .models import Post


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
