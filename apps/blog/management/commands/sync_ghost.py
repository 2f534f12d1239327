from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.blog import ghost
from apps.core.errors import RoseAshError


class Command(BaseCommand):
    help = (
        "Import posts and pages changed in Ghost since the last run (GHOST_URL, GHOST_CONTENT_KEY); "
        "--full reads everything and unpublishes here what Ghost no longer shows."
    )
    # The command checks the settings it needs and says what is wrong in one line; the project's
    # other checks are for starting servers and would bury that line.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--full", action="store_true", help="Read every post, and unpublish those deleted or unpublished in Ghost."
        )

    def handle(self, *args, full=False, **options):
        problem = ghost.configuration_problem()
        if problem:
            raise CommandError(problem)
        bars = {}

        def progress(resource, done, total):
            if resource not in bars:
                # tqdm gets the raw stream: Django's wrapper would end each redraw with a newline.
                bars[resource] = tqdm(desc=f"Ghost {resource}", unit=resource[:-1], file=self.stderr._out)
            bars[resource].total = total
            bars[resource].update(done - bars[resource].n)

        try:
            result = ghost.sync(full=full, progress=progress)
        except RoseAshError as exc:
            raise CommandError(exc.message) from exc
        finally:
            for bar in bars.values():
                bar.close()
        self.stdout.write(
            f"Created {result.created}, updated {result.updated}, unchanged {result.unchanged}, "
            f"unpublished {result.unpublished}, members-only (not imported) {result.members_only}."
        )
        if result.failures:
            for failure in result.failures:
                self.stderr.write(failure)
            raise CommandError(f"{len(result.failures)} post(s) could not be imported; they are retried next run.")
