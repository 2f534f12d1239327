from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.core.demo import SeedStep, load_fixture, register
from apps.core.sites import site_url

from .services import Issue, Newsletter, Subscription, sync_sso_clients


@register
class Members(SeedStep):
    """Demo members and one staff account; passwords are set only when a member is first created."""

    label = "members"
    order = 10

    def items(self):
        return load_fixture("members")

    def apply(self, item):
        User = get_user_model()
        member, created = User.objects.get_or_create(
            username=item["username"],
            defaults={
                "email": item["email"],
                "first_name": item.get("first_name", ""),
                "last_name": item.get("last_name", ""),
                "is_staff": item.get("is_staff", False),
                "is_superuser": item.get("is_superuser", False),
            },
        )
        if created:
            member.set_password(item["password"])
            member.save(update_fields=["password"])

    def notes(self):
        staff = [item for item in load_fixture("members") if item.get("is_staff")]
        return [f"Staff sign-in for /admin/: {item['username']} / {item['password']}" for item in staff]


@register
class SingleSignOnClients(SeedStep):
    """Register the five client sites with the federation site, so `make run` can sign in at once."""

    label = "single sign-on clients"
    order = 5

    def items(self):
        return ["all"]

    def apply(self, item):
        sync_sso_clients()


@register
class Newsletters(SeedStep):
    """Two newsletters with a few confirmed subscribers and a draft issue to send from the admin."""

    label = "newsletters"
    order = 15

    def items(self):
        return load_fixture("newsletters")

    def apply(self, item):
        newsletter, _ = Newsletter.objects.get_or_create(
            slug=item["slug"], defaults={"name": item["name"], "description": item["description"]}
        )
        now = timezone.now()
        for email in item["subscribers"]:
            Subscription.objects.get_or_create(
                newsletter=newsletter,
                email=email,
                defaults={"state": Subscription.State.CONFIRMED, "requested_at": now, "confirmed_at": now},
            )
        if "issue" in item:
            Issue.objects.get_or_create(newsletter=newsletter, subject=item["issue"]["subject"], defaults=item["issue"])

    def notes(self):
        page = site_url("account", "account:newsletters")
        return [f"Newsletters: {page}; send the demo's draft issue from /admin/account/issue/"]
