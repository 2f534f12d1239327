from django.contrib.auth import get_user_model

from apps.core.demo import SeedStep, load_fixture, register

from .services import sync_sso_clients


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
