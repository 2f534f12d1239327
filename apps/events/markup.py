"""
What an event page tells machines: a schema.org ``Event`` in JSON-LD (search engines' event
listings read startDate, location, offers and eventStatus).
"""

import json

from django.utils import timezone
from django.utils.safestring import mark_safe

__all__ = ["event_json_ld", "json_ld"]

SCHEMA = "https://schema.org/"
# As django.utils.html.json_script escapes: text in a <script> element cannot end it or open a comment.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
MAX_SUB_EVENTS = 20


def _place(venue):
    return {
        "@type": "Place",
        "name": venue.name,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": venue.street_address,
            "postalCode": venue.postal_code,
            "addressLocality": venue.locality,
            "addressRegion": venue.region,
            "addressCountry": venue.country,
        },
    }


def _status(event, entry):
    if entry is None or entry.cancelled:
        return SCHEMA + "EventCancelled" if entry is not None else SCHEMA + "EventScheduled"
    return SCHEMA + ("EventRescheduled" if entry.moved else "EventScheduled")


def event_json_ld(event, url, offers):
    """Return the ``Event`` of ``event`` (its next date; the others as ``subEvent``s) with its ``Offer``s."""
    entries = list(event.entries.all())
    upcoming = [entry for entry in entries if entry.ends_at >= timezone.now()] or entries[-1:]
    entry = upcoming[0] if upcoming else None
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "url": url,
        "description": event.summary,
        "eventAttendanceMode": SCHEMA + "OfflineEventAttendanceMode",
        "eventStatus": SCHEMA + "EventCancelled" if event.status == "cancelled" else _status(event, entry),
    }
    if entry is not None:
        data["startDate"] = entry.local_start.isoformat()
        data["endDate"] = entry.local_end.isoformat()
    if event.venue_id:
        data["location"] = _place(event.venue)
    if event.organiser:
        data["organizer"] = {"@type": "Organization", "name": event.organiser}
    if event.image:
        data["image"] = [event.image.url]
    data["offers"] = [
        {
            "@type": "Offer",
            "name": offer.ticket_type.name,
            "price": str(offer.ticket_type.price),
            "priceCurrency": offer.ticket_type.currency,
            "availability": SCHEMA + ("InStock" if offer.bookable else "SoldOut"),
            "url": url,
            **({"validFrom": offer.ticket_type.sales_start.isoformat()} if offer.ticket_type.sales_start else {}),
        }
        for offer in offers
        if entry is not None and offer.entry.pk == entry.pk
    ]
    if len(upcoming) > 1:
        data["subEvent"] = [
            {
                "@type": "Event",
                "name": event.title,
                "startDate": each.local_start.isoformat(),
                "endDate": each.local_end.isoformat(),
                "eventStatus": _status(event, each),
                **({"location": _place(event.venue)} if event.venue_id else {}),
            }
            for each in upcoming[1 : MAX_SUB_EVENTS + 1]
        ]
    return data


def json_ld(data):
    """Return ``data`` as a ``<script type="application/ld+json">`` element, safe inside HTML."""
    text = json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308  (escaped above)
