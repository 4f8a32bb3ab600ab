"""Generations through the real queue: procrastinate on the embedded PostgreSQL, a real worker
process, killed with SIGKILL mid-job, a lost job, twenty identical requests at once."""

import datetime
import threading
import time
from io import StringIO

import psutil
import pytest
from django.core.management import CommandError, call_command
from django.db import connections, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from specs_app.generation import services
from specs_app.models import GeneratedFile, GeneratedProject
from specs_app.tasks import generation_watchdog_pass
from tests.helpers import BOTH
from tests.queue_helpers import empty_queue, job_statuses, wait_until, worker

pytestmark = [pytest.mark.django_db(databases=BOTH, transaction=True), pytest.mark.slow]

TASK = services.GENERATION_TASK


@pytest.fixture(autouse=True)
def queued(settings):
    settings.GENERATION_RUN_INLINE = False
    empty_queue()
    yield
    empty_queue()


def url(project, tail=""):
    return f"/api/v2/projects/{project.pk}/generations/{tail}"


def status_of(generation_id) -> str:
    return GeneratedProject.objects.get(pk=generation_id).generation_status


def test_a_generation_requested_over_http_is_run_by_a_worker(client, ready_project, tmp_path):
    response = client.post(url(ready_project))

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending"
    # The job was committed with the generation, before any worker ran.
    assert job_statuses(TASK) == ["todo"]
    with worker(tmp_path) as running:
        wait_until(
            lambda: status_of(body["id"]) == "completed",
            timeout=60,
            what="the generation to complete",
            worker=running,
        )
    detail = client.get(response["Location"]).json()
    assert detail["traceability_score"] == pytest.approx(7 / 9)
    assert job_statuses(TASK) == ["succeeded"]


def test_a_worker_killed_mid_generation_is_replaced_and_the_generation_completes_once(
    client, ready_project, tmp_path
):
    generation_id = client.post(url(ready_project)).json()["id"]
    with transaction.atomic(using="specs"):
        # Hold the generation's row: the worker takes the job and then waits on this lock,
        # so it is certainly mid-job when it is killed.
        GeneratedProject.objects.select_for_update().get(pk=generation_id)
        first = worker(tmp_path, "first")
        running = first.__enter__()
        try:
            wait_until(
                lambda: job_statuses(TASK) == ["doing"], timeout=60, what="the job", worker=running
            )
            running.kill()
            killed_at = time.monotonic()
        finally:
            first.__exit__(None, None, None)
    assert job_statuses(TASK) == ["doing"]  # nobody told the queue: its worker just vanished

    with worker(tmp_path, "second") as second:
        wait_until(
            lambda: status_of(generation_id) == "completed",
            timeout=90,
            what="the second worker to recover and complete the generation",
            worker=second,
        )
        recovered_in = time.monotonic() - killed_at
    print(f"stalled-job recovery: completed {recovered_in:.1f} s after the SIGKILL")

    assert GeneratedProject.objects.filter(project=ready_project).count() == 1
    generation = GeneratedProject.objects.get(pk=generation_id)
    files = GeneratedFile.objects.filter(generated_project=generation)
    paths = list(files.values_list("file_path", flat=True))
    assert len(paths) == len(set(paths)) == generation.total_files > 0
    assert "succeeded" in job_statuses(TASK)


