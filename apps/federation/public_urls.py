"""Routes every host serves (included by ``roseash.urls.site_patterns``): actors and discovery documents."""

from django.urls import path, re_path

from . import views

app_name = "activitypub"

urlpatterns = [
    # Any name reaches the view, so that an impossible one is a negotiated 404 like any unknown actor.
    re_path(r"^actors/(?P<name>[^/]{1,100})$", views.actor, name="actor"),
    path(".well-known/webfinger", views.webfinger, name="webfinger"),
    path(".well-known/nodeinfo", views.nodeinfo_links, name="nodeinfo-links"),
    path("nodeinfo/2.1", views.nodeinfo, name="nodeinfo"),
    path(".well-known/host-meta", views.host_meta, name="host-meta"),
]
