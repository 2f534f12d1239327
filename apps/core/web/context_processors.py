from ..sites import all_sites, get_site, portal


def sites(request):
    """Give every template the current site and the navigation across the six."""
    name = getattr(request, "site_name", None)
    return {
        "current_site": get_site(name) if name is not None else portal(),
        "site_nav": all_sites(),
        "portal_site": portal(),
    }
