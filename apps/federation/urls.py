"""Routes of federation.<domain> itself: the social hub (see ``views/hub.py``)."""

from django.urls import path

from .views import hub as hub_views

app_name = "federation"

urlpatterns = [
    path("", hub_views.home, name="home"),
    path("local", hub_views.local, name="local"),
    path("compose", hub_views.compose, name="compose"),
    path("notes/<int:note_id>", hub_views.note, name="note"),
    path("notes/<int:note_id>/reply", hub_views.compose, name="reply"),
    path("notes/<int:note_id>/like", hub_views.react, {"reaction": "like"}, name="like"),
    path("notes/<int:note_id>/unlike", hub_views.react, {"reaction": "like", "undo": True}, name="unlike"),
    path("notes/<int:note_id>/boost", hub_views.react, {"reaction": "boost"}, name="boost"),
    path("notes/<int:note_id>/unboost", hub_views.react, {"reaction": "boost", "undo": True}, name="unboost"),
    path("follow", hub_views.follow, name="follow"),
    path("unfollow", hub_views.unfollow, name="unfollow"),
    path("followers", hub_views.people, {"which": "followers"}, name="followers"),
    path("following", hub_views.people, {"which": "following"}, name="following"),
    path("follow-requests", hub_views.follow_requests, name="follow-requests"),
    path(
        "follow-requests/<int:follow_id>/approve",
        hub_views.decide_follow,
        {"decision": "approve"},
        name="approve-follow",
    ),
    path(
        "follow-requests/<int:follow_id>/reject",
        hub_views.decide_follow,
        {"decision": "reject"},
        name="reject-follow",
    ),
    path("settings/followers", hub_views.follower_policy, name="follower-policy"),
    path("notifications", hub_views.notifications, name="notifications"),
    path("notifications/read", hub_views.mark_read, name="mark-read"),
]
