from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.core.errors import RoseAshError
from apps.market import services


class Command(BaseCommand):
    help = (
        "Import products from producers' shop pages (their JSON-LD, microdata or OpenGraph markup); "
        "a page imported before updates its product. Exits non-zero unless every page was imported."
    )
    # The command says what is wrong in one line per page; the project's other checks are for
    # starting servers and would bury those lines.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("urls", nargs="+", metavar="URL", help="The address of a product's page on the shop.")
        parser.add_argument(
            "--producer", metavar="SLUG", help="The producer of these products (default: the brand or seller named)."
        )
        parser.add_argument("--category", metavar="SLUG", help="Their category (default: the one named, or Imported).")
        parser.add_argument(
            "--vat-rate", metavar="PERCENT", help="VAT included in the shop's prices, for new variants (default 20)."
        )

    def handle(self, *args, urls, producer=None, category=None, vat_rate=None, **options):
        try:
            chosen = {
                "producer": services.get_producer(producer) if producer else None,
                "category": services.get_category(category) if category else None,
            }
        except RoseAshError as exc:
            raise CommandError(exc.message) from exc
        failed = 0
        # tqdm gets the raw stream (Django's wrapper would end each redraw with a newline); it
        # draws only on a terminal, so a log or a pipe gets the plain lines below.
        stream = self.stderr._out
        with tqdm(urls, desc="Importing", unit="page", file=stream, disable=None) as pages:
            for url in pages:
                try:
                    result = services.import_product_from_url(url, vat_rate=vat_rate, **chosen)
                except RoseAshError as exc:
                    failed += 1
                    tqdm.write(exc.message, file=stream)
                    continue
                done = "Imported" if result.created else "Updated"
                tqdm.write(f"{done} “{result.name}” from {result.url}", file=self.stdout._out)
                for warning in result.warnings:
                    tqdm.write(f"{result.url}: warning: {warning}", file=stream)
        if failed:
            raise CommandError(f"{failed} of {len(urls)} page(s) could not be imported.")
