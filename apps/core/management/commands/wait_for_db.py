"""
Wait until the database accepts connections.

Containers start together, and PostgreSQL takes a few seconds to accept connections after its
container is up: the entrypoint runs this first so that nothing starts against a database that is
not there yet, and so that a database that never comes fails loudly, naming where it looked.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import OperationalError


def describe(settings_dict):
    """Return where a database lives, without its password: ``host:port/name`` or a file path."""
    if settings_dict["HOST"]:
        port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
        return f"{settings_dict['HOST']}{port}/{settings_dict['NAME']}"
    return str(settings_dict["NAME"])


class Command(BaseCommand):
    help = "Wait until the database accepts connections; fail after --timeout seconds."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=60, help="Give up after this many seconds (60).")
        parser.add_argument("--interval", type=float, default=1, help="Seconds between attempts (1).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database alias to wait for.")

    def handle(self, *args, timeout, interval, database, **options):
        connection = connections[database]
        where = f"{connection.vendor} database at {describe(connection.settings_dict)}"
        deadline = time.monotonic() + timeout
        attempts = 0
        while True:
            attempts += 1
            try:
                connection.ensure_connection()
            except OperationalError as exc:
                if time.monotonic() + interval > deadline:
                    raise CommandError(
                        f"The {where} did not accept connections within {timeout:g}s ({attempts} attempts). "
                        f"Last error: {exc}. Check DATABASE_URL and that the database server is running."
                    ) from exc
                if attempts == 1:
                    self.stderr.write(f"Waiting for the {where}: {exc}")
                time.sleep(interval)
            else:
                connection.close()
                self.stdout.write(f"The {where} is ready ({attempts} attempt{'s' if attempts > 1 else ''}).")
                return
