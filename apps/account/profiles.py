"""
The member's profile (display name, bio, avatar), which is their fediverse actor's, and preferences.

A saved change to the profile is announced to the actor's followers (``federation.services.
member_profile_changed`` writes the ``Update`` in the same transaction); the replaced avatar file is
deleted once committed, since its new upload has a new name.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.errors import RoseAshError
from apps.federation import services as federation

PROFILE_FIELDS = ("display_name", "bio", "avatar")
PREFERENCES = ("notify_orders", "notify_social", "discoverable", "show_follows")


def _check(member, fields):
    try:
        member.clean_fields(exclude=[f.name for f in member._meta.fields if f.name not in fields])
    except ValidationError as error:
        raise RoseAshError("profile_invalid", " ".join(error.messages)) from None


def update_profile(member, *, display_name=None, bio=None, avatar=None, remove_avatar=False):
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


def update_preferences(member, **preferences):
    """Change the member's notification and privacy preferences (unknown names are a programming error)."""
    unknown = set(preferences) - set(PREFERENCES)
    if unknown:
        raise TypeError(f"Unknown preferences: {sorted(unknown)}")
    User = get_user_model()
    User.objects.filter(pk=member.pk).update(**{name: bool(value) for name, value in preferences.items()})
    for name, value in preferences.items():
        setattr(member, name, bool(value))
    return member
