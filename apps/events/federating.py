"""
An event as the fediverse sees it: the events actor's ``Event``, shaped as Mobilizon reads it, and
the answers to peers' Join and Leave (Mobilizon's participation).

An event with several dates goes out as one ``Event`` whose ``startTime`` and ``endTime`` are those
of its next date (its first, once all are past): Mobilizon and Gancio know one date per event. A
remote Join books a place on that date with the event's first free ticket type.
"""

from django.db.models import Q
from django.utils import timezone

from apps.core.errors import RoseAshError
from apps.core.sites import get_site
from apps.federation import services as federation

from . import page_cache
from .bookings import places
from .images import media_type
from .models import Booking, Entry, Event, TicketType

__all__ = ["EventParticipation", "FederatedEvent", "count_changed", "delete", "publish"]

SOURCE_PREFIX = "events.event"


def _iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


def next_entry(event):
    """Return the event's next date not over (cancelled ones count), else its last one."""
    entries = Entry.objects.filter(event=event).order_by("starts_at", "id")
    return entries.filter(ends_at__gte=timezone.now()).first() or entries.last()


def _free_ticket_type(event, entry):
    """Return the first free ticket type for ``entry`` (the event's, or that date's own), or None."""
    return (
        TicketType.objects.select_related("quota")
        .filter(Q(entry__isnull=True) | Q(entry=entry), event=event, price=0)
        .order_by("position", "id")
        .first()
    )


class FederatedEvent:
    """Federation's ``Publishable`` for an ``Event``: spoken for by the events site's actor."""

    def __init__(self, event):
        self.event = event

    def federation_site(self):
        return "events"

    def federation_source(self):
        return f"{SOURCE_PREFIX}:{self.event.pk}"

    def federation_object(self):
        event = self.event
        entry = next_entry(event)
        cancelled = event.status == Event.Status.CANCELLED or (entry is not None and entry.cancelled)
        fields = {
            "type": "Event",
            "name": event.title,
            "url": event.get_absolute_url(),
            "content": event.description or f"<p>{event.summary}</p>",
            "summary": event.summary,
            "timezone": event.timezone,
            "ical:status": "CANCELLED" if cancelled else "CONFIRMED",
            "commentsEnabled": False,
            "anonymousParticipationEnabled": False,
            "isOnline": False,
            "participantCount": places.participant_count(event),
        }
        if entry is not None:
            fields["startTime"] = _iso(entry.starts_at.astimezone(event.zone))
            fields["endTime"] = _iso(entry.ends_at.astimezone(event.zone))
            free = _free_ticket_type(event, entry)
            if free is not None:
                taken = places.taken_places([free.quota_id], [entry.pk]).get((free.quota_id, entry.pk), 0)
                fields["joinMode"] = "free"
                fields["maximumAttendeeCapacity"] = free.quota.size
                fields["remainingAttendeeCapacity"] = max(free.quota.size - taken, 0)
            else:
                fields["joinMode"] = "external"  # tickets are bought on our site
        if event.venue_id:
            venue = event.venue
            fields["location"] = {
                "type": "Place",
                "name": venue.name,
                "address": {
                    "type": "PostalAddress",
                    "streetAddress": venue.street_address,
                    "postalCode": venue.postal_code,
                    "addressLocality": venue.locality,
                    "addressRegion": venue.region,
                    "addressCountry": venue.country,
                },
            }
            if venue.latitude is not None and venue.longitude is not None:
                fields["location"]["latitude"] = float(venue.latitude)
                fields["location"]["longitude"] = float(venue.longitude)
        if event.image:
            fields["attachment"] = [
                {
                    "type": "Image",
                    "mediaType": media_type(event.image.name),
                    "url": _absolute(event.image.url),
                    "name": event.title,
                }
            ]
        return fields


def _absolute(url):
    return url if url.startswith(("http://", "https://")) else get_site("events").origin + url


def publish(event):
    """Send a Create (first time) or an Update of a public event, in the caller's transaction."""
    page_cache.changed()
    return federation.publish(FederatedEvent(event))


def delete(event):
    page_cache.changed()
    return federation.delete(FederatedEvent(event))


def count_changed(event):
    """A place was taken or given back: a public event's followers get its new participant count."""
    if event.is_public:
        federation.publish(FederatedEvent(event))


class EventParticipation:
    """Federation's ``ParticipationHandler`` for our events (registered in ``EventsConfig.ready``)."""

    def _event(self, source):
        _prefix, _, pk = source.partition(":")
        return Event.objects.filter(pk=int(pk) if pk.isdigit() else 0).first()

    def join(self, source, actor_url):
        """Book one free place on the event's next date; False (Reject) when full, paid only or closed."""
        event = self._event(source)
        if event is None:
            return False
        entry = next_entry(event)
        if entry is None:
            return False
        if Booking.objects.filter(entry=entry, actor_url=actor_url, status=Booking.Status.CONFIRMED).exists():
            return True  # joined already: a repeated Join is accepted again
        free = _free_ticket_type(event, entry)
        if free is None:
            return False
        try:
            booking = places.take_places(entry.pk, free.pk, 1, actor_url=actor_url)
        except RoseAshError:
            return False
        places.issue_tickets(booking)
        count_changed(event)
        return True

    def leave(self, source, actor_url):
        event = self._event(source)
        if event is None:
            return False
        found = list(
            Booking.objects.select_for_update().filter(
                entry__event=event, actor_url=actor_url, status=Booking.Status.CONFIRMED
            )
        )
        for booking in found:
            places.release(booking)
        if found:
            count_changed(event)
        return bool(found)
