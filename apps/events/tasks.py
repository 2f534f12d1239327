"""The events' periodic work: endless series get their next dates as time passes."""

from celery import shared_task

from .services import extend_series

__all__ = ["extend_series_task"]


@shared_task(name="events.extend_series")
def extend_series_task():
    """Make the dates a year ahead for every recurring event (daily, by beat); return how many were added."""
    return extend_series()