def test_twenty_identical_requests_at_once_make_one_generation(owner, ready_project):
    responses = []
    barrier = threading.Barrier(20)

    def request():
        client = APIClient()
        client.force_authenticate(owner)
        barrier.wait()
        try:
            responses.append(client.post(url(ready_project)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.status_code for r in responses) == [202] * 20
    assert len({r.json()["id"] for r in responses}) == 1
    assert GeneratedProject.objects.filter(project=ready_project).count() == 1
    assert job_statuses(TASK) == ["todo"]


def test_the_watchdog_requeues_a_generation_whose_job_was_lost_and_fails_one_too_old(
    client, ready_project, settings
):
    lost = client.post(url(ready_project)).json()["id"]
    with connections["specs"].cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")  # the queue wiped
    a_minute_ago = timezone.now() - datetime.timedelta(seconds=60)
    GeneratedProject.objects.filter(pk=lost).update(created_at=a_minute_ago)

    assert generation_watchdog_pass() == {"failed": 0, "requeued": 1}
    assert job_statuses(TASK) == ["todo"]
    assert generation_watchdog_pass() == {"failed": 0, "requeued": 0}

    settings.GENERATION_MAX_SECONDS = 30
    assert generation_watchdog_pass() == {"failed": 1, "requeued": 0}
    generation = GeneratedProject.objects.get(pk=lost)
    assert generation.generation_status == "failed"
    assert "Not finished within 30 s" in generation.error_message


def test_the_worker_reconnects_after_its_database_connections_are_cut(
    client, ready_project, tmp_path
):
    with worker(tmp_path) as running:
        wait_until(lambda: _worker_backends(), timeout=60, what="the worker to connect")
        with connections["specs"].cursor() as cursor:
            # What a database restart does to a client: every session of the worker ends.
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        generation_id = client.post(url(ready_project)).json()["id"]
        wait_until(
            lambda: status_of(generation_id) == "completed",
            timeout=90,
            what="the worker to reconnect and run the generation",
            worker=running,
        )


def test_manage_py_worker_starts_procrastinates_worker_again_when_it_dies(
    client, ready_project, tmp_path
):
    """The wrapper's own promise, made certain: whatever ends procrastinate's worker (here a
    SIGKILL of the child alone; procrastinate also ends it on some connection losses), the
    wrapper logs it and starts another, which runs the next job."""
    with worker(tmp_path) as running:
        wait_until(lambda: _worker_backends(), timeout=60, what="the worker to connect")
        (child,) = psutil.Process(running.process.pid).children()
        child.kill()
        wait_until(
            lambda: "The worker ended (exit -9)" in running.output(),
            timeout=30,
            what="the wrapper to notice its worker died",
            worker=running,
        )
        generation_id = client.post(url(ready_project)).json()["id"]
        wait_until(
            lambda: status_of(generation_id) == "completed",
            timeout=90,
            what="the restarted worker to run the generation",
            worker=running,
        )
        (replacement,) = psutil.Process(running.process.pid).children()
        assert replacement.pid != child.pid


def _worker_backends() -> int:
    with connections["specs"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_the_queue_command_shows_counts_and_cancels_or_retries_a_job(client, ready_project):
    client.post(url(ready_project))
    (job_id,) = _job_ids()

    out = StringIO()
    call_command("queue", stdout=out)
    assert "generation.run" in out.getvalue() and "todo" in out.getvalue()
    assert "Stalled (doing, worker silent > " in out.getvalue()
    with pytest.raises(CommandError, match=f"Job {job_id} is todo: only a failed"):
        call_command("queue", retry=job_id)
    with connections["specs"].cursor() as cursor:
        # A job left `doing` by a worker that is gone (no worker row any more): stalled.
        cursor.execute("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = %s", [job_id])
    out = StringIO()
    call_command("queue", stdout=out)
    assert f"worker silent > 20 s): {job_id} (generation.run)" in out.getvalue()
    with connections["specs"].cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET status = 'todo' WHERE id = %s", [job_id])

    call_command("queue", cancel=job_id, stdout=StringIO())
    assert job_statuses(TASK) == ["cancelled"]
    with pytest.raises(CommandError, match="No job 0."):
        call_command("queue", cancel=0)


def _job_ids() -> list[int]:
    with connections["specs"].cursor() as cursor:
        cursor.execute("SELECT id FROM procrastinate_jobs WHERE task_name = %s", [TASK])
        return [row[0] for row in cursor.fetchall()]
