from django.contrib.sitemaps.views import sitemap
from django.urls import path

from . import feeds, views, views_staff
from .page_cache import for_visitors
from .sitemaps import SITEMAPS

app_name = "blog"

urlpatterns = [
    path("", views.home, name="home"),
    path("posts/<slug:slug>/", views.post, name="post"),
    path("pages/<slug:slug>/", views.page, name="page"),
    path("tags/<slug:slug>/", views.tag, name="tag"),
    path("authors/<str:username>/", views.author, name="author"),
    path("preview/<str:token>/", views.preview, name="preview"),
    path("feed/rss/", for_visitors(feeds.LatestPostsRss()), name="feed-rss"),
    path("feed/atom/", for_visitors(feeds.LatestPostsAtom()), name="feed-atom"),
    path("tags/<slug:slug>/feed/rss/", for_visitors(feeds.TaggedPostsRss()), name="tag-feed-rss"),
    path("tags/<slug:slug>/feed/atom/", for_visitors(feeds.TaggedPostsAtom()), name="tag-feed-atom"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots, name="robots"),
    path("ghost/webhook/", views.ghost_webhook, name="ghost-webhook"),
    # The staff's editor.
    path("editor/", views_staff.post_list, name="editor"),
    path("editor/new/", views_staff.post_edit, name="editor-new"),
    path("editor/<int:post_id>/", views_staff.post_edit, name="editor-edit"),
    path("editor/pictures/", views_staff.upload_picture, name="editor-image"),
    path("editor/autosave/", views_staff.autosave, name="editor-autosave"),
]
