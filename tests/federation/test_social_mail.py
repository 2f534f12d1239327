"""A member who asked is mailed what the hub notifies them of: followers, replies, mentions; never likes."""

import logging

import pytest

from apps.account.members import social_mail
from apps.federation import hub
from apps.federation.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

ALICE = "http://federation.localhost/actors/alice"


@pytest.fixture
def asked(member):
    member.notify_social = True
    member.save(update_fields=["notify_social"])
    return member


def mention(ana, text="<p>@alice hi</p>", **extra):
    tag = [{"type": "Mention", "href": ALICE, "name": "@alice"}]
    return ana.activity("Create", ana.note(text, tag=tag, **extra))


def test_a_peers_follow_reply_and_mention_are_mailed_and_its_like_is_not(ana, send, asked, mailoutbox):
    note = hub.compose_note(asked, "a question")
    send(ana.activity("Follow", ALICE))
    reply = ana.note("<p>an <b>answer</b></p><p>in two parts</p>", inReplyTo=note.object_id)
    send(ana.activity("Create", reply))
    send(mention(ana))
    send(ana.activity("Like", note.object_id))

    assert Notification.objects.filter(recipient=asked).count() == 4
    assert [mail.to for mail in mailoutbox] == [["alice@example.org"]] * 3
    follow, answer, mentioned = mailoutbox
    assert [m.subject.split(" ", 1)[1] for m in mailoutbox] == ["followed you", "replied to you", "mentioned you"]
    assert "http://federation.localhost/followers" in follow.body
    replied = Notification.objects.get(kind="reply").note
    assert "“an answer in two parts”" in answer.body
    assert f"http://federation.localhost/notes/{replied.pk}" in answer.body
    assert "<blockquote>an answer in two parts</blockquote>" in answer.alternatives[0][0]
    assert "http://account.localhost/preferences/" in mentioned.body


def test_a_member_who_did_not_ask_is_notified_in_the_hub_only(ana, send, member, mailoutbox):
    send(ana.activity("Follow", ALICE))
    assert Notification.objects.filter(recipient=member, kind="follow").exists()
    assert mailoutbox == []


def test_a_reply_behind_a_content_warning_is_mailed_as_its_warning_only(ana, send, asked, mailoutbox):
    note = hub.compose_note(asked, "the ending?")
    send(ana.activity("Create", ana.note("<p>the butler did it</p>", inReplyTo=note.object_id, summary="spoilers")))
    (mail,) = mailoutbox
    assert "Content warning: spoilers" in mail.body
    assert "butler" not in mail.body + mail.alternatives[0][0]


def test_at_most_a_dozen_mails_an_hour_the_rest_wait_in_the_hub(ana, send, asked, mailoutbox, monkeypatch):
    monkeypatch.setattr(social_mail, "SOCIAL_MAILS_PER_HOUR", 2)
    for n in range(4):
        send(mention(ana, f"<p>@alice {n}</p>"))
    assert Notification.objects.filter(recipient=asked, kind="mention").count() == 4
    assert len(mailoutbox) == 2


def test_a_members_follow_through_the_hub_is_mailed_too(asked, bob, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        hub.follow(bob, ALICE)
    (mail,) = mailoutbox
    assert mail.subject == "bob@federation.localhost followed you"


def test_a_name_is_one_line_in_the_subject(asked, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        social_mail.mail_notification(
            asked,
            kind="follow",
            actor_name="Eve\r\nBcc: x@example.org",
            actor_url="https://e.example/eve",
            excerpt="",
            url="",
        )
    (mail,) = mailoutbox
    assert mail.subject == "Eve Bcc: x@example.org followed you"
    assert mail.recipients() == ["alice@example.org"]


def test_a_failing_mail_loses_no_activity_nor_notification(ana, send, asked, mailoutbox, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr(social_mail, "mail_notification", broken)
    with caplog.at_level(logging.ERROR):
        row = send(ana.activity("Follow", ALICE))
    assert row.state == "done"
    assert Notification.objects.filter(recipient=asked, kind="follow").exists()
    assert "template missing" in caplog.text
    assert mailoutbox == []
