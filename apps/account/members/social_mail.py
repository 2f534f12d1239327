"""
Mail a member what the social hub notified them of, when they asked to be (``notify_social``).

Only what a person did towards them is mailed: a new follower or follow request, a reply, a
mention. Likes and boosts stay in the hub. One popular post could still bring dozens of replies in
an hour, so at most ``SOCIAL_MAILS_PER_HOUR`` go to one member in an hour; the rest wait in their
notifications, which every mail links to.
"""

from django.conf import settings
from django.template.loader import render_to_string

from apps.core import counting
from apps.core.sites import site_url

from ..mailing import queue_mail
from ..models import User
from .profiles import wants_mail

__all__ = ["SOCIAL_MAILS_PER_HOUR", "mail_notification"]

SOCIAL_MAILS_PER_HOUR = 12
SUBJECTS = {
    "follow": "{name} followed you",
    "follow_request": "{name} asks to follow you",
    "reply": "{name} replied to you",
    "mention": "{name} mentioned you",
}
NAME_CHARS = 80


def mail_notification(member: User, *, kind: str, actor_name: str, actor_url: str, excerpt: str, url: str) -> bool:
    """Queue the mail of one notification; return whether one was queued (asked for, and under the cap)."""
    if kind not in SUBJECTS or not (member.is_active and member.email and wants_mail(member, "social")):
        return False
    if counting.hit(f"account:social-mails:{member.pk}", 3600) > SOCIAL_MAILS_PER_HOUR:
        return False
    name = " ".join(actor_name.split())[:NAME_CHARS] or actor_url  # a peer's name, on one line
    context = {
        "kind": kind,
        "name": name,
        "actor_url": actor_url,
        "excerpt": excerpt,
        "url": url,
        "notifications_url": site_url("federation", "federation:notifications"),
        "preferences_url": site_url("account", "account:preferences"),
        "site_name": settings.ROSEASH_SITE_NAME,
    }
    queue_mail(
        [member.email],
        SUBJECTS[kind].format(name=name),
        render_to_string("account/email/social.txt", context),
        html=render_to_string("account/email/social.html", context),
    )
    return True
