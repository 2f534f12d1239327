"""
Demo data for ``manage.py seed_demo``: each app contributes steps in its own ``demo.py``.

A step lists its items and applies one at a time, so the command can show one progress bar over
all of them; applying an item twice must change nothing (seeding is idempotent).
"""

import json

from django.conf import settings

from .site_rows import sync_site_rows

__all__ = ["SeedStep", "load_fixture", "register", "steps"]

_steps = []


class SeedStep:
    label = ""
    order = 50

    def items(self):
        raise NotImplementedError

    def apply(self, item):
        raise NotImplementedError

    def notes(self):
        """Return lines to print once seeding is done (where to look, how to sign in)."""
        return []


def register(step_class):
    _steps.append(step_class())
    return step_class


def steps():
    return sorted(_steps, key=lambda step: step.order)


def load_fixture(name):
    """Return the demo records in ``fixtures/demo/<name>.json``."""
    with open(settings.BASE_DIR / "fixtures" / "demo" / f"{name}.json", encoding="utf-8") as handle:
        return json.load(handle)


@register
class SiteRows(SeedStep):
    label = "sites"
    order = 0

    def items(self):
        return [None]

    def apply(self, item):
        sync_site_rows()
