"""
A member's own data: the export of everything we hold about them, and the deletion of their account.

Other apps hold data about members too (the cart's orders, the events' bookings). Each registers,
in its ``AppConfig.ready()`` through ``account.services``, a ``MemberDataProvider``: ``export``
returns its part of the JSON download, and ``erase`` runs inside the deletion's transaction (the
cart anonymises orders it must keep for accounting instead of deleting them). Federation is asked
through its own services.

Deleting an account keeps the row, emptied: its id is what kept orders and federated notes point
at, and its username stays taken, because peers still know the handle and its key (a new member
under the old handle would inherit the old one's followers' trust). Everything else personal goes.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_grant_model, get_id_token_model, get_refresh_token_model

from apps.core.errors import RoseAshError
from apps.federation import services as federation

from ..models import Address, SSOSession, Subscription, User

__all__ = ["MemberDataProvider", "delete_account", "export_member_data", "register_member_data"]

EXPORT_VERSION = 1


@dataclass(frozen=True)
class MemberDataProvider:
    name: str
    export: Callable[[Any], Any]
    erase: Callable[[Any], None] | None = None


_providers: dict[str, MemberDataProvider] = {}


def register_member_data(provider: MemberDataProvider) -> None:
    """Add (or replace, by ``name``) what another app exports about a member and how it forgets them."""
    _providers[provider.name] = provider


def _check_password(member, password):
    if not member.is_authenticated or not member.check_password(password or ""):
        raise RoseAshError("password_wrong", "That is not your password.", status=403)


def _when(value):
    return value.isoformat() if value else None


def export_member_data(member: User, password: str) -> dict:
    """Return everything the platform holds about ``member`` as JSON-ready values; 403 for a wrong password."""
    _check_password(member, password)
    data = {
        "format": f"roseash-member-export/{EXPORT_VERSION}",
        "exported_at": timezone.now().isoformat(),
        "member": {
            "id": member.pk,
            "username": member.username,
            "email": member.email,
            "first_name": member.first_name,
            "last_name": member.last_name,
            "display_name": member.display_name,
            "bio": member.bio,
            "avatar": member.avatar.url if member.avatar else None,
            "date_joined": _when(member.date_joined),
            "last_login": _when(member.last_login),
            "preferences": {
                "notify_orders": member.notify_orders,
                "notify_social": member.notify_social,
                "discoverable": member.discoverable,
                "show_follows": member.show_follows,
            },
        },
        "addresses": [
            {
                "name": a.name,
                "line1": a.line1,
                "line2": a.line2,
                "postcode": a.postcode,
                "city": a.city,
                "country": a.country,
                "phone": a.phone,
                "is_default": a.is_default,
                "created": _when(a.created),
            }
            for a in Address.objects.filter(member=member)
        ],
        "newsletter_subscriptions": [
            {
                "newsletter": s.newsletter.name,
                "email": s.email,
                "state": s.state,
                "requested_at": _when(s.requested_at),
                "confirmed_at": _when(s.confirmed_at),
                "unsubscribed_at": _when(s.unsubscribed_at),
            }
            for s in Subscription.objects.filter(member=member).select_related("newsletter")
            | Subscription.objects.filter(email__iexact=member.email).select_related("newsletter")
        ],
        "sign_ins": [
            {"started": _when(s.started_at), "ended": _when(s.ended_at), "ended_on": s.ended_on}
            for s in SSOSession.objects.filter(user=member)
        ],
        "fediverse": federation.member_data(member),
    }
    for name, provider in sorted(_providers.items()):
        data[name] = provider.export(member)
    return data


def _sign_out_everywhere(member):
    """End every SSO session (each site ends its own at its next request), session and OAuth token of ``member``."""
    now = timezone.now()
    SSOSession.objects.filter(user=member, ended_at__isnull=True).update(ended_at=now, ended_on="account deleted")
    user_id = str(member.pk)
    doomed = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=now).iterator(chunk_size=2000)
        if session.get_decoded().get("_auth_user_id") == user_id
    ]
    Session.objects.filter(pk__in=doomed).delete()
    get_refresh_token_model().objects.filter(user=member).delete()
    get_access_token_model().objects.filter(user=member).delete()
    get_id_token_model().objects.filter(user=member).delete()
    get_grant_model().objects.filter(user=member).delete()


def delete_account(member: User, password: str) -> None:
    """
    Delete ``member``'s account: 403 for a wrong password.

    In one transaction: other apps erase or anonymise their part, the fediverse actor sends
    ``Delete`` to its followers, addresses and subscriptions go, the row is emptied and
    deactivated, and the member is signed out of every site and every OAuth client.
    """
    _check_password(member, password)
    User = get_user_model()
    with transaction.atomic():
        row = User.objects.select_for_update().get(pk=member.pk)
        if row.deleted_at is not None:
            raise RoseAshError("account_deleted", "This account is deleted already.", status=410)
        for _name, provider in sorted(_providers.items()):
            if provider.erase is not None:
                provider.erase(row)
        federation.member_removed(row)
        Address.objects.filter(member=row).delete()
        Subscription.objects.filter(member=row).delete()
        Subscription.objects.filter(email__iexact=row.email).delete()
        avatar_name, storage = row.avatar.name, row.avatar.storage
        row.email = f"deleted-{row.pk}@deleted.invalid"
        row.first_name = row.last_name = row.display_name = row.bio = ""
        row.avatar = ""
        row.is_active = row.is_staff = row.is_superuser = False
        row.deleted_at = timezone.now()
        row.set_unusable_password()
        row.save()
        row.groups.clear()
        row.user_permissions.clear()
        _sign_out_everywhere(row)
        if avatar_name:
            transaction.on_commit(lambda: storage.delete(avatar_name))
