import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.template.loader import render_to_string
from django.test import RequestFactory


@pytest.mark.django_db
@pytest.mark.parametrize("site", ["blog", "market", "cart", "events", "account", "federation"])
def test_each_site_names_itself_and_navigates_to_the_others(site_client, site):
    html = site_client(site).get("/").content.decode()

    assert f"<title>{site.capitalize()} · Rose Ash</title>" in html
    assert f'<a href="http://{site}.localhost/" aria-current="page">' in html
    assert html.count('<li><a href="http://') == 6
    assert 'rel="stylesheet" href="/static/css/roseash.css"' in html
    assert "<script" not in html


@pytest.mark.django_db
def test_the_header_shows_who_is_signed_in(site_client, member):
    client = site_client("blog")
    assert 'class="member__signin" href="/auth/login?next=/">Sign in<' in client.get("/").content.decode()

    client.force_login(member)

    assert 'title="Signed in">alice<' in client.get("/").content.decode()


@pytest.mark.django_db
def test_messages_are_shown_after_actions(member):
    request = RequestFactory().get("/", HTTP_HOST="blog.localhost")
    request.user, request.site_name = member, "blog"

    html = render_to_string(
        "base.html", {"messages": [Message(constants.SUCCESS, "Saved your post.")]}, request=request
    )

    assert '<li class="message message--success">Saved your post.</li>' in html


def test_the_stylesheet_is_served_in_development(site_client, settings):
    settings.WHITENOISE_USE_FINDERS = True  # as under DEBUG; production serves what collectstatic gathered

    response = site_client("events").get("/static/css/roseash.css")

    assert response.status_code == 200


@pytest.mark.django_db
def test_every_host_answers_for_its_favicon(site_client):
    for site in ("blog", "federation", "cart"):
        response = site_client(site).get("/favicon.ico")

        assert response.status_code == 301
        assert response["Location"].endswith("/img/rose-ash.svg")
