from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.events.admin import EventAdmin
from apps.events.models import Event
from apps.federation.models import APActivity

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(site_client, steward):
    return site_client("events", signed_in=steward)


@pytest.mark.parametrize("model", ["calendar", "venue", "event", "booking", "ticket"])
def test_the_admin_lists_and_searches(admin_client, event, member, model):
    assert admin_client.get(f"/admin/events/{model}/").status_code == 200
    assert admin_client.get(f"/admin/events/{model}/", {"q": "seed"}).status_code == 200


def test_the_event_form_opens_with_its_inlines(admin_client, event):
    page = admin_client.get(f"/admin/events/event/{event.pk}/change/")
    assert page.status_code == 200
    assert "Dates" in page.text or "entries" in page.text.lower()


def test_staff_publish_and_cancel_from_the_list(admin_client, make_event, calendar):
    draft = make_event("Draft", publish=False)
    Event.objects.create(calendar=calendar, title="No dates", slug="no-dates")

    answer = admin_client.post(
        "/admin/events/event/",
        {"action": "publish", "_selected_action": [draft.pk, Event.objects.get(slug="no-dates").pk]},
        follow=True,
    )

    assert answer.status_code == 200
    messages = [str(message) for message in answer.context["messages"]]
    assert "1 event(s) published." in messages
    assert any("Give the event at least one date" in message for message in messages)
    assert Event.objects.get(pk=draft.pk).status == Event.Status.PUBLISHED
    admin_client.post("/admin/events/event/", {"action": "cancel", "_selected_action": [draft.pk]})
    assert Event.objects.get(pk=draft.pk).status == Event.Status.CANCELLED


def test_a_picture_that_is_not_one_is_refused(event):
    event.image = SimpleUploadedFile("poster.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        event.full_clean()
    assert "image" in refused.value.message_dict


def test_an_edit_saved_in_the_admin_is_cleaned_and_sent_to_peers(
    rf, steward, event, django_capture_on_commit_callbacks
):
    """The admin's form saves the event itself (cleaned by ``Event.save``); ``save_related`` then tells peers."""
    event.title = "Seed and plant swap"
    event.description = "<p>Bring plants.</p><img src=x onerror=alert(1)>"
    event.save()  # what the admin's save_model does
    request = rf.post("/admin/events/event/")
    request.user = steward

    with django_capture_on_commit_callbacks(execute=True):
        EventAdmin(Event, admin.site).save_related(
            request, SimpleNamespace(instance=event, save_m2m=lambda: None), [], True
        )

    event.refresh_from_db()
    assert "onerror" not in event.description
    update = APActivity.objects.outbound().filter(type="Update").latest("pk")
    assert update.payload["object"]["name"] == "Seed and plant swap"
    assert "onerror" not in update.payload["object"]["content"]
