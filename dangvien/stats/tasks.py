"""`rebuild-stats` as a background task (see core.jobs): `dangvien rebuild-stats
--enqueue` queues it for `dangvien worker`; its result (JSON) stays in the queue table."""

from django_tasks import task

from . import store


@task()
def rebuild_stats() -> dict:
    from dangvien.people import scope as person_scope

    # As the command does: the counts, then the person → scope table.
    return {**store.rebuild(), "scopes": person_scope.rebuild()}
