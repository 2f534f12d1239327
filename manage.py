#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roseash.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        # Load the settings before Django does: its command runner keeps a settings error for
        # later and may go on to run a command's checks with no apps loaded, which ends in an
        # unrelated traceback (AppRegistryNotReady) instead of the mistake.
        settings.INSTALLED_APPS  # noqa: B018
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A configuration mistake is the operator's to fix: say what it is, without a traceback.
        sys.stderr.write(f"Rose Ash is not configured: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
