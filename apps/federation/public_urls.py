"""Routes every host serves (included by ``roseash.urls.site_patterns``): actors, inboxes, collections, discovery."""

from django.urls import path, re_path

from .views import documents as views

app_name = "activitypub"

NAME = r"(?P<name>[^/]{1,100})"

urlpatterns = [
    # Any name reaches the view, so that an impossible one is a negotiated 404 like any unknown actor.
    re_path(rf"^actors/{NAME}$", views.actor, name="actor"),
    re_path(rf"^actors/{NAME}/inbox$", views.inbox, name="inbox"),
    re_path(rf"^actors/{NAME}/(?P<collection>outbox|followers|following)$", views.collection, name="collection"),
    re_path(rf"^actors/{NAME}/(?:notes|objects)/[0-9a-f]{{32}}$", views.note_object, name="note"),
    path("inbox", views.inbox, name="shared-inbox"),
    path(".well-known/webfinger", views.webfinger, name="webfinger"),
    path(".well-known/nodeinfo", views.nodeinfo_links, name="nodeinfo-links"),
    path("nodeinfo/2.1", views.nodeinfo, name="nodeinfo"),
    path(".well-known/host-meta", views.host_meta, name="host-meta"),
]
