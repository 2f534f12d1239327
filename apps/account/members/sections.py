"""
Sections other apps add to the member's dashboard (orders from the cart, tickets and bookings from
events), without the account app knowing their models.

An app registers a section in its ``AppConfig.ready()`` through ``account.services``::

    register_dashboard_section(DashboardSection("orders", "Your orders", render_orders, order=10))

``render(request, member)`` returns the section's HTML (escaped by the app that renders it), and
must read only ``member``'s own data. The dashboard shows the sections in ``order``: the cart's
``orders`` (state and lines), the events' ``tickets`` (QR code, resend by email) and ``bookings``
(cancel within the window), each linking to its own site for actions.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

__all__ = ["DashboardSection", "dashboard_sections", "register_dashboard_section", "rendered_sections"]


@dataclass(frozen=True)
class DashboardSection:
    key: str
    title: str
    render: Callable[[HttpRequest, object], str]
    order: int = 50


_sections: dict[str, DashboardSection] = {}


def register_dashboard_section(section: DashboardSection) -> None:
    """Add (or replace, by ``key``) a dashboard section."""
    _sections[section.key] = section


def dashboard_sections() -> list[DashboardSection]:
    return sorted(_sections.values(), key=lambda section: (section.order, section.key))


@dataclass(frozen=True)
class RenderedSection:
    key: str
    title: str
    html: SafeString


def rendered_sections(request: HttpRequest, member) -> list[RenderedSection]:
    """Render every registered section for ``member``: the HTML each app's own template escaped."""
    return [
        RenderedSection(section.key, section.title, mark_safe(section.render(request, member)))  # noqa: S308
        for section in dashboard_sections()
    ]
