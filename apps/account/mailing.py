"""
Transactional mail (an order's receipt, a ticket, a notice) sent through the ``mail`` queue.

``queue_mail`` writes nothing and sends nothing in the caller's transaction: the task is queued
once the transaction commits (a rolled-back order sends no receipt), and a worker sends it,
retrying with growing delays while the mail server is unreachable.
"""

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.db import transaction


def queue_mail(to: list[str], subject: str, text: str, *, html: str = "", headers: dict | None = None) -> None:
    """Send a mail from ``DEFAULT_FROM_EMAIL`` through the mail queue once the current transaction commits."""
    args = (list(to), subject, text, html, dict(headers or {}))
    transaction.on_commit(lambda: send_mail.delay(*args))


@shared_task(name="account.send_mail", autoretry_for=(OSError,), max_retries=8)
def send_mail(to, subject, text, html="", headers=None):
    """Send one mail; connection and server errors (every ``SMTPException`` is an ``OSError``) are retried."""
    message = EmailMultiAlternatives(subject=subject, body=text, to=to, headers=headers or {})
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()
