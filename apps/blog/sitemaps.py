"""The blog's sitemap: every live post and page, and the home page."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Post


class PostSitemap(Sitemap):
    def items(self):
        return Post.objects.live().only("slug", "is_page", "updated").order_by("pk")

    def location(self, item):
        return reverse("blog:page" if item.is_page else "blog:post", kwargs={"slug": item.slug})

    def lastmod(self, item):
        return item.updated


class HomeSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return ["blog:home"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {"home": HomeSitemap, "posts": PostSitemap}
