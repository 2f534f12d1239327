"""Each site's session follows the SSO session: sign-out anywhere ends it everywhere."""

import pytest
from django.core.management import call_command
from oauth2_provider.models import Application

from apps.account import services
from apps.account.models import SSOSession

pytestmark = pytest.mark.django_db

NAVIGATION = {"HTTP_SEC_FETCH_MODE": "navigate", "HTTP_SEC_FETCH_DEST": "document"}


def join(client, sso):
    """Sign ``client`` in as the SSO session's member, as the callback does."""
    client.force_login(sso.user)
    session = client.session
    session[services.SSO_SESSION_KEY] = str(sso.pk)
    session.save()


@pytest.fixture
def sso(member):
    return SSOSession.objects.create(user=member)


def test_a_site_ends_its_session_once_the_sso_session_has_ended(site_client, sso):
    blog = site_client("blog")
    join(blog, sso)
    assert ">alice<" in blog.get("/").content.decode()

    services.end_sso_session(sso.pk, site="cart")

    page = blog.get("/").content.decode()
    assert ">alice<" not in page
    assert "You were signed out on another Rose Ash site." in page
    assert "_auth_user_id" not in blog.session


def test_signing_out_on_one_site_ends_the_sso_session(site_client, sso):
    blog, events = site_client("blog"), site_client("events")
    join(blog, sso)
    join(events, sso)

    events.post("/auth/logout")

    sso.refresh_from_db()
    assert sso.ended_at is not None
    assert sso.ended_on == "events"
    assert ">alice<" not in blog.get("/").content.decode()


def test_an_admin_sign_out_ends_the_sso_session(site_client, member, sso):
    member.is_staff = True
    member.save()
    market = site_client("market")
    join(market, sso)

    market.post("/admin/logout/")

    sso.refresh_from_db()
    assert not sso.is_alive


def test_sign_out_needs_a_post_with_a_csrf_token(site_client, sso):
    blog = site_client("blog", enforce_csrf_checks=True)
    join(blog, sso)

    assert blog.get("/auth/logout").status_code == 405
    assert blog.post("/auth/logout").status_code == 403
    sso.refresh_from_db()
    assert sso.is_alive


def test_the_navigation_shows_the_member_and_a_sign_out_button_or_a_sign_in_link(site_client, sso):
    blog = site_client("blog")
    visitor = blog.get("/posts?page=2").content.decode()
    assert 'href="/auth/login?next=/posts%3Fpage%3D2">Sign in</a>' in visitor

    join(blog, sso)
    page = blog.get("/").content.decode()
    assert ">alice<" in page
    assert '<form class="member__signout" method="post" action="/auth/logout">' in page


def test_a_visitors_first_page_view_checks_silently_once(site_client, settings):
    market = site_client("market")

    first = market.get("/", **NAVIGATION)

    assert first.status_code == 302
    assert first["Location"] == "/auth/login?prompt=none&next=%2F"


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/", {}),  # not a browser's page navigation (a script, a crawler)
        ("/", {"HTTP_SEC_FETCH_MODE": "cors", "HTTP_SEC_FETCH_DEST": "empty"}),
        ("/healthz", NAVIGATION),
        ("/admin/", NAVIGATION),
        ("/auth/callback", NAVIGATION),
    ],
)
def test_no_silent_check_where_it_does_not_belong(site_client, path, headers):
    response = site_client("market").get(path, **headers)

    assert "prompt=none" not in response.get("Location", "")


def test_no_silent_check_on_the_federation_site_itself(site_client):
    response = site_client("federation").get("/", **NAVIGATION)

    assert response.status_code == 200


def test_admin_sign_in_goes_through_single_sign_on(site_client):
    response = site_client("cart").get("/admin/", follow=False)
    assert response["Location"] == "/admin/login/?next=/admin/"

    login = site_client("cart").get("/admin/login/?next=/admin/")

    assert login["Location"] == "/auth/login?next=%2Fadmin%2F"


