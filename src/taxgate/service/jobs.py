"""Background jobs: long work (a decide on a large request) run in the server, followed live.

A job's state and progress live in the store (``service_jobs``), so a page reload, another
browser or the API all see the same progress, and a job outlives the page that started it.
Jobs run one at a time, each in a process of its own (``service.worker``) that dies with the
server. A server that stops mid-job takes the job with it; at the next start
``fail_unfinished`` marks it failed. Nothing is
half-recorded either way: the stages write the ledger first, in one transaction, and files
after it (write-ahead), so the same decide run again completes the batch.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import DBAPIError

from taxgate.errors import NotFoundError, TaxgateError, one_line
from taxgate.progress import Progress, describe
from taxgate.service.accounts import stamp
from taxgate.store import STORE_ENV, Store
from taxgate.store.models import ServiceJob

JOBS = cast(Table, ServiceJob.__table__)
LOG = logging.getLogger("taxgate.service")

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
# The pipeline's stages in order (pipeline.decide's progress calls): the share of a decide
# done when a stage starts, for the progress bar.
STAGES: Final = ("intake", "identity", "law", "release", "ledger", "done")
RESTARTED: Final = (
    "the server stopped before this job finished; nothing was half-recorded (the ledger is "
    "written in one transaction before any file): start the decide again to complete it"
)
PROGRESS_EVERY = 0.5  # seconds between stored progress updates within one stage

Work = Callable[[Progress], dict[str, Any]]


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    owner: str
    state: str
    stage: str
    message: str
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str
    created: str
    updated: str

    @property
    def finished(self) -> bool:
        return self.state in (DONE, FAILED)

    @property
    def percent(self) -> int:
        if self.state == DONE:
            return 100
        if self.stage not in STAGES:
            return 0
        return round(100 * STAGES.index(self.stage) / (len(STAGES) - 1))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "owner": self.owner,
            "state": self.state,
            "stage": self.stage,
            "message": self.message,
            "percent": self.percent,
            "params": self.params,
            "result": self.result,
            "error": self.error,
            "created": self.created,
            "updated": self.updated,
        }


def _job(row: Any) -> Job:
    return Job(
        id=str(row.id),
        kind=str(row.kind),
        owner=str(row.owner),
        state=str(row.state),
        stage=str(row.stage),
        message=str(row.message),
        params=json.loads(row.params or "{}"),
        result=json.loads(row.result) if row.result else None,
        error=str(row.error),
        created=str(row.created),
        updated=str(row.updated),
    )


class JobRecorder:
    """Records one job's state and progress in the store (used by the job's own process).

    Progress is written by a thread of its own, from the latest report, every
    ``PROGRESS_EVERY`` seconds: the work never waits on it. It must not: a stage reports
    progress while it holds the store's write lock (the ledger's append is one transaction),
    and on SQLite a progress write would wait for that very lock.
    """

    def __init__(self, store: Store, job_id: str) -> None:
        self.store, self.job_id = store, job_id
        self._latest: tuple[str, str] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def set(self, **values: str) -> None:
        with self.store.transaction() as conn:
            query = update(JOBS).where(JOBS.c.id == self.job_id)
            conn.execute(query.values(updated=stamp(), **values))

    def progress(
        self, stage: str, message: str, /, *, done: int | None = None, total: int | None = None
    ) -> None:
        """``taxgate.progress.Progress``: note where the work is; the writer stores it."""
        with self._lock:
            self._latest = (stage, describe(message, done, total)[:2000])

    def _write_progress(self) -> None:
        written = None
        while not self._stop.wait(PROGRESS_EVERY):
            with self._lock:
                latest = self._latest
            if latest is None or latest == written:
                continue
            try:
                self.set(stage=latest[0], message=latest[1])
                written = latest
            except DBAPIError:
                continue  # the store is busy (the work holds its write lock): next time

    def run(self, work: Work) -> None:
        self.set(state=RUNNING, stage=STAGES[0], message="starting")
        writer = threading.Thread(target=self._write_progress, name="job-progress", daemon=True)
        writer.start()
        try:
            result = work(self.progress)
        except TaxgateError as exc:
            final = {"state": FAILED, "error": one_line(exc)}
        except Exception:
            LOG.exception("job %s failed", self.job_id)
            final = {
                "state": FAILED,
                "error": f"internal error (job {self.job_id}; see the server log)",
            }
        else:
            final = {"state": DONE, "stage": "done", "result": json.dumps(result, sort_keys=True)}
        self._stop.set()
        writer.join()
        self.set(**final)


class Jobs:
    """The job table, and the one thread that runs queued jobs, one at a time, each in its
    own process (``service.worker``): a decide's work then never holds the server's
    interpreter, so pages stay quick while it runs, and a crash in it is the job's alone."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: queue.Queue[str] = queue.Queue()
        self._worker: threading.Thread | None = None

    def fail_unfinished(self) -> int:
        """Mark every job a previous server left queued or running as failed (at start)."""
        with self.store.transaction() as conn:
            done = conn.execute(
                update(JOBS)
                .where(JOBS.c.state.in_((QUEUED, RUNNING)))
                .values(state=FAILED, error=RESTARTED, updated=stamp())
            )
        return int(done.rowcount or 0)

    def submit(self, kind: str, owner: str, params: dict[str, Any]) -> Job:
        """Queue a job of ``kind`` (see ``service.worker.WORK``); ``params`` is all it needs."""
        job_id = uuid.uuid4().hex
        moment = stamp()
        row = {
            "id": job_id,
            "kind": kind,
            "owner": owner,
            "state": QUEUED,
            "stage": "",
            "message": "waiting for the job before it" if self._queue.qsize() else "starting",
            "params": json.dumps(params, sort_keys=True),
            "result": "",
            "error": "",
            "created": moment,
            "updated": moment,
        }
        with self.store.transaction() as conn:
            conn.execute(insert(JOBS).values(**row))
        self._queue.put(job_id)
        self._start()
        return self.get(job_id)

    def get(self, job_id: str) -> Job:
        with self.store.engine.connect() as conn:
            row = conn.execute(select(JOBS).where(JOBS.c.id == job_id)).first()
        if row is None:
            raise NotFoundError(f"no job {job_id!r} (see the list of jobs)")
        return _job(row)

    def recent(self, limit: int = 50) -> list[Job]:
        query = select(JOBS).order_by(JOBS.c.created.desc(), JOBS.c.id).limit(limit)
        with self.store.engine.connect() as conn:
            return [_job(row) for row in conn.execute(query)]

    def _start(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            # A daemon: stopping the server stops the job with it (fail_unfinished records it).
            self._worker = threading.Thread(target=self._run, name="taxgate-jobs", daemon=True)
            self._worker.start()

    def _run(self) -> None:
        while True:
            job_id = self._queue.get()
            try:
                self._execute(job_id)
            except Exception:
                LOG.exception("job %s could not be run", job_id)
            self._queue.task_done()

    def _execute(self, job_id: str) -> None:
        # The store's URL goes by environment, not argv: a PostgreSQL password must not
        # show in the process list.
        env = {**os.environ, STORE_ENV: self.store.url}
        command = [sys.executable, "-m", "taxgate.service.worker", job_id]
        exit_code = subprocess.run(command, env=env, check=False).returncode
        if not self.get(job_id).finished:
            JobRecorder(self.store, job_id).set(
                state=FAILED,
                error=f"the job's process ended without finishing it (exit {exit_code}); "
                "nothing was half-recorded: start it again",
            )

    def wait_idle(self, timeout: float = 600) -> None:
        """Block until every submitted job has run (tests and the benchmark)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.05)
