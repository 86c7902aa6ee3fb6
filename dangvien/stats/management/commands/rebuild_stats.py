"""`dangvien rebuild-stats [--check]`: recompute the precomputed counts from the rows, or
compare them with a full recount."""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dangvien.orgs.models import OrgUnit
from dangvien.people import scope as person_scope
from dangvien.stats import store
from dangvien.stats.check import differences
from dangvien.stats.tasks import rebuild_stats


def vn(n: int) -> str:
    """12.065: the thousands separator of Vietnamese."""
    return f"{n:,}".replace(",", ".")


class Command(BaseCommand):
    help = "Recompute the precomputed member counts from the rows (or --check them)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Compare the counts with a full recount on a few dates; change nothing.",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the rebuild for the background worker (dangvien worker) and return.",
        )

    def handle(self, *args, check=False, enqueue=False, **opts):
        if enqueue:
            result = rebuild_stats.enqueue()
            self.stdout.write(
                _("Rebuild queued for the background worker: %(id)s") % {"id": result.id}
            )
            return
        if check:
            today = dt.date.today()
            days = [today, dt.date(today.year - 1, 1, 1), dt.date(2017, 11, 30)]
            bad = 0
            for unit in OrgUnit.objects.filter(kind=OrgUnit.Kind.SUPERIOR).order_by("path"):
                for day in days:
                    for line in differences(unit, day):
                        bad += 1
                        self.stdout.write(f"{unit.code} {day:%d/%m/%Y}: {line}")
            if bad:
                raise CommandError(
                    _("%(n)d precomputed figures differ from the recount.") % {"n": bad}
                )
            self.stdout.write(_("The precomputed figures match the recount."))
            return
        started = time.perf_counter()
        got = store.rebuild()
        took = time.perf_counter() - started
        started = time.perf_counter()
        scopes = person_scope.rebuild()
        self.stdout.write(
            _("Rebuilt the people's scopes: %(rows)s rows in %(s).1f s.")
            % {"rows": vn(scopes), "s": time.perf_counter() - started}
        )
        self.stdout.write(
            _("Rebuilt: %(people)s people, %(keys)s keys, %(rows)s rows in %(s).1f s.")
            % {
                "people": vn(got["people"]),
                "keys": vn(got["keys"]),
                "rows": vn(got["rows"]),
                "s": took,
            }
        )
