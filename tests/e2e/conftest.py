"""
Headless Chromium (Debian's ``chromium`` package) driven by Playwright against the live server.

Chromium resolves ``*.localhost`` to loopback itself, so pages are opened on the sites' real
hostnames. Tests skip, saying why, when Chromium or Playwright is not installed.
"""

import shutil

import pytest
from django.db import connections

from tests.account.live import serve_all_sites

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def sites(live_server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return serve_all_sites(live_server, settings)


@pytest.fixture
def page(sites, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    if not shutil.which(CHROMIUM):
        pytest.skip("Chromium is not installed: apt-get install -y chromium")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls (fixtures,
    # assertions) are plain synchronous code all the same.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context()
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()
        # While Playwright's loop runs, Django hands this thread a connection of its own (asgiref
        # keys connections by context); close it, or PostgreSQL cannot drop the test database.
        connections.close_all()
