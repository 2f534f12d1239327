"""
Admin for federation: cached peers (refresh, forget), the instance keys (public halves only), the
activities sent and received and their deliveries (state, filters, a retry action), the social
rows (follows, notes) read-only, and the site actors' profiles (edited by staff, announced to
followers).
"""

from django.contrib import admin, messages
from django.db import transaction
from django.template.defaultfilters import truncatechars
from django.utils import timezone
from django.utils.html import format_html

from . import services, site_profiles
from .models import (
    PEER_FRESH_FOR,
    PROFILE_FIELDS_MAX,
    APActivity,
    Delivery,
    Follow,
    InstanceKey,
    Note,
    PeerActor,
    SiteActorField,
    SiteActorProfile,
)
from .outbound import outbox
from .signing import keys
from .tasks import enqueue_refresh, queue_work


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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the protocol: shown, filtered and searched, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        """Retrying is a change to the row's state: it takes the model's change permission."""
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ["inbox", "state", "attempts", "last_status", "last_error", "next_attempt_at", "delivered_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(APActivity)
class APActivityAdmin(ReadOnlyAdmin):
    list_display = ["activity_id", "direction", "type", "actor_url", "state", "created", "processed_at"]
    list_filter = ["direction", "state", "type"]
    search_fields = ["activity_id", "actor_url", "object_id"]
    readonly_fields = [field.name for field in APActivity._meta.fields]
    date_hierarchy = "created"
    inlines = [DeliveryInline]
    actions = ["retry"]

    @admin.action(description="Retry (process again, or deliver again what did not arrive)", permissions=["retry"])
    def retry(self, request, queryset):
        inbound = list(queryset.inbound().exclude(state=APActivity.State.DONE).values_list("activity_id", flat=True))
        outbound = list(queryset.outbound().values_list("pk", flat=True))
        # A retry starts the row afresh: a row that gave up fetching gets its full number of tries again.
        APActivity.objects.filter(activity_id__in=inbound).update(state=APActivity.State.PENDING, error="", attempts=0)
        again = outbox.retry(Delivery.objects.filter(activity__in=outbound))
        pending = list(queryset.outbound().filter(state=APActivity.State.PENDING).values_list("pk", flat=True))

        transaction.on_commit(lambda: queue_work(inbound=inbound, outbound=pending, deliveries=again))
        self.message_user(
            request, f"Queued {len(inbound)} activity(ies) to process and {len(again)} delivery(ies).", messages.SUCCESS
        )


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["inbox", "activity_type", "state", "attempts", "last_status", "next_attempt_at", "delivered_at"]
    list_filter = ["state", "host"]
    search_fields = ["inbox", "host", "activity__activity_id"]
    readonly_fields = [field.name for field in Delivery._meta.fields]
    list_select_related = ["activity"]
    actions = ["retry"]

    @admin.display(description="activity")
    def activity_type(self, delivery):
        return delivery.activity.type

    @admin.action(description="Retry now", permissions=["retry"])
    def retry(self, request, queryset):
        ids = outbox.retry(queryset)
        transaction.on_commit(lambda: queue_work(deliveries=ids))
        self.message_user(request, f"Queued {len(ids)} delivery(ies) on the delivery queue.", messages.SUCCESS)


@admin.register(Follow)
class FollowAdmin(ReadOnlyAdmin):
    list_display = ["follower_url", "followee_url", "state", "created", "decided_at"]
    list_filter = ["state"]
    search_fields = ["follower_url", "followee_url"]
    readonly_fields = [field.name for field in Follow._meta.fields]


@admin.register(Note)
class NoteAdmin(ReadOnlyAdmin):
    list_display = ["object_id", "kind", "author_url", "visibility", "is_local", "published", "deleted"]
    list_filter = ["is_local", "kind", "visibility"]
    search_fields = ["object_id", "author_url", "content"]
    readonly_fields = [field.name for field in Note._meta.fields]
    list_select_related = []


class SiteActorFieldInline(admin.TabularInline):
    model = SiteActorField
    extra = 0
    max_num = PROFILE_FIELDS_MAX

    def get_formset(self, request, obj=None, **kwargs):
        """Refuse more than ``max_num`` fields when saving, not only offer no more in the page."""
        return super().get_formset(request, obj, validate_max=True, **kwargs)


@admin.register(SiteActorProfile)
class SiteActorProfileAdmin(admin.ModelAdmin):
    """One row per site, made by ``migrate``: edited, never added or deleted. A change is announced to followers."""

    list_display = ["site", "icon_preview", "name", "summary_start", "has_header", "updated"]
    list_display_links = ["site", "icon_preview"]
    search_fields = ["site", "name", "summary"]
    fields = ["site", "name", "summary", "icon", "header"]
    readonly_fields = ["site"]
    inlines = [SiteActorFieldInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="icon")
    def icon_preview(self, profile):
        if not profile.icon:
            return None  # the admin's empty value
        return format_html('<img src="{}" alt="" width="32" height="32">', profile.icon.url)

    @admin.display(description="summary")
    def summary_start(self, profile):
        return truncatechars(profile.summary, 80)

    @admin.display(boolean=True, description="header")
    def has_header(self, profile):
        return bool(profile.header)

    def save_related(self, request, form, formsets, change):
        """Once the profile and its fields are saved, announce the change (in the same transaction)."""
        super().save_related(request, form, formsets, change)
        if form.has_changed() or any(formset.has_changed() for formset in formsets):
            site_profiles.record_change(form.instance)
