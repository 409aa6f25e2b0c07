"""django-tasks-db's ``db_worker``, which first recovers the PDF renders a dead worker cut off.

This app is listed before ``django_tasks_db`` in ``INSTALLED_APPS``, so ``manage.py db_worker``
runs this command; its options are django-tasks-db's. Two additions: a worker claims tasks as
``host:pid:random`` (unless ``--worker-id`` is given), and on start it calls
``tasks.recover_interrupted_renders``, so a PDF whose render died with its worker (SIGKILL, out
of memory) is rendered as soon as a worker runs again instead of waiting for the daily job.
"""

from django_tasks_db.management.commands import db_worker

from certificates import tasks


class Command(db_worker.Command):
    help = (
        f"{db_worker.Command.help}. On start, queues again the attestation PDFs whose render a "
        "worker that no longer runs left unfinished."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(worker_id=tasks.worker_id())

    def handle(self, *args, **options):
        recovered = tasks.recover_interrupted_renders()
        if recovered and options["verbosity"]:
            self.stdout.write(f"Queued {recovered} attestation PDF(s) whose render was not under way.")
        super().handle(*args, **options)
