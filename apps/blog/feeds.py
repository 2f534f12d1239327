"""RSS and Atom feeds of the latest posts, for the whole blog and for each tag."""

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

from apps.core.sites import site_url

from . import services

ITEMS = 20


class LatestPostsRss(Feed):
    title = "Rose Ash Blog"
    description = "Stories, news and notes from the Rose Ash cooperative."

    def link(self):
        return site_url("blog", "blog:home")

    def items(self):
        return services.live_posts()[:ITEMS]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.body or item.excerpt

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated

    def item_author_name(self, item):
        return ", ".join(author.get_full_name() or author.username for author in item.authors.all()) or None

    def item_categories(self, item):
        return [tag.name for tag in item.tags.all()]


class LatestPostsAtom(LatestPostsRss):
    feed_type = Atom1Feed
    subtitle = LatestPostsRss.description


class TaggedPostsRss(LatestPostsRss):
    def get_object(self, request, slug):
        return services.posts_tagged(slug)

    def title(self, obj):
        return f"Rose Ash Blog: {obj[0].name}"

    def description(self, obj):
        return f"Posts of the Rose Ash cooperative tagged “{obj[0].name}”."

    def link(self, obj):
        return obj[0].get_absolute_url()

    def items(self, obj):
        return obj[1][:ITEMS]


class TaggedPostsAtom(TaggedPostsRss):
    feed_type = Atom1Feed

    def subtitle(self, obj):
        return self.description(obj)
