from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import RoseAshError
from apps.federation.models import InstanceKey
from apps.federation.signing import keys


class Command(BaseCommand):
    help = (
        "Show, rotate or retire the instance keys every actor publishes. Rotating adds a signing key and "
        "keeps the old one published until you retire it. Private keys are never printed."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("show", help="List the keys: name, created, state, fingerprint.")
        actions.add_parser("rotate", help="Add a new signing key; older keys stay published.")
        retire = actions.add_parser("retire", help="Stop publishing a key (not the signing key).")
        retire.add_argument(
            "key_id", metavar="KEY_ID", help="The key's name (main-key) or a key id ending in #main-key."
        )

    def handle(self, *args, action, **options):
        try:
            if action == "rotate":
                key = keys.rotate()
                self.stdout.write(self.style.SUCCESS(f"Added {key.name}; it signs from now on."))
            elif action == "retire":
                # An operator may paste a whole key id (…/actors/blog#main-key): the name is its fragment.
                key = keys.retire(options["key_id"].rsplit("#", 1)[-1])
                self.stdout.write(self.style.SUCCESS(f"Retired {key.name}; it is no longer published."))
        except RoseAshError as exc:
            raise CommandError(exc.message) from exc
        self.show()

    def show(self):
        signing = keys.signing_key()
        for key in InstanceKey.objects.all():
            if key.retired:
                state = f"retired {key.retired:%Y-%m-%d %H:%M}"
            else:
                state = "signing" if key.pk == signing.pk else "published"
            fingerprint = keys.fingerprint(key.public_key_pem)
            self.stdout.write(f"{key.name:<12} {key.created:%Y-%m-%d %H:%M}  {state:<24} {fingerprint}")
