from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from apps.core import demo


class Command(BaseCommand):
    help = "Fill the platform with demo data so a new user sees it living. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DEBUG off (demo members have published passwords).",
        )

    def handle(self, *args, allow_production, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "Refusing to seed demo data with DEBUG off: demo members have published passwords. "
                "Pass --allow-production if this really is a demo server."
            )
        work = [(step, item) for step in demo.steps() for item in step.items()]
        with tqdm(total=len(work), desc="Seeding demo data", unit="item", file=self.stderr._out) as bar:
            for step, item in work:
                bar.set_postfix_str(step.label)
                with transaction.atomic():
                    step.apply(item)
                bar.update()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {len(work)} items in {len(demo.steps())} steps."))
        for step in demo.steps():
            for line in step.notes():
                self.stdout.write(line)
