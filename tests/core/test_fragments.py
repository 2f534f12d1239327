import time

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from apps.core.checks import check_fragments
from apps.core.errors import RoseAshError
from apps.core.pages import fragments
from apps.core.pages.fragments import FragmentContext, forget_fragment, fragment, render_fragment, sign_fragment_request

calls = []


@fragment("tests.greeting", vary=("user", "site"), ttl=60)
def greeting(context):
    calls.append(dict(context.values))
    who = context.user.username if context.user else "visitor"
    return f"<p>Hello {who} on {context.values['site']}</p>"


@pytest.fixture(autouse=True)
def _no_calls():
    calls.clear()


@pytest.mark.django_db
def test_a_second_render_comes_from_the_cache(member):
    context = FragmentContext({"user": str(member.pk), "site": "blog"})

    first = render_fragment("tests.greeting", context)
    second = render_fragment("tests.greeting", context)

    assert first == second == "<p>Hello alice on blog</p>"
    assert len(calls) == 1


@pytest.mark.django_db
def test_forgetting_a_fragment_renders_it_afresh_for_those_values_only(member):
    mine = FragmentContext({"user": str(member.pk), "site": "blog"})
    visitor = FragmentContext({"user": "", "site": "blog"})
    render_fragment("tests.greeting", mine)
    render_fragment("tests.greeting", visitor)

    forget_fragment("tests.greeting", mine.values)
    render_fragment("tests.greeting", mine)
    render_fragment("tests.greeting", visitor)

    assert len(calls) == 3


@pytest.mark.django_db
def test_each_vary_value_gets_its_own_entry(member):
    render_fragment("tests.greeting", FragmentContext({"user": str(member.pk), "site": "blog"}))
    visitor = render_fragment("tests.greeting", FragmentContext({"user": "", "site": "blog"}))
    other_site = render_fragment("tests.greeting", FragmentContext({"user": str(member.pk), "site": "cart"}))

    assert visitor == "<p>Hello visitor on blog</p>"
    assert other_site == "<p>Hello alice on cart</p>"
    assert len(calls) == 3


@pytest.mark.django_db
def test_values_a_fragment_does_not_declare_do_not_split_the_cache():
    render_fragment("tests.greeting", FragmentContext({"user": "", "site": "blog", "cart": "1"}))
    render_fragment("tests.greeting", FragmentContext({"user": "", "site": "blog", "cart": "2"}))

    assert calls == [{"user": "", "site": "blog"}]


@pytest.mark.django_db
def test_the_template_tag_reads_vary_values_from_the_request(member):
    request = RequestFactory().get("/")
    request.user = member
    request.site_name = "events"

    html = Template('{% fragment "tests.greeting" %}').render(Context({"request": request}))

    assert html == "<p>Hello alice on events</p>"


def test_a_fragment_varying_on_an_unregistered_key_fails_the_system_check():
    fragment("tests.broken", vary=("weather",))(lambda context: "")
    try:
        problems = check_fragments(None)
        assert [problem.id for problem in problems] == ["roseash.E010"]
        assert "tests.broken" in problems[0].msg
        assert "weather" in problems[0].msg

        fragments.vary_key("weather")(lambda request: "sunny")  # as the app owning it would, in its ready()
        assert check_fragments(None) == []
    finally:
        fragments._fragments.pop("tests.broken", None)
        fragments._vary_keys.pop("weather", None)


def test_each_app_registers_its_own_fragments():
    assert {"account.member_badge", "federation.unread"} <= set(fragments._fragments)
    assert check_fragments(None) == []


def test_an_unknown_fragment_is_a_404_error():
    with pytest.raises(RoseAshError) as raised:
        render_fragment("tests.nothing", FragmentContext())
    assert raised.value.status == 404


@pytest.mark.django_db
def test_the_endpoint_serves_a_signed_request(site_client, member):
    path, headers = sign_fragment_request("tests.greeting", FragmentContext({"user": str(member.pk), "site": "blog"}))

    response = site_client("cart").get(path, headers=headers)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response.content == b"<p>Hello alice on blog</p>"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        (lambda path, headers: (path, {}), "signature_missing"),
        (lambda path, headers: (path, {**headers, fragments.SIGNATURE_HEADER: "0" * 64}), "signature_invalid"),
        (lambda path, headers: (path.replace("user=", "user=9"), headers), "signature_invalid"),
        (lambda path, headers: (path, {**headers, fragments.TIMESTAMP_HEADER: "soon"}), "signature_invalid"),
    ],
)
def test_the_endpoint_refuses_unsigned_or_tampered_requests(site_client, tamper, code):
    path, headers = tamper(*sign_fragment_request("tests.greeting", FragmentContext({"user": "", "site": "blog"})))

    response = site_client("blog").get(path, headers={**headers, "Accept": "application/json"})

    assert response.status_code == 401
    assert response.json()["error"] == code
    assert calls == []


@pytest.mark.django_db
def test_the_endpoint_refuses_an_old_signature(site_client):
    stale = time.time() - fragments.SIGNATURE_MAX_AGE - 5
    path, headers = sign_fragment_request("tests.greeting", FragmentContext({"site": "blog"}), now=stale)

    response = site_client("blog").get(path, headers={**headers, "Accept": "application/json"})

    assert response.status_code == 401
    assert response.json()["error"] == "signature_expired"


@pytest.mark.django_db
def test_a_signature_from_another_secret_is_refused(site_client, settings):
    settings.ROSEASH_INTERNAL_SECRET = "someone-elses-secret"
    path, headers = sign_fragment_request("tests.greeting", FragmentContext({"site": "blog"}))
    settings.ROSEASH_INTERNAL_SECRET = ""

    assert site_client("blog").get(path, headers=headers).status_code == 401


@pytest.mark.django_db
def test_an_unknown_fragment_is_404_once_signed(site_client):
    path, headers = sign_fragment_request("tests.nothing", FragmentContext({}))

    assert site_client("blog").get(path, headers=headers).status_code == 404
