"""
The member's profile (display name, bio, avatar), which is their fediverse actor's, and preferences.

A saved change to the profile is announced to the actor's followers (``federation.services.
member_profile_changed`` writes the ``Update`` in the same transaction); the replaced avatar file is
deleted once committed, since its new upload has a new name.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from apps.core.errors import RoseAshError
from apps.federation import services as federation

from ..models import User

PROFILE_FIELDS = ("display_name", "bio", "avatar")
PREFERENCES = ("notify_orders", "notify_social", "discoverable", "show_follows")
MAIL_TOPICS = {"orders": "notify_orders", "social": "notify_social"}


def _check(member, fields):
    try:
        member.clean_fields(exclude=[f.name for f in member._meta.fields if f.name not in fields])
    except ValidationError as error:
        raise RoseAshError("profile_invalid", " ".join(error.messages)) from None


def update_profile(
    member: User,
    *,
    display_name: str | None = None,
    bio: str | None = None,
    avatar: File | None = None,
    remove_avatar: bool = False,
) -> tuple[User, bool]:
    """
    Change the member's profile; return the member and whether anything changed.

    ``avatar`` is a new uploaded file (checked to be a real picture); ``remove_avatar`` drops the
    current one. Nothing is saved unless every value is valid: ``RoseAshError`` says what is not.
    """
    User = get_user_model()
    with transaction.atomic():
        row = User.objects.select_for_update().get(pk=member.pk)
        old_avatar, storage = row.avatar.name, row.avatar.storage
        changed = []
        for name, value in (("display_name", display_name), ("bio", bio)):
            if value is not None and getattr(row, name) != value.strip():
                setattr(row, name, value.strip())
                changed.append(name)
        if avatar:
            row.avatar = avatar
            changed.append("avatar")
        elif remove_avatar and old_avatar:
            row.avatar = ""
            changed.append("avatar")
        if not changed:
            return row, False
        _check(row, changed)
        row.save(update_fields=changed)
        federation.member_profile_changed(row)
        if "avatar" in changed and old_avatar:
            transaction.on_commit(lambda: storage.delete(old_avatar))
    return row, True


def wants_mail(member: User, about: str) -> bool:
    """
    Whether the member asked for mail ``about`` ``"orders"`` (a later word on an order or ticket;
    a receipt goes regardless) or ``"social"`` (new followers, replies and mentions).
    """
    return getattr(member, MAIL_TOPICS[about])


def update_preferences(member: User, **preferences: bool) -> User:
    """
    Change the member's notification and privacy preferences (unknown names are a programming error).

    ``discoverable`` is published in the member's actor document, so changing it sends an Update;
    ``show_follows`` empties the pages of their followers and following collections (the counts stay).
    """
    unknown = set(preferences) - set(PREFERENCES)
    if unknown:
        raise TypeError(f"Unknown preferences: {sorted(unknown)}")
    values = {name: bool(value) for name, value in preferences.items()}
    with transaction.atomic():
        row = get_user_model().objects.select_for_update().get(pk=member.pk)
        changed = [name for name, value in values.items() if getattr(row, name) != value]
        for name in changed:
            setattr(row, name, values[name])
            setattr(member, name, values[name])
        if changed:
            row.save(update_fields=changed)
        if "discoverable" in changed:  # it is part of the actor's document: peers hear of it
            federation.member_profile_changed(row)
        elif "show_follows" in changed:  # only our collections show it
            federation.member_privacy_changed(row)
    return member
