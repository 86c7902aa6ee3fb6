import json
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dangvien.core.dates import parse_date
from dangvien.orgs.models import OrgUnit
from dangvien.reports.structure import structure
from dangvien.reports.xlsx import structure_xlsx


class Command(BaseCommand):
    help = "Reports: `report structure --org CODE --as-of YYYY-MM-DD --format json|xlsx`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="report", required=True)
        s = sub.add_parser("structure", help="Member structure statistics of a subtree on a date")
        s.add_argument("--org", required=True, help="unit code, e.g. PLEIKU")
        s.add_argument("--as-of", required=True, help="date, YYYY-MM-DD or dd/mm/yyyy")
        s.add_argument("--format", choices=["json", "xlsx"], default="json")
        s.add_argument(
            "--output", "-o", help="file to write (xlsx: default structure-ORG-DATE.xlsx)"
        )

    def handle(self, *args, **opts):
        try:
            day = parse_date(opts["as_of"], field="--as-of")
        except ValidationError as e:
            raise CommandError(e.messages[0]) from e
        unit = OrgUnit.objects.filter(code=opts["org"].strip().upper()).first()
        if unit is None:
            raise CommandError(_("Unknown unit code “%(code)s”.") % {"code": opts["org"]})
        result = structure(unit, day)
        if opts["format"] == "json":
            text = json.dumps(result.as_json(), ensure_ascii=False, indent=2)
            if opts["output"]:
                with open(opts["output"], "w", encoding="utf-8") as f:
                    f.write(text + "\n")
            else:
                sys.stdout.write(text + "\n")
            return
        path = opts["output"] or f"structure-{unit.code}-{day.isoformat()}.xlsx"
        with open(path, "wb") as f:
            f.write(structure_xlsx(result))
        self.stdout.write(path)
