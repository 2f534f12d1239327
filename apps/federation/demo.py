"""
Demo data of federation for ``manage.py seed_demo``: each site actor gets a face.

A profile is filled in only where it is empty, so seeding again changes nothing (and sends no
``Update``), and never undoes what staff changed in the admin.
"""

from django.conf import settings
from django.core.files import File

from apps.core.demo import SeedStep, load_fixture, register
from apps.core.sites import get_site

from . import site_profiles

ICONS = settings.BASE_DIR / "fixtures" / "demo" / "site_actors"


@register
class SiteActorFaces(SeedStep):
    """An icon (fixtures/demo/site_actors/<site>.png), a summary and a few profile fields per site actor."""

    label = "site actor profiles"
    order = 20

    def items(self):
        return load_fixture("site_actors")

    def apply(self, item):
        site = item["site"]
        current = site_profiles.profile(site)
        website = [("Website", get_site(site).origin + "/")]
        with open(ICONS / f"{site}.png", "rb") as icon:
            site_profiles.update_profile(
                site,
                summary=None if current.summary else item["summary"],
                icon=None if current.icon else File(icon, name=f"{site}.png"),
                fields=None if current.profile_fields.exists() else website + [tuple(pair) for pair in item["fields"]],
            )
