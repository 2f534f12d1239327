"""Newsletters: double opt-in, one-click unsubscribe (link and RFC 8058), sending in batches, resending."""

import re
import smtplib
import threading
import time

import pytest
from celery.signals import task_prerun
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connections, transaction
from django.test import Client
from django.utils import timezone

from apps.account import services
from apps.account.models import Issue, IssueDelivery, Subscription
from apps.account.newsletters.sending import send_batch
from apps.core.pages.fragments import FragmentContext, render_fragment
from roseash.celery import app as celery_app

from .dashboard import newsletter

pytestmark = pytest.mark.django_db

HOST = "http://account.localhost"


@pytest.fixture(autouse=True)
def _eager(monkeypatch):
    """Tasks run in this process even where CI names a broker: no worker runs for these tests."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def news():
    return newsletter()


@pytest.fixture
def account(site_client):
    return site_client("account")


def link_in(message, path):
    found = re.search(rf"{re.escape(HOST)}{path}\S+", message.body)
    assert found, message.body
    return found.group(0).removeprefix(HOST)


def subscribe(account, news, email, capture):
    with capture(execute=True):
        answer = account.post("/newsletters/", {"email": email, "newsletters": [news.pk]})
    assert answer.status_code == 302
    return answer


# --- Double opt-in ------------------------------------------------------------------------------------


def test_a_visitor_is_subscribed_only_after_following_the_mailed_link(
    account, news, django_capture_on_commit_callbacks
):
    subscribe(account, news, "Reader@Example.org", django_capture_on_commit_callbacks)

    sub = Subscription.objects.get()
    assert (sub.email, sub.state) == ("reader@example.org", Subscription.State.PENDING)
    assert [m.to for m in mail.outbox] == [["reader@example.org"]]
    assert "Rose Ash News" in mail.outbox[0].subject
    link = link_in(mail.outbox[0], "/newsletters/confirm/")

    page = account.get(link)
    assert page.status_code == 200
    assert b"Confirm my subscription" in page.content
    sub.refresh_from_db()
    assert sub.state == Subscription.State.PENDING  # a mail scanner opening the link consents to nothing

    answer = account.post(link)

    assert answer.status_code == 200
    assert b"You are subscribed" in answer.content
    sub.refresh_from_db()
    assert sub.state == Subscription.State.CONFIRMED
    assert sub.confirmed_at is not None
    assert account.post(link).status_code == 200  # again changes nothing


def test_an_expired_link_confirms_nothing(account, news, django_capture_on_commit_callbacks, monkeypatch, settings):
    subscribe(account, news, "late@example.org", django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0], "/newsletters/confirm/")
    later = time.time() + settings.NEWSLETTER_CONFIRM_MAX_AGE + 60
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)

    assert account.post(link).status_code == 410
    answer = account.post(link)

    assert answer.status_code == 410
    assert b"expired" in answer.content
    assert Subscription.objects.get().state == Subscription.State.PENDING


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # the signature
        lambda token: "x" + token[1:],  # the payload
        lambda token: "not-a-token",
    ],
)
def test_a_tampered_link_confirms_nothing(account, news, django_capture_on_commit_callbacks, tamper):
    subscribe(account, news, "mallory@example.org", django_capture_on_commit_callbacks)
    token = link_in(mail.outbox[0], "/newsletters/confirm/").split("/")[3]

    assert account.get(f"/newsletters/confirm/{tamper(token)}/").status_code == 400
    answer = account.post(f"/newsletters/confirm/{tamper(token)}/")

    assert answer.status_code == 400
    assert b"not valid" in answer.content
    assert Subscription.objects.get().state == Subscription.State.PENDING


def test_a_link_from_an_earlier_request_is_void(account, news, django_capture_on_commit_callbacks, settings):
    subscribe(account, news, "twice@example.org", django_capture_on_commit_callbacks)
    first = link_in(mail.outbox[0], "/newsletters/confirm/")
    Subscription.objects.update(requested_at=timezone.now() + timezone.timedelta(seconds=1))  # asked again

    assert account.post(first).status_code == 410
    assert Subscription.objects.get().state == Subscription.State.PENDING


def test_asking_again_within_minutes_sends_no_second_mail_and_keeps_the_first_link(
    account, news, django_capture_on_commit_callbacks
):
    subscribe(account, news, "eager@example.org", django_capture_on_commit_callbacks)
    subscribe(account, news, "eager@example.org", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert account.post(link_in(mail.outbox[0], "/newsletters/confirm/")).status_code == 200
    assert Subscription.objects.get().state == Subscription.State.CONFIRMED


def test_one_connection_cannot_have_us_mail_many_strangers(account, news, django_capture_on_commit_callbacks):
    for n in range(10):
        subscribe(account, news, f"stranger{n}@example.org", django_capture_on_commit_callbacks)
    answer = account.post("/newsletters/", {"email": "one-more@example.org", "newsletters": [news.pk]})
    assert answer.status_code == 429
    assert b"Too many subscriptions" in answer.content
    assert len(mail.outbox) == 10
    assert not Subscription.objects.filter(email="one-more@example.org").exists()


def test_a_member_subscribing_their_own_address_is_subscribed_at_once(
    account, news, member, django_capture_on_commit_callbacks
):
    account.force_login(member)
    subscribe(account, news, member.email, django_capture_on_commit_callbacks)
    sub = Subscription.objects.get()
    assert sub.state == Subscription.State.CONFIRMED
    assert sub.member == member
    assert not mail.outbox


def test_a_private_newsletter_takes_no_subscribers(account, django_capture_on_commit_callbacks):
    closed = newsletter(slug="staff", name="Staff notes", is_public=False)
    answer = account.post("/newsletters/", {"email": "x@example.org", "newsletters": [closed.pk]})
    assert answer.status_code == 400
    assert not Subscription.objects.exists()


def test_a_bad_address_is_refused_with_the_form(account, news):
    answer = account.post("/newsletters/", {"email": "not an address", "newsletters": [news.pk]})
    assert answer.status_code == 400
    assert b"Enter a valid email address" in answer.content


# --- Unsubscribing ---------------------------------------------------------------------------------------


@pytest.fixture
def subscriber(news):
    return Subscription.objects.create(
        newsletter=news, email="reader@example.org", state=Subscription.State.CONFIRMED, requested_at=timezone.now()
    )


def unsubscribe_path(sub):
    return services.unsubscribe_url(sub).removeprefix(HOST)


def test_the_unsubscribe_link_asks_first_and_one_click_unsubscribes(account, subscriber):
    path = unsubscribe_path(subscriber)

    page = account.get(path)
    assert page.status_code == 200
    assert b"Unsubscribe reader@example.org" in page.content
    subscriber.refresh_from_db()
    assert subscriber.state == Subscription.State.CONFIRMED  # a link preview must not unsubscribe

    answer = Client(HTTP_HOST="account.localhost", enforce_csrf_checks=True).post(path)
    assert answer.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.state == Subscription.State.UNSUBSCRIBED


def test_the_rfc_8058_post_works_without_session_or_csrf_token_and_again(subscriber):
    path = unsubscribe_path(subscriber)
    client = Client(HTTP_HOST="account.localhost", enforce_csrf_checks=True)
    for _ in range(2):
        answer = client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
        assert answer.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.state == Subscription.State.UNSUBSCRIBED
    first = subscriber.unsubscribed_at
    client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at == first


def test_a_forged_unsubscribe_link_is_404(account, subscriber, news):
    other = Subscription.objects.create(
        newsletter=newsletter(slug="other"), email="other@example.org", requested_at=timezone.now()
    )
    path = unsubscribe_path(subscriber)
    token = path.split("/")[3]
    forged = path.replace(token, f"{other.pk}{token[token.index(':') :]}")  # another id under this signature
    for path in (forged, "/newsletters/unsubscribe/123/"):
        assert account.post(path).status_code == 404
    assert Subscription.objects.filter(state=Subscription.State.UNSUBSCRIBED).count() == 0


def test_an_old_confirmation_link_cannot_undo_an_unsubscription(account, news, django_capture_on_commit_callbacks):
    subscribe(account, news, "gone@example.org", django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0], "/newsletters/confirm/")
    sub = Subscription.objects.get()
    account.post(unsubscribe_path(sub))

    assert account.post(link).status_code == 410
    sub.refresh_from_db()
    assert sub.state == Subscription.State.UNSUBSCRIBED


# --- Sending ------------------------------------------------------------------------------------------------


def confirmed(news, count, start=0):
    now = timezone.now()
    return Subscription.objects.bulk_create(
        Subscription(
            newsletter=news,
            email=f"reader{n}@example.org",
            state=Subscription.State.CONFIRMED,
            requested_at=now,
            confirmed_at=now,
        )
        for n in range(start, start + count)
    )


@pytest.fixture
def issue(news):
    return Issue.objects.create(
        newsletter=news,
        subject="Spring at Rose Ash",
        body_html='<h2>Spring</h2><p>New <a href="https://example.org/seeds" onclick="x()">seeds</a>.</p>'
        '<script>alert(1)</script><img src="javascript:alert(1)">',
    )


def test_an_issue_is_cleaned_and_given_a_text_part_when_saved(issue):
    assert "<script" not in issue.body_html
    assert "onclick" not in issue.body_html
    assert "javascript:" not in issue.body_html
    assert issue.body_text == "Spring\n\nNew seeds (https://example.org/seeds).\n"


def test_two_thousand_subscribers_get_one_mail_each_in_batches(
    news, issue, django_capture_on_commit_callbacks, settings
):
    settings.NEWSLETTER_BATCH_SIZE = 100
    confirmed(news, 2000)
    Subscription.objects.create(newsletter=news, email="pending@example.org", requested_at=timezone.now())
    Subscription.objects.create(
        newsletter=news, email="left@example.org", state=Subscription.State.UNSUBSCRIBED, requested_at=timezone.now()
    )
    batches = []

    def count(sender=None, **kwargs):
        if sender.name == "account.send_issue_batch":
            batches.append(1)

    task_prerun.connect(count, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert services.start_sending(issue.pk) == 2000
    finally:
        task_prerun.disconnect(count)

    assert len(mail.outbox) == 2000
    assert len({m.to[0] for m in mail.outbox}) == 2000
    assert "pending@example.org" not in {m.to[0] for m in mail.outbox}
    assert len(batches) == 20  # of 100 each; the last finds nothing pending and marks the issue sent
    issue.refresh_from_db()
    assert issue.state == Issue.State.SENT
    assert issue.send_finished is not None
    assert IssueDelivery.objects.filter(issue=issue, state=IssueDelivery.State.SENT).count() == 2000

    message = mail.outbox[0]
    sub = Subscription.objects.get(email=message.to[0])
    link = services.unsubscribe_url(sub)
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.body
    assert "New seeds (https://example.org/seeds)." in message.body
    html, media_type = message.alternatives[0]
    assert media_type == "text/html"
    assert link in html
    assert "<script" not in html


def test_an_issue_cannot_be_sent_twice(news, issue, django_capture_on_commit_callbacks):
    confirmed(news, 3)
    with django_capture_on_commit_callbacks(execute=True):
        services.start_sending(issue.pk)
    with pytest.raises(services.RoseAshError) as refused:
        services.start_sending(issue.pk)
    assert refused.value.status == 409
    assert len(mail.outbox) == 3


class RefusingBackend(LocmemBackend):
    """An SMTP server's answers, as Django's SMTP backend raises them: some recipients refused."""

    def send_messages(self, messages):
        for message in messages:
            if message.to[0].startswith("refused"):
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"No such mailbox")})
        return super().send_messages(messages)


def test_a_refused_recipient_fails_alone_and_a_resend_goes_to_failed_recipients_only(
    news, issue, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    confirmed(news, 4)
    refused = Subscription.objects.create(
        newsletter=news, email="refused@example.org", state=Subscription.State.CONFIRMED, requested_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.start_sending(issue.pk)
    failed = IssueDelivery.objects.get(subscription=refused)
    assert failed.state == IssueDelivery.State.FAILED
    assert "No such mailbox" in failed.error
    assert len(mail.outbox) == 4
    # One row a crash left uncertain: it may have gone, so a resend must not touch it.
    uncertain = IssueDelivery.objects.filter(state=IssueDelivery.State.SENT).first()
    IssueDelivery.objects.filter(pk=uncertain.pk).update(state=IssueDelivery.State.UNCERTAIN)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.resend_failed(issue.pk) == 1

    assert [m.to for m in mail.outbox] == [["refused@example.org"]]
    failed.refresh_from_db()
    assert failed.state == IssueDelivery.State.SENT
    assert IssueDelivery.objects.get(pk=uncertain.pk).state == IssueDelivery.State.UNCERTAIN


def test_the_sweep_returns_claimed_rows_and_never_resends_uncertain_ones(
    news, issue, django_capture_on_commit_callbacks, settings
):
    settings.NEWSLETTER_LEASE_SECONDS = 60
    confirmed(news, 3)
    services.start_sending(issue.pk)  # rows written; the queued batch is dropped with the callbacks
    claimed, sending, waiting = IssueDelivery.objects.order_by("pk")
    long_ago = timezone.now() - timezone.timedelta(minutes=5)
    Issue.objects.filter(pk=issue.pk).update(send_started=long_ago)
    IssueDelivery.objects.filter(pk=claimed.pk).update(state="claimed", claimed_by="dead", claimed_at=long_ago)
    IssueDelivery.objects.filter(pk=sending.pk).update(state="sending", claimed_by="dead", claimed_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.sweep_stalled_sending()

    assert outcome == {"released": 1, "uncertain": 1, "issues": 1}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([claimed.email, waiting.email])
    assert IssueDelivery.objects.get(pk=sending.pk).state == IssueDelivery.State.UNCERTAIN
    issue.refresh_from_db()
    assert issue.state == Issue.State.SENT


def test_the_sweep_leaves_a_live_workers_rows_and_issue_alone(news, issue, settings):
    settings.NEWSLETTER_LEASE_SECONDS = 600
    confirmed(news, 2)
    services.start_sending(issue.pk)
    Issue.objects.filter(pk=issue.pk).update(send_started=timezone.now() - timezone.timedelta(hours=1))
    busy, waiting = IssueDelivery.objects.order_by("pk")
    IssueDelivery.objects.filter(pk=busy.pk).update(state="sending", claimed_by="alive", claimed_at=timezone.now())

    # The live worker's chain will take the waiting row: the sweep starts no second one.
    assert services.sweep_stalled_sending() == {"released": 0, "uncertain": 0, "issues": 0}
    assert IssueDelivery.objects.get(pk=busy.pk).state == IssueDelivery.State.SENDING
    assert IssueDelivery.objects.get(pk=waiting.pk).state == IssueDelivery.State.PENDING


def test_the_sweep_leaves_an_issue_just_started_to_its_queued_batch(news, issue, settings):
    settings.NEWSLETTER_LEASE_SECONDS = 600
    confirmed(news, 1)
    services.start_sending(issue.pk)  # its first batch is queued (dropped here with the callbacks)
    assert services.sweep_stalled_sending()["issues"] == 0


# --- The signup fragment ------------------------------------------------------------------------------------


def test_the_signup_fragment_sends_visitors_to_the_account_sites_page(news, site_client):
    html = str(render_fragment("account.newsletter_signup", FragmentContext()))
    assert 'action="http://account.localhost/newsletters/"' in html
    assert 'name="newsletter" value="news"' in html

    answer = site_client("account").get("/newsletters/?email=fan@example.org&newsletter=news")
    assert 'value="fan@example.org"' in answer.content.decode()
    assert "checked" in answer.content.decode()


@pytest.mark.postgresql(reason="two workers claiming at once need SELECT ... FOR UPDATE SKIP LOCKED")
@pytest.mark.django_db(transaction=True)
def test_workers_sending_one_issue_at_once_never_take_the_same_row(settings):
    settings.NEWSLETTER_BATCH_SIZE = 25
    news = newsletter()
    confirmed(news, 200)
    issue = Issue.objects.create(newsletter=news, subject="Together", body_html="<p>Hi</p>")
    with transaction.atomic():
        IssueDelivery.objects.bulk_create(
            IssueDelivery(issue=issue, subscription=sub, email=sub.email) for sub in Subscription.objects.all()
        )
    Issue.objects.filter(pk=issue.pk).update(state=Issue.State.SENDING)
    start = threading.Barrier(4)
    sent_by = []

    def worker():
        start.wait()
        try:
            total, more = 0, True
            while more:
                sent, more = send_batch(issue.pk)
                total += sent
            sent_by.append(total)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sum(sent_by) == 200
    assert len(mail.outbox) == 200
    assert len({m.to[0] for m in mail.outbox}) == 200
    assert IssueDelivery.objects.filter(state=IssueDelivery.State.SENT).count() == 200
