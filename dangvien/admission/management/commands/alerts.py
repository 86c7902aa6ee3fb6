import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from dangvien.admission.deadlines import alerts
from dangvien.admission.models import Candidate
from dangvien.core.dates import parse_date
from dangvien.orgs.models import OrgUnit
from dangvien.records.models import Transfer
from dangvien.records.transfers import transfer_alerts


class Command(BaseCommand):
    help = (
        "Deadline and eligibility alerts of active candidates, and transfers of party "
        "activity not received in the legal time (for a daily cron job)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="date (default today), YYYY-MM-DD or dd/mm/yyyy")
        parser.add_argument("--org", help="limit to a unit's subtree (unit code)")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **opts):
        try:
            day = (
                parse_date(opts["as_of"], field="--as-of")
                if opts["as_of"]
                else (timezone.localdate())
            )
        except ValidationError as e:
            raise CommandError(e.messages[0], returncode=2) from e
        candidates = Candidate.objects.all()
        transfers = Transfer.objects.all()
        if opts["org"]:
            unit = OrgUnit.objects.filter(code=opts["org"].strip().upper()).first()
            if unit is None:
                raise CommandError(f"Mã đơn vị không tồn tại: “{opts['org']}”.", returncode=2)
            candidates = candidates.filter(cell__path__startswith=unit.path)
            # A transfer in transit concerns both sides: the sending and receiving units.
            transfers = transfers.filter(
                Q(from_unit__path__startswith=unit.path) | Q(to_unit__path__startswith=unit.path)
            )
        found = alerts(candidates, day)
        moves = transfer_alerts(transfers, day)
        if opts["format"] == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "as_of": day.isoformat(),
                        "alerts": [a.as_dict() for a in found],
                        "transfer_alerts": [a.as_dict() for a in moves],
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
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