def test_staff_signed_in_through_sso_reach_the_admin_on_any_site(site_client, steward):
    sso = SSOSession.objects.create(user=steward)
    for site in ("blog", "events"):
        client = site_client(site)
        join(client, sso)
        assert client.get("/admin/").status_code == 200, site


@pytest.mark.parametrize("site", ["blog", "federation"])
def test_a_member_without_staff_rights_at_the_admin_is_told_so_without_a_loop(site_client, sso, site):
    client = site_client(site)
    join(client, sso)

    response = client.get("/admin/", follow=True)

    assert response.status_code == 403
    assert [url for url, _ in response.redirect_chain] == ["/admin/login/?next=/admin/"]
    page = response.content.decode()
    assert "You are signed in as alice but do not have staff access" in page
    assert '<a href="/">' in page
    assert '<form class="no-staff__signout" method="post" action="/auth/logout">' in page
    assert "_auth_user_id" in client.session, "still signed in: only the admin is refused"


def test_sign_in_on_the_federation_site_leads_to_its_sign_in_page(site_client):
    response = site_client("federation").get("/auth/login?next=/o/authorize/%3Fx%3D1")

    assert response["Location"] == (
        "http://federation.localhost/account/sign-in/?next=http%3A%2F%2Ffederation.localhost%2Fo%2Fauthorize%2F%3Fx%3D1"
    )


def test_sso_sync_clients_registers_exact_redirect_uris_and_is_idempotent(capsys, settings):
    call_command("sso_sync_clients")
    call_command("sso_sync_clients")

    assert capsys.readouterr().out.count("unchanged") == 5
    blog = Application.objects.get(client_id="roseash-blog")
    assert blog.redirect_uris == "http://blog.localhost/auth/callback"
    assert blog.post_logout_redirect_uris == "http://blog.localhost/"
    assert blog.skip_authorization
    assert blog.client_type == Application.CLIENT_CONFIDENTIAL
    assert blog.algorithm == Application.RS256_ALGORITHM
    assert blog.client_secret != settings.SSO_CLIENT_SECRETS["blog"], "stored hashed"

    settings.ROSEASH_DOMAIN = "coop.example"
    settings.SSO_CLIENT_SECRETS = {**settings.SSO_CLIENT_SECRETS, "cart": "a-rotated-secret-of-enough-length-0123"}
    outcome = services.sync_sso_clients()

    assert set(outcome.values()) == {"updated"}
    assert Application.objects.get(client_id="roseash-blog").redirect_uris == "http://blog.coop.example/auth/callback"
    assert Application.objects.count() == 5


def test_the_nightly_sweep_deletes_sso_sessions_nothing_can_name(member, settings, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from apps.account.tasks import clear_expired_sign_ins

    old = SSOSession.objects.create(user=member)
    SSOSession.objects.filter(pk=old.pk).update(
        started_at=timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    )
    recent_but_ended = SSOSession.objects.create(user=member, ended_at=timezone.now())

    assert clear_expired_sign_ins() == 1

    assert list(SSOSession.objects.all()) == [recent_but_ended]


def test_the_end_session_hop_leaves_no_stale_message_on_the_federation_site(site_client, sso):
    services.sync_sso_clients()
    federation = site_client("federation")
    join(federation, sso)
    services.end_sso_session(sso.pk)

    federation.get("/o/logout/?client_id=roseash-blog&post_logout_redirect_uri=http%3A%2F%2Fblog.localhost%2F")

    assert "You were signed out" not in federation.get("/").content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "client_id=unknown&post_logout_redirect_uri=http%3A%2F%2Fblog.localhost%2F",
        "client_id=roseash-blog&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F",
        "client_id=roseash-blog&post_logout_redirect_uri=http%3A%2F%2Fcart.localhost%2F",
        "id_token_hint=not.a.token",
    ],
)
def test_the_end_session_endpoint_refuses_what_it_does_not_know_without_redirecting(site_client, query):
    services.sync_sso_clients()

    response = site_client("federation").get(f"/o/logout/?{query}")

    assert response.status_code == 400
    assert "Location" not in response
