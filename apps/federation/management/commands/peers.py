from django.core.management.base import BaseCommand
from django.utils import timezone
from tqdm import tqdm

from apps.federation.models import PeerActor
from apps.federation.tasks import enqueue_refresh


class Command(BaseCommand):
    help = "List the peer actors we have cached; --refresh-stale queues a refetch of the stale ones."

    def add_arguments(self, parser):
        parser.add_argument("--stale", action="store_true", help="Only peers not fetched in the last day.")
        parser.add_argument("--failing", action="store_true", help="Only peers whose last fetches failed.")
        parser.add_argument(
            "--refresh-stale", action="store_true", help="Queue a fetch of every stale peer (fetch queue)."
        )

    def handle(self, *args, **options):
        if options["refresh_stale"]:
            self.refresh_stale()
            return
        peers = PeerActor.objects.all()
        if options["stale"]:
            peers = peers.stale()
        if options["failing"]:
            peers = peers.failing()
        self.table(peers)

    def table(self, peers):
        now = timezone.now()
        self.stdout.write(f"{'HANDLE':<32} {'FORMAT':<15} {'FETCHED':<10} {'FAILS':>5}  ACTOR / LAST ERROR")
        count = 0
        for peer in peers.iterator():
            count += 1
            age = now - peer.fetched_at
            fetched = f"{age.days}d ago" if age.days else f"{int(age.total_seconds() // 3600)}h ago"
            stale = "*" if peer.is_stale else " "
            line = f"{peer.handle or '-':<32} {peer.document_format:<15} {fetched + stale:<10} {peer.failures:>5}  "
            self.stdout.write(line + peer.actor_url + (f"  ({peer.last_error})" if peer.last_error else ""))
        self.stdout.write(f"{count} peer(s); * = stale")

    def refresh_stale(self):
        urls = list(PeerActor.objects.stale().order_by("fetched_at").values_list("actor_url", flat=True))
        # tqdm gets the raw stream: Django's wrapper would end each redraw of the bar with a newline.
        for url in tqdm(urls, desc="Queueing refreshes", unit="peer", file=self.stderr._out):
            enqueue_refresh([url])
        self.stdout.write(self.style.SUCCESS(f"Queued {len(urls)} stale peer(s) on the fetch queue."))
