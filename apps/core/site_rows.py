"""Keep ``django.contrib.sites`` rows in step with the configured domain."""

from django.apps import apps as global_apps

from .sites import all_sites, portal


def sync_site_rows(apps=global_apps, **kwargs):
    """
    Give the portal and each site a ``Site`` row with its current host.

    Ids are fixed (1 the portal, then the sites in settings order) so a change of domain updates
    the rows in place, and ``get_current_site(request)`` finds the row by the request's host.
    """
    Site = apps.get_model("sites", "Site")
    for site_id, site in enumerate((portal(), *all_sites()), start=1):
        Site.objects.update_or_create(id=site_id, defaults={"domain": site.host, "name": site.title})
