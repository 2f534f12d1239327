import json
import sys
from argparse import RawDescriptionHelpFormatter

from django.core.management.base import BaseCommand

from apps.federation import services

EXIT_CODES = {"no_peer_url": 3, "status": 4, "bad_actor_doc": 5, "transport": 6}

EPILOG = """\
exit status:
  0  the actor state is printed on stdout
  3  no_peer_url: the target names no peer we can find (not in the map, no resolver answer, WebFinger found none)
  4  status N: the peer answered with HTTP status N
  5  bad_actor_doc: <reason>: the answer is not a valid actor document (Content-Type, id, key owner, ...)
  6  transport: <reason>: no answer (refused address, timeout, redirect refused, connection failed)
  1, 2  the command itself failed or was called wrongly
"""


class Command(BaseCommand):
    help = (
        "Find and fetch a peer's actor, through the same cache and checks as the server. TARGET is a peer "
        "name from ROSEASH_FEDERATION_PEERS, an actor URL, or acct:user@host. On failure the outcome is "
        "printed on stderr."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(
            prog_name, subcommand, epilog=EPILOG, formatter_class=RawDescriptionHelpFormatter, **kwargs
        )

    def add_arguments(self, parser):
        parser.add_argument("target", metavar="TARGET")
        parser.add_argument("--json", action="store_true", help="Print the actor state as JSON.")
        parser.add_argument("--refresh", action="store_true", help="Fetch now, even when the cache is fresh.")

    def handle(self, *args, target, **options):
        outcome = services.lookup_or_fetch(target, refresh=options["refresh"])
        if not outcome.ok:
            self.stderr.write(outcome.describe())
            sys.exit(EXIT_CODES[outcome.kind])
        if options["json"]:
            self.stdout.write(json.dumps(outcome.as_dict(), indent=2))
            return
        self.stdout.write(f"id:           {outcome.id}")
        self.stdout.write(f"handle:       {outcome.handle or '-'}")
        self.stdout.write(f"name:         {outcome.name or '-'}")
        self.stdout.write(f"inbox:        {outcome.inbox}")
        self.stdout.write(f"shared inbox: {outcome.shared_inbox or '-'}")
        self.stdout.write(f"format:       {outcome.format}")
        for key in outcome.public_keys:
            self.stdout.write(f"key:          {key.id} ({key.algorithm})")
