from importlib import import_module

from celery import shared_task
from django.conf import settings


@shared_task(name="core.clear_expired_sessions")
def clear_expired_sessions():
    """Delete sessions past their expiry, as ``manage.py clearsessions`` does (run nightly by beat)."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
