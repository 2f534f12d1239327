from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import SSOSession, User
from .services import end_sso_session


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
