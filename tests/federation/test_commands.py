"""Operators' commands: fetch_actor with its exit codes, peers, federation_keys."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.utils import timezone

from apps.federation.management.commands.fetch_actor import EXIT_CODES
from apps.federation.models import InstanceKey, PeerActor

from .peers import PEM

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_fetch_actor_prints_the_state(shop):
    code, out, _err = run("fetch_actor", "shop")

    assert code == 0
    assert f"id:           {shop}" in out
    assert "handle:       shop@localhost" in out
    assert f"key:          {shop}#main-key (rsa-sha256)" in out


def test_fetch_actor_prints_json(shop):
    code, out, _err = run("fetch_actor", "shop", "--json")

    assert code == 0
    state = json.loads(out)
    assert state["id"] == shop
    assert state["public_keys"][0]["pem"] == PEM


def test_fetch_actor_refresh_asks_the_peer_again(shop, httpserver):
    run("fetch_actor", "shop")
    run("fetch_actor", "shop")
    assert len(httpserver.log) == 1

    run("fetch_actor", "shop", "--refresh")
    assert len(httpserver.log) == 2


def test_fetch_actor_exit_codes_are_distinct():
    assert sorted(EXIT_CODES.values()) == [3, 4, 5, 6]


@pytest.mark.parametrize(
    ("target", "code", "message"),
    [
        ("nowhere", 3, "no_peer_url: "),
        ("/actors/missing", 4, "status 404"),
        ("/actors/html", 5, "bad_actor_doc: Content-Type 'text/html"),
        ("http://127.0.0.1:9/actors/x", 6, "transport: cannot connect"),
    ],
)
def test_fetch_actor_reports_each_failure_on_stderr_with_its_exit_code(shop, httpserver, target, code, message):
    httpserver.expect_request("/actors/html").respond_with_data("<html>", content_type="text/html")
    httpserver.expect_request("/actors/missing").respond_with_data("no", status=404)
    if target.startswith("/"):
        target = httpserver.url_for(target)

    exit_code, out, err = run("fetch_actor", target)

    assert exit_code == code
    assert err.startswith(message)
    assert out == ""


def test_peers_lists_cached_peers_as_a_table(shop):
    run("fetch_actor", "shop")
    PeerActor.objects.create(
        actor_url="https://old.example/actors/old",
        handle="old@old.example",
        inbox="https://old.example/inbox",
        document_format="activitystreams",
        fetched_at=timezone.now() - timedelta(days=3),
        failures=2,
        last_error="status 503",
    )

    _code, out, _err = run("peers")
    assert "shop@localhost" in out
    assert "old@old.example" in out
    assert "3d ago*" in out
    assert "(status 503)" in out
    assert "2 peer(s)" in out

    _code, out, _err = run("peers", "--failing")
    assert "old@old.example" in out
    assert "shop@localhost" not in out


def test_peers_refresh_stale_queues_a_fetch_of_each_with_a_progress_bar(shop, httpserver, eager_tasks):
    run("fetch_actor", "shop")
    PeerActor.objects.update(fetched_at=timezone.now() - timedelta(days=2))

    code, out, err = run("peers", "--refresh-stale")

    assert code == 0
    assert "Queued 1 stale peer(s)" in out
    assert "Queueing refreshes" in err
    assert "1/1" in err
    assert len(httpserver.log) == 2  # in-process Celery ran the queued fetch
    assert not PeerActor.objects.get().is_stale


def test_federation_keys_show_rotate_retire():
    _code, out, _err = run("federation_keys", "show")
    assert "main-key" in out
    assert "signing" in out
    assert "SHA256:" in out
    assert "PRIVATE" not in out

    _code, out, _err = run("federation_keys", "rotate")
    assert "Added key-2" in out
    assert "main-key" in out
    assert "published" in out

    _code, out, _err = run("federation_keys", "retire", "http://blog.localhost/actors/blog#main-key")
    assert "Retired main-key" in out
    assert InstanceKey.objects.get(name="main-key").retired is not None


def test_federation_keys_refuses_to_retire_the_signing_key():
    run("federation_keys", "show")

    with pytest.raises(CommandError, match="rotate to a new key first"):
        call_command("federation_keys", "retire", "main-key", stdout=StringIO())


def test_fetch_actor_help_documents_the_exit_codes():
    out = StringIO()
    command = load_command_class("apps.federation", "fetch_actor")
    command.create_parser("manage.py", "fetch_actor").print_help(out)

    text = out.getvalue()
    for code, outcome in ((3, "no_peer_url"), (4, "status N"), (5, "bad_actor_doc"), (6, "transport")):
        assert f"  {code}  {outcome}" in text
