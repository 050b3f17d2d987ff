"""Runs the poller loop: every tick it claims due generations, asks the gateway, and re-queues lost work."""

import logging
import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from studio.generations import catalogue
from studio.generations.engine.poller import poll_due_generations, release_claims

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Polls the gateway for in-flight generations until stopped (Ctrl-C or SIGTERM)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Run a single tick and exit.")
        parser.add_argument("--tick", type=float, default=None, help="Seconds between ticks.")

    def handle(self, *args: Any, once: bool, tick: float | None, **options: Any) -> None:
        interval = tick if tick is not None else settings.POLLER_TICK
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(f"Poller running, one tick every {interval:g} s.")
        released = release_claims(timezone.now())
        if released:
            self.stdout.write(f"Took back {released} claims left by a poller that stopped mid-tick.")
        # The teams' model lists are refreshed by a worker: the first time soon after start, then on schedule.
        catalogue_due = time.monotonic() + min(60.0, settings.CATALOGUE_REFRESH_EVERY)
        while not stopping:
            started = time.monotonic()
            close_old_connections()
            try:
                if not once and started >= catalogue_due:
                    catalogue_due = started + settings.CATALOGUE_REFRESH_EVERY / 6
                    catalogue.enqueue_refresh()
                report = poll_due_generations()
                if report.claimed:
                    logger.info(
                        "Polled %d generations with %d gateway calls; %d changed.",
                        report.claimed,
                        report.gateway_calls,
                        report.changed,
                    )
            except Exception:
                # One bad tick (database restart, a bug on one row) must not stop polling for everyone.
                logger.exception("Poller tick failed")
            if once:
                break
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
        self.stdout.write("Poller stopped.")
