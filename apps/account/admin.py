from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html

from apps.core.errors import RoseAshError

from .models import Address, Issue, IssueDelivery, Newsletter, SSOSession, Subscription, User
from .services import end_sso_session, resend_failed, start_sending


@admin.register(User)
class MemberAdmin(UserAdmin):
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "is_staff",
        "is_active",
        "date_joined",
        "last_login",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "date_joined", "last_login", "groups")
    search_fields = ("username", "email", "first_name", "last_name")
    ordering = ("-date_joined",)
    date_hierarchy = "date_joined"
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "email", "password1", "password2")}),)


@admin.register(SSOSession)
class SSOSessionAdmin(admin.ModelAdmin):
    """Who is signed in where; ending a session here signs its browser out of every site."""

    list_display = ("user", "started_at", "ended_at", "ended_on")
    list_filter = ("ended_at", "ended_on")
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    readonly_fields = ("id", "user", "started_at", "ended_at", "ended_on")
    actions = ["end_sessions"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Sign out everywhere")
    def end_sessions(self, request, queryset):
        ended = sum(end_sso_session(sso.pk, site="admin") for sso in queryset.filter(ended_at__isnull=True))
        self.message_user(request, f"{ended} single sign-on sessions ended.")


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("member", "name", "line1", "postcode", "city", "country", "is_default", "created")
    list_filter = ("country", "is_default")
    search_fields = ("member__username", "member__email", "name", "line1", "postcode", "city")
    list_select_related = ("member",)
    raw_id_fields = ("member",)


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_public", "subscriber_count", "created")
    list_filter = ("is_public",)
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        confirmed = Count("subscriptions", filter=Q(subscriptions__state=Subscription.State.CONFIRMED))
        return super().get_queryset(request).annotate(subscriber_count=confirmed)

    @admin.display(description="subscribers", ordering="subscriber_count")
    def subscriber_count(self, newsletter):
        return newsletter.subscriber_count


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("email", "newsletter", "state", "member", "requested_at", "confirmed_at", "unsubscribed_at")
    list_filter = ("state", "newsletter")
    search_fields = ("email", "member__username")
    list_select_related = ("newsletter", "member")
    raw_id_fields = ("member",)
    readonly_fields = ("requested_at", "confirmed_at", "unsubscribed_at")
    actions = ["unsubscribe_selected"]

    @admin.action(description="Unsubscribe the selected addresses")
    def unsubscribe_selected(self, request, queryset):
        count = queryset.exclude(state=Subscription.State.UNSUBSCRIBED).update(
            state=Subscription.State.UNSUBSCRIBED, unsubscribed_at=timezone.now()
        )
        self.message_user(request, f"{count} subscriptions ended.")


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    """Staff write an issue (its HTML is cleaned when saved), send it, and watch it go out."""

    list_display = ("subject", "newsletter", "state", "progress", "created", "send_started", "send_finished")
    list_filter = ("state", "newsletter")
    search_fields = ("subject", "body_text")
    list_select_related = ("newsletter",)
    readonly_fields = ("state", "send_started", "send_finished", "progress")
    actions = ["send_issues", "resend_to_failed"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.state != Issue.State.DRAFT:
            fields += ["newsletter", "subject", "body_html", "body_text"]  # what went out stays as it went
        return fields

    def get_queryset(self, request):
        """Count each issue's deliveries by state in the list's one query (the progress column)."""
        states = IssueDelivery.State
        return (
            super()
            .get_queryset(request)
            .annotate(
                total=Count("deliveries"),
                sent=Count("deliveries", filter=Q(deliveries__state=states.SENT)),
                failed=Count("deliveries", filter=Q(deliveries__state=states.FAILED)),
                uncertain=Count("deliveries", filter=Q(deliveries__state=states.UNCERTAIN)),
            )
        )

    @admin.display(description="progress")
    def progress(self, issue):
        if issue.pk is None:
            return "-"
        total, sent = getattr(issue, "total", 0), getattr(issue, "sent", 0)
        failed, uncertain = getattr(issue, "failed", 0), getattr(issue, "uncertain", 0)
        if not total:
            return "not sent"
        return format_html(
            '<progress max="{}" value="{}"></progress> {} of {} sent, {} failed, {} interrupted',
            total,
            sent,
            sent,
            total,
            failed,
            uncertain,
        )

    @admin.action(description="Send the selected issues to their subscribers")
    def send_issues(self, request, queryset):
        for issue in queryset:
            try:
                count = start_sending(issue.pk)
            except RoseAshError as error:
                self.message_user(request, error.message, level=messages.WARNING)
            else:
                self.message_user(request, f"“{issue}” is going out to {count} subscribers.")

    @admin.action(description="Resend to failed recipients only")
    def resend_to_failed(self, request, queryset):
        for issue in queryset:
            try:
                count = resend_failed(issue.pk)
            except RoseAshError as error:
                self.message_user(request, error.message, level=messages.WARNING)
            else:
                self.message_user(request, f"“{issue}”: {count} failed recipients are tried again.")


@admin.register(IssueDelivery)
class IssueDeliveryAdmin(admin.ModelAdmin):
    list_display = ("email", "issue", "state", "attempts", "sent_at", "error")
    list_filter = ("state", "issue__newsletter", "issue")
    search_fields = ("email", "issue__subject")
    list_select_related = ("issue",)
    readonly_fields = [field.name for field in IssueDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
