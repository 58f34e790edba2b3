"""One background job, in its own process: ``python -m taxgate.service.worker JOB_ID``.

The server starts it with the store's URL in ``$TAXGATE_STORE``; the job's row holds
everything else (``Jobs.submit``'s params). The process records its own progress and end in
the store, and is killed with the server (Linux: the parent-death signal), so a server that
stops mid-job never leaves a job running unseen: the next server marks it failed.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from taxgate.progress import Progress
from taxgate.service.jobs import JobRecorder, Jobs
from taxgate.service.routes.decide import run_decide
from taxgate.service.routes.remedies import run_audit
from taxgate.store import default_store_url, open_store

WORK: dict[str, Callable[[dict[str, Any], str, Progress], dict[str, Any]]] = {
    "decide": run_decide,
    "audit": run_audit,
}
PR_SET_PDEATHSIG = 1
NICENESS = 10


def _die_with_parent() -> None:
    # Not on Linux the job outlives a killed server; it still records how it ended.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def main(argv: list[str]) -> int:
    _die_with_parent()
    # Background work yields the processor to people waiting on a page.
    os.nice(NICENESS)
    (job_id,) = argv
    url = default_store_url()
    store = open_store(url)
    try:
        recorder = JobRecorder(store, job_id)
        job = Jobs(store).get(job_id)
        work = WORK[job.kind]
        recorder.run(lambda progress: work(job.params, url, progress))
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
