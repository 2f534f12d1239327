"""Staff write an issue in the admin, send it, watch its progress, and resend to failed recipients."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from apps.account.models import Issue, IssueDelivery, Newsletter, Subscription
from roseash.celery import app as celery_app

from .dashboard import newsletter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager(monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def admin(site_client, steward):
    return site_client("account", signed_in=steward)


@pytest.fixture
def news():
    news = newsletter()
    now = timezone.now()
    Subscription.objects.bulk_create(
        Subscription(newsletter=news, email=f"r{n}@example.org", state="confirmed", requested_at=now) for n in range(3)
    )
    return news


def test_staff_write_an_issue_whose_html_is_cleaned(admin, news):
    answer = admin.post(
        "/admin/account/issue/add/",
        {"newsletter": news.pk, "subject": "Hello", "body_html": '<p onclick="x()">Hi<script>bad()</script></p>'},
    )
    assert answer.status_code == 302
    issue = Issue.objects.get()
    assert issue.body_html == "<p>Hi</p>"
    assert issue.body_text == "Hi\n"


def test_staff_send_an_issue_see_its_progress_and_resend_to_failures(admin, news, django_capture_on_commit_callbacks):
    issue = Issue.objects.create(newsletter=news, subject="Hello", body_html="<p>Hi</p>")
    with django_capture_on_commit_callbacks(execute=True):
        answer = admin.post(
            "/admin/account/issue/", {"action": "send_issues", "_selected_action": [issue.pk]}, follow=True
        )
    assert "is going out to 3 subscribers" in answer.content.decode()
    assert len(mail.outbox) == 3
    listing = admin.get("/admin/account/issue/").content.decode()
    assert '<progress max="3" value="3"></progress> 3 of 3 sent, 0 failed, 0 interrupted' in listing

    again = admin.post("/admin/account/issue/", {"action": "send_issues", "_selected_action": [issue.pk]}, follow=True)
    assert "has been sent already" in again.content.decode()
    assert len(mail.outbox) == 3

    IssueDelivery.objects.filter(email="r1@example.org").update(state=IssueDelivery.State.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        answer = admin.post(
            "/admin/account/issue/", {"action": "resend_to_failed", "_selected_action": [issue.pk]}, follow=True
        )
    assert "1 failed recipients are tried again" in answer.content.decode()
    assert [m.to for m in mail.outbox[3:]] == [["r1@example.org"]]


def test_a_sent_issue_can_no_longer_be_edited(admin, news, django_capture_on_commit_callbacks):
    issue = Issue.objects.create(newsletter=news, subject="Hello", body_html="<p>Hi</p>", state=Issue.State.SENT)
    admin.post(f"/admin/account/issue/{issue.pk}/change/", {"subject": "Changed", "body_html": "<p>New</p>"})
    issue.refresh_from_db()
    assert issue.subject == "Hello"


def test_the_issue_list_holds_a_constant_number_of_queries(admin, news, django_assert_max_num_queries):
    Issue.objects.create(newsletter=news, subject="One", body_html="<p>1</p>")
    admin.get("/admin/account/issue/")
    with django_assert_max_num_queries(20) as few:
        admin.get("/admin/account/issue/")
    for n in range(10):
        Issue.objects.create(newsletter=newsletter(slug=f"n{n}", name=f"N{n}"), subject=f"S{n}", body_html="<p>x</p>")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert admin.get("/admin/account/issue/").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/admin/account/newsletter/",
        "/admin/account/subscription/",
        "/admin/account/issuedelivery/",
        "/admin/account/address/",
    ],
)
def test_the_other_newsletter_lists_answer_with_search(admin, news, path):
    assert admin.get(path, {"q": "example"}).status_code == 200


@pytest.mark.usefixtures("_development")
def test_the_demo_has_newsletters_subscribers_and_a_draft_issue(capsys):
    call_command("seed_demo")
    call_command("seed_demo")  # twice changes nothing
    assert set(Newsletter.objects.values_list("slug", flat=True)) == {"rose-ash-news", "market-days"}
    assert Subscription.objects.filter(state="confirmed").count() == 4
    assert Issue.objects.get().state == Issue.State.DRAFT
    assert "Newsletters: http://account.localhost" in capsys.readouterr().out


@pytest.fixture
def _development(settings):
    settings.DEBUG = True
