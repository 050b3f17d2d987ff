"""Starts everything the studio needs in one terminal: the web server, the task workers (the default lane and
the results lane, see `studio/queue.py`) and the poller.

Ctrl-C (or SIGTERM) stops all of them cleanly. Each child is started with this same Python, so the
virtual environment is used without activating it.
"""

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from aitre_site.addresses import local_url


class Command(BaseCommand):
    help = "Runs the web server, the django-q2 workers and the poller together (Ctrl-C stops all)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default=settings.RUN_ADDR)

    def handle(self, *args: Any, addr: str, **options: Any) -> None:
        manage = [sys.executable, "manage.py"]
        commands = {
            "web": [*manage, "runserver", addr, "--noreload"],
            "worker": [*manage, "qcluster"],
            "results worker": [*manage, "qcluster"],
            "poller": [*manage, "run_poller"],
        }
        # Every child derives SITE_URL and the sandbox's address from this (unless they are set), so the
        # worker sends the sandbox's requests to the port the web server really listens on.
        child_env = {**os.environ, "RUN_ADDR": addr}
        lanes = {"worker": str(settings.Q_CLUSTER["name"]), "results worker": settings.RESULTS_QUEUE}
        children = {
            name: subprocess.Popen(
                cmd, env={**child_env, "Q_CLUSTER_NAME": lanes[name]} if name in lanes else child_env
            )
            for name, cmd in commands.items()
        }
        self.stdout.write(f"Started {', '.join(children)} (Ctrl-C stops everything).")
        self.stdout.write(f"Studio: {local_url(addr)}/  Sandbox gateway: {self._sandbox_url(addr)}")

        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                exited = [name for name, child in children.items() if child.poll() is not None]
                if exited:
                    self.stderr.write(f"{', '.join(exited)} stopped; stopping the rest.")
                    break
                time.sleep(0.5)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for child in children.values():
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
        self.stdout.write("Stopped.")

    def _sandbox_url(self, addr: str) -> str:
        """The sandbox address the children will use (what settings derive from RUN_ADDR, or the override)."""
        if os.environ.get("SANDBOX_BASE_URL"):
            return os.environ["SANDBOX_BASE_URL"]
        site = os.environ.get("SITE_URL") or local_url(addr)
        return f"{site.rstrip('/')}/sandbox"
