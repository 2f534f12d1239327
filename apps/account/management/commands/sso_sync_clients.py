from django.core.management.base import BaseCommand

from apps.account.services import client_registration, sync_sso_clients


class Command(BaseCommand):
    help = "Register each client site with the federation's OAuth server from settings (idempotent)."

    def handle(self, *args, **options):
        for site, outcome in sync_sso_clients().items():
            reg = client_registration(site)
            self.stdout.write(f"{site}: {outcome} ({reg.client_id} -> {reg.redirect_uri})")
