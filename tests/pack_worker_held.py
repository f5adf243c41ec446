"""A real pack worker (prefork) for tests/test_pack_worker_killed.py. Its builds wait, before laying
the pack out, until the test lets them go, so the test can kill the worker's child mid-build.

Run as ``python -m tests.pack_worker_held QUEUE HOLD_DIR`` with DATABASE_URL and REDIS_URL set.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def main(queue: str, hold: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from meetings import packs

    real = packs.pack_document

    def held(pack: object, context: object) -> object:  # same signature as pack_document
        (hold / f"building-{os.getpid()}").write_text(str(pack.pk))
        while not (hold / "release").exists():
            time.sleep(0.05)
        return real(pack, context)

    packs.pack_document = held  # the forked children inherit it
    from cmarac.celery import app

    app.worker_main(
        ["worker", "--pool=prefork", "--concurrency=1", f"--queues={queue}", "--loglevel=WARNING",
         "--without-heartbeat", "--without-mingle", "--without-gossip", f"--hostname={queue}@%h"]
    )  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
