"""
A visitor in Chromium subscribes to a newsletter, confirms from the mail (the link, then its
button), gets an issue and unsubscribes with one click on the link the issue carries.
"""

import re

import pytest
from django.core import mail

from apps.account import services
from apps.account.models import Issue, Newsletter, Subscription
from apps.core.sites import get_site
from roseash.celery import app as celery_app

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _eager(monkeypatch):
    """The live server runs in this process: its tasks run here too, and its mail lands in mail.outbox."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


def link(message, path):
    origin = get_site("account").origin
    found = re.search(rf"{re.escape(origin)}{path}\S+", message.body)
    assert found, message.body
    return found.group(0)


def test_a_visitor_subscribes_confirms_and_unsubscribes_with_one_click(page, sites):
    news = Newsletter.objects.create(slug="news", name="Rose Ash News", description="What grows, monthly.")
    origin = get_site("account").origin

    page.goto(f"{origin}/newsletters/")
    page.get_by_label("Your email").fill("reader@example.org")
    page.get_by_label("Rose Ash News").check()
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    assert Subscription.objects.get().state == Subscription.State.PENDING

    page.goto(link(mail.outbox[-1], "/newsletters/confirm/"))
    page.get_by_role("button", name="Confirm my subscription").click()
    page.get_by_role("heading", name="You are subscribed").wait_for()
    assert Subscription.objects.get().state == Subscription.State.CONFIRMED

    issue = Issue.objects.create(newsletter=news, subject="Spring", body_html="<p>Seeds are in.</p>")
    services.start_sending(issue.pk)
    sent = mail.outbox[-1]
    assert sent.subject == "Spring"
    unsubscribe = link(sent, "/newsletters/unsubscribe/")
    assert sent.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"

    page.goto(unsubscribe)
    page.get_by_role("button", name="Unsubscribe reader@example.org").click()
    page.get_by_role("heading", name="You are unsubscribed").wait_for()
    assert Subscription.objects.get().state == Subscription.State.UNSUBSCRIBED
