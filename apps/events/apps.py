from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "apps.events"
    label = "events"
    verbose_name = "Events"

    def ready(self):
        from apps.cart import services as cart
        from apps.federation import services as federation

        from . import fragments  # noqa: F401  (registers the events.upcoming and events.month fragments)
        from .federating import SOURCE_PREFIX, EventParticipation
        from .purchasables import TicketProvider

        cart.register_purchasable(TicketProvider())
        federation.register_participation_handler(SOURCE_PREFIX, EventParticipation())
