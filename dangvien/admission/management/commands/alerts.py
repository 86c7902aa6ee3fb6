import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangvien.admission.tasks import UnknownUnit, as_json, daily, daily_alerts, unit_of
from dangvien.core.dates import parse_date


class Command(BaseCommand):
    help = (
        "Deadline and eligibility alerts of active candidates, and transfers of party "
        "activity not received in the legal time (for a daily cron job or systemd timer)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="date (default today), YYYY-MM-DD or dd/mm/yyyy")
        parser.add_argument("--org", help="limit to a unit's subtree (unit code)")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="queue the run for `dangvien worker` instead (its result stays in the queue)",
        )

    def handle(self, *args, **opts):
        try:
            day = (
                parse_date(opts["as_of"], field="--as-of")
                if opts["as_of"]
                else (timezone.localdate())
            )
            unit_of(opts["org"])  # an unknown code is refused before anything runs
        except ValidationError as e:
            raise CommandError(e.messages[0], returncode=2) from e
        except UnknownUnit as e:
            raise CommandError(str(e), returncode=2) from e
        if opts["enqueue"]:
            result = daily_alerts.enqueue(as_of=day.isoformat(), org=opts["org"])
            self.stdout.write(f"Đã xếp hàng tác vụ cảnh báo {result.id} ngày {day:%d/%m/%Y}.")
            return
        found, moves = daily(day, opts["org"])
        if opts["format"] == "json":
            self.stdout.write(json.dumps(as_json(day, found, moves), ensure_ascii=False, indent=2))
            return
        for a in found:
            mark = "QUÁ HẠN" if a.overdue else "SẮP ĐẾN"
            self.stdout.write(
                f"[{mark}] {a.candidate.person.full_name} ({a.candidate.cell.code}): {a.message}"
            )
        for m in moves:
            mark = "QUÁ HẠN" if m.overdue else "SẮP ĐẾN"
            t = m.transfer
            self.stdout.write(
                f"[{mark}] {t.membership.person.full_name} ({t.from_unit}): {m.message}"
            )
        self.stdout.write(f"{len(found) + len(moves)} cảnh báo ngày {day:%d/%m/%Y}.")
