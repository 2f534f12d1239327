from celery import shared_task
from oauth2_provider.models import clear_expired

from .mailing import send_mail
from .newsletters.sending import send_issue_batch, sweep_newsletters
from .newsletters.subscriptions import send_subscription_confirmation
from .services import clear_old_sso_sessions
from .sign_in.confirmation import send_email_confirmation
from .sso.code_reuse import clear_expired_redeemed_codes

__all__ = [
    "clear_expired_sign_ins",
    "send_email_confirmation",
    "send_issue_batch",
    "send_mail",
    "send_subscription_confirmation",
    "sweep_newsletters",
]


@shared_task(name="account.clear_expired_sign_ins")
def clear_expired_sign_ins():
    """
    Delete expired OAuth codes and tokens, records of codes too old to come back, and SSO sessions
    nothing names any more (nightly, by beat); return how many SSO sessions went.
    """
    clear_expired()
    clear_expired_redeemed_codes()
    return clear_old_sso_sessions()
