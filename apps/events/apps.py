from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "apps.events"
    label = "events"
    verbose_name = "Events"

    def ready(self):
        from apps.account import services as account
        from apps.cart import services as cart
        from apps.federation import services as federation

        from . import (
            fragments,  # noqa: F401  (registers the events.upcoming and events.month fragments)
            services,
        )
        from .bookings.purchasables import TicketProvider, refund_ticket
        from .federating import SOURCE_PREFIX, EventParticipation
        from .members.account import erase_member, export_events, render_bookings_section, render_tickets_section

        cart.register_purchasable(TicketProvider())
        # A cancelled paid booking is refunded through its order, once the cancel has committed.
        services.register_refund_handler(refund_ticket)
        federation.register_participation_handler(SOURCE_PREFIX, EventParticipation())
        # The account site shows a member's tickets and bookings, and handles them in their data.
        account.register_dashboard_section(
            account.DashboardSection(key="tickets", title="Tickets", render=render_tickets_section, order=20)
        )
        account.register_dashboard_section(
            account.DashboardSection(key="bookings", title="Bookings", render=render_bookings_section, order=30)
        )
        account.register_member_data(
            account.MemberDataProvider(name="events", export=export_events, erase=erase_member)
        )
