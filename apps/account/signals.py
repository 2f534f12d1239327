from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from apps.federation import services as federation

from . import services
from .members import social_mail


@receiver(user_logged_out, dispatch_uid="account.end_sso_session")
def end_sso_session_on_logout(sender, request, user, **kwargs):
    """Any sign-out (a site's, the admin's, the federation's end-session endpoint) ends the SSO session."""
    if request is not None and hasattr(request, "session"):
        services.end_sso_session(services.current_sso_session_id(request), site=getattr(request, "site_name", ""))


@receiver(federation.member_notified, dispatch_uid="account.mail_social_notification")
def mail_social_notification(sender, signal, member, **notification):
    """A member who asked to hear of new followers, replies and mentions gets a mail of each."""
    social_mail.mail_notification(member, **notification)
