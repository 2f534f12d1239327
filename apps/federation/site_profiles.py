"""
Changing how a site actor presents itself, and telling the peers that follow it.

Peers keep their own copy of every actor they show, and Mastodon refetches one only when told or
after days. So a saved change (name, summary, picture, profile field) is announced to the actor's
followers as an ``Update`` whose object is the actor's new ActivityStreams document. The admin,
which saves through its forms, and ``update_profile`` both end in ``record_change``: one Update per
save that changed something, and once committed the replaced picture files are deleted and this
process forgets its remembered actor (other processes serve the change within a minute).
"""

from django.apps import apps as global_apps
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.errors import RoseAshError
from apps.core.sites import UnknownSite, all_sites, get_site

from . import actors
from .models import PROFILE_FIELDS_MAX, SiteActorField, SiteActorProfile
from .outbound import outbox
from .signing import keys
from .vocabulary import PUBLIC


def create_missing_profiles(apps=global_apps, using="default", **kwargs):
    """Give each site a profile row, so that the admin lists all six before anyone edited one (post_migrate)."""
    try:
        profiles = apps.get_model("federation", "SiteActorProfile")
    except LookupError:  # migrated to a state before the table
        return
    have = set(profiles.objects.using(using).values_list("site", flat=True))
    profiles.objects.using(using).bulk_create(
        [profiles(site=site.name) for site in all_sites() if site.name not in have]
    )


def profile(site) -> SiteActorProfile:
    """Return ``site``'s profile row (made empty if it has none); raise 404 for a site we do not have."""
    try:
        get_site(site)
    except UnknownSite as exc:
        raise RoseAshError("site_unknown", str(exc), status=404) from None
    return SiteActorProfile.objects.get_or_create(site=site)[0]


def update_profile(site, *, name=None, summary=None, icon=None, header=None, fields=None) -> SiteActorProfile:
    """
    Change ``site``'s actor profile and announce it, when anything changed.

    Each value given replaces the stored one: ``icon`` and ``header`` a ``File`` (or ``""`` to
    remove the picture), ``fields`` a list of ``(name, value)`` pairs. Nothing is saved unless every
    value is valid; raise ``RoseAshError`` saying what is not.
    """
    profile(site)
    with transaction.atomic():
        row = SiteActorProfile.objects.select_for_update().get(site=site)
        given = {"name": name, "summary": summary, "icon": icon, "header": header}
        changes = {attr: value for attr, value in given.items() if value is not None and _differs(row, attr, value)}
        for attr, value in changes.items():
            setattr(row, attr, value)
        new_fields = None if fields is None else [SiteActorField(profile=row, name=n, value=v) for n, v in fields]
        _check(row, new_fields)
        if new_fields is not None and _pairs(new_fields) != _pairs(row.profile_fields.all()):
            row.profile_fields.all().delete()
            SiteActorField.objects.bulk_create(new_fields)
            changes["fields"] = new_fields
        if changes:
            row.save()
            record_change(row)
    return row


def _differs(row, attr, value):
    """Return True when ``value`` changes ``row.<attr>``: a new picture always does, removing one if any."""
    if attr in SiteActorProfile.PICTURES:
        return bool(value) or bool(getattr(row, attr))
    return getattr(row, attr) != value


def _pairs(rows):
    return [(row.name, row.value) for row in rows]


def _check(row, fields):
    """Raise ``RoseAshError`` naming what is invalid in ``row`` and its new ``fields`` (None: unchanged)."""
    try:
        row.full_clean()
        if fields is not None:
            if len(fields) > PROFILE_FIELDS_MAX:
                raise ValidationError(f"A profile shows at most {PROFILE_FIELDS_MAX} fields.")
            for field in fields:
                field.full_clean(exclude=["profile"])
    except ValidationError as error:
        raise RoseAshError("profile_invalid", " ".join(error.messages)) from None


def record_change(row):
    """
    Announce a saved change of the profile ``row``, in the caller's transaction.

    Write the ``Update`` of the actor to its followers (delivered once committed); once committed,
    delete the picture files the change replaced and forget this process's remembered actor.
    """
    actor = actors.current_site_actor(row.site)
    document = actors.as_activitystreams(actor, keys.published_keys())
    outbox.emit(actor.id, "Update", document, to=[PUBLIC], cc=[document["followers"]], to_followers=True)
    replaced, storage = row.replaced_pictures(), row.icon.storage

    def after_commit():
        actors.forget_site(row.site)
        for name in replaced:
            storage.delete(name)

    transaction.on_commit(after_commit)
