"""Admin for federation: cached peers (refresh, forget) and the instance keys (public halves only)."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone

from . import keys, services
from .models import PEER_FRESH_FOR, InstanceKey, PeerActor
from .tasks import enqueue_refresh


class StaleFilter(admin.SimpleListFilter):
    title = "freshness"
    parameter_name = "stale"

    def lookups(self, request, model_admin):
        return [("yes", "Stale (older than a day)"), ("no", "Fresh")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.stale()
        if self.value() == "no":
            return queryset.fresh()
        return queryset


class FailingFilter(admin.SimpleListFilter):
    title = "fetching"
    parameter_name = "failing"

    def lookups(self, request, model_admin):
        return [("yes", "Failing"), ("no", "Healthy")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.failing()
        if self.value() == "no":
            return queryset.filter(failures=0)
        return queryset


@admin.register(PeerActor)
class PeerActorAdmin(admin.ModelAdmin):
    list_display = ["actor_url", "handle", "peer_name", "document_format", "fetched_at", "is_fresh", "failures"]
    list_filter = [StaleFilter, FailingFilter, "document_format"]
    search_fields = ["actor_url", "handle", "name", "peer_name"]
    readonly_fields = [field.name for field in PeerActor._meta.fields]
    actions = ["refresh_now", "forget"]
    date_hierarchy = "fetched_at"

    def has_add_permission(self, request):
        return False  # rows come from fetched documents only

    @admin.display(boolean=True, description="fresh")
    def is_fresh(self, peer):
        return peer.fetched_at >= timezone.now() - PEER_FRESH_FOR

    @admin.action(description="Refresh now (queue a fetch of each)", permissions=["change"])
    def refresh_now(self, request, queryset):
        urls = list(queryset.values_list("actor_url", flat=True))
        transaction.on_commit(lambda: enqueue_refresh(urls))
        self.message_user(request, f"Queued a fetch of {len(urls)} peer(s) on the fetch queue.", messages.SUCCESS)

    @admin.action(description="Forget (delete the row and its cache)", permissions=["delete"])
    def forget(self, request, queryset):
        count = 0
        for peer in queryset:
            services.forget_peer(peer)
            count += 1
        self.message_user(request, f"Forgot {count} peer(s); they are fetched again when next needed.")


@admin.register(InstanceKey)
class InstanceKeyAdmin(admin.ModelAdmin):
    """Read-only, and the private key is never shown: rotate and retire with ``manage.py federation_keys``."""

    list_display = ["name", "created", "retired", "fingerprint"]
    fields = ["name", "created", "retired", "fingerprint", "public_key_pem"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="SHA-256 fingerprint")
    def fingerprint(self, key):
        return keys.fingerprint(key.public_key_pem)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("private_key_pem")
