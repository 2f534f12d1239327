from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from . import services


@receiver(user_logged_out, dispatch_uid="account.end_sso_session")
def end_sso_session_on_logout(sender, request, user, **kwargs):
    """Any sign-out (a site's, the admin's, the federation's end-session endpoint) ends the SSO session."""
    if request is not None and hasattr(request, "session"):
        services.end_sso_session(services.current_sso_session_id(request), site=getattr(request, "site_name", ""))
