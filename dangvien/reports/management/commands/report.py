import json
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dangvien.core.dates import parse_date
from dangvien.orgs.models import OrgUnit
from dangvien.reports.coverage import coverage
from dangvien.reports.development import development
from dangvien.reports.structure import grassroots_rows, structure
from dangvien.reports.xlsx import structure_xlsx


class Command(BaseCommand):
    help = (
        "Reports: `report structure --org CODE --as-of YYYY-MM-DD --format json|xlsx`; "
        "`report development --org CODE --from D --to D` (admissions in a period); "
        "`--format pdf|xlsx` for development, coverage and targets; "
        "`report draft --org CODE --from D --to D -o FILE` (the periodic report, DOCX)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="report", required=True)
        s = sub.add_parser("structure", help="Member structure statistics of a subtree on a date")
        s.add_argument("--org", required=True, help="unit code, e.g. PLEIKU")
        s.add_argument("--as-of", required=True, help="date, YYYY-MM-DD or dd/mm/yyyy")
        s.add_argument("--compare", help="an earlier or later date: both dates and the change")
        s.add_argument("--format", choices=["json", "xlsx"], default="json")
        s.add_argument(
            "--output", "-o", help="file to write (xlsx: default structure-ORG-DATE.xlsx)"
        )

        d = sub.add_parser("development", help="Admissions, confirmations in a period")
        d.add_argument("--org", required=True, help="unit code, e.g. PLEIKU-P")
        d.add_argument("--from", dest="start", required=True, help="first day of the period")
        d.add_argument("--to", dest="end", required=True, help="last day of the period")
        d.add_argument("--format", choices=["json", "pdf", "xlsx"], default="json")
        d.add_argument("--output", "-o", help="file to write")

        c = sub.add_parser("coverage", help="Coverage of localities and cells on a date")
        c.add_argument("--org", required=True, help="unit code")
        c.add_argument("--as-of", required=True, help="date, YYYY-MM-DD or dd/mm/yyyy")
        c.add_argument("--since", help="tái trắng: had a member since this date")
        c.add_argument("--format", choices=["json", "pdf", "xlsx"], default="json")
        c.add_argument("--output", "-o", help="file to write")

        t = sub.add_parser("targets", help="The term's targets with pace and forecast")
        t.add_argument("--org", required=True, help="unit code")
        t.add_argument("--as-of", required=True, help="date, YYYY-MM-DD or dd/mm/yyyy")
        t.add_argument("--format", choices=["json", "pdf", "xlsx"], default="json")
        t.add_argument("--output", "-o", help="file to write")

        r = sub.add_parser("draft", help="The periodic report draft (DOCX) of a unit")
        r.add_argument("--org", required=True, help="unit code")
        r.add_argument("--from", dest="start", required=True, help="first day of the period")
        r.add_argument("--to", dest="end", required=True, help="last day of the period")
        r.add_argument("--format", choices=["docx"], default="docx")
        r.add_argument("--output", "-o", help="file to write (default bao-cao-ORG-TO.docx)")

    def unit(self, code: str) -> OrgUnit:
        unit = OrgUnit.objects.filter(code=code.strip().upper()).first()
        if unit is None:
            raise CommandError(_("Unknown unit code “%(code)s”.") % {"code": code})
        return unit

    def write_json(self, data: dict, output: str | None) -> None:
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if output:
            with open(output, "w", encoding="utf-8") as f:
                f.write(text + "\n")
        else:
            sys.stdout.write(text + "\n")

    def write_file(self, content: bytes, output: str | None, default: str) -> None:
        path = output or default
        with open(path, "wb") as f:
            f.write(content)
        self.stdout.write(path)

    def period(self, opts) -> tuple:
        try:
            start = parse_date(opts["start"], field="--from")
            end = parse_date(opts["end"], field="--to")
        except ValidationError as e:
            raise CommandError(e.messages[0]) from e
        from dangvien.core.views import today
        from dangvien.reports.development_views import up_to_today

        end, error = up_to_today(start, end, today())
        if error:
            raise CommandError(error)
        if end < start:
            raise CommandError(_("The period ends before it begins."))
        return start, end

    def handle(self, *args, **opts):
        if opts["report"] == "draft":
            from dangvien.reports.draft import draft_docx

            start, end = self.period(opts)
            unit = self.unit(opts["org"])
            return self.write_file(
                draft_docx(unit, start, end), opts["output"], f"bao-cao-{unit.code}-{end}.docx"
            )
        if opts["report"] == "targets":
            from dangvien.targets.pace import targets_report

            try:
                day = parse_date(opts["as_of"], field="--as-of")
            except ValidationError as e:
                raise CommandError(e.messages[0]) from e
            unit = self.unit(opts["org"])
            rows = targets_report(unit, day)
            if opts["format"] == "pdf":
                from dangvien.reports.pdf import targets_pdf

                content = targets_pdf(unit, day, rows)
                return self.write_file(content, opts["output"], f"targets-{unit.code}-{day}.pdf")
            if opts["format"] == "xlsx":
                from dangvien.reports.office import targets_xlsx

                content = targets_xlsx(unit, day, rows)
                return self.write_file(content, opts["output"], f"targets-{unit.code}-{day}.xlsx")
            data = {"as_of": day.isoformat(), "targets": [p.as_json() for p in rows]}
            return self.write_json(data, opts["output"])
        if opts["report"] == "coverage":
            try:
                day = parse_date(opts["as_of"], field="--as-of")
                since = parse_date(opts["since"], field="--since") if opts["since"] else None
            except ValidationError as e:
                raise CommandError(e.messages[0]) from e
            unit = self.unit(opts["org"])
            if opts["format"] == "pdf":
                from dangvien.reports.pdf import coverage_pdf

                content = coverage_pdf(coverage(unit, day, since))
                return self.write_file(content, opts["output"], f"coverage-{unit.code}-{day}.pdf")
            if opts["format"] == "xlsx":
                from dangvien.reports.office import coverage_xlsx

                content = coverage_xlsx(coverage(unit, day, since))
                name = f"coverage-{unit.code}-{day}.xlsx"
                return self.write_file(content, opts["output"], name)
            return self.write_json(coverage(unit, day, since).as_json(), opts["output"])
        if opts["report"] == "development":
            start, end = self.period(opts)
            unit = self.unit(opts["org"])
            if opts["format"] == "pdf":
                from dangvien.reports.pdf import development_pdf

                content = development_pdf(development(unit, start, end))
                name = f"development-{unit.code}-{start}-{end}.pdf"
                return self.write_file(content, opts["output"], name)
            if opts["format"] == "xlsx":
                from dangvien.reports.office import development_xlsx

                content = development_xlsx(development(unit, start, end))
                name = f"development-{unit.code}-{start}-{end}.xlsx"
                return self.write_file(content, opts["output"], name)
            return self.write_json(development(unit, start, end).as_json(), opts["output"])
        try:
            day = parse_date(opts["as_of"], field="--as-of")
        except ValidationError as e:
            raise CommandError(e.messages[0]) from e
        try:
            other_day = parse_date(opts["compare"], field="--compare") if opts["compare"] else None
        except ValidationError as e:
            raise CommandError(e.messages[0]) from e
        unit = self.unit(opts["org"])
        result = structure(unit, day)
        other = structure(unit, other_day) if other_day and other_day != day else None
        if opts["format"] == "json":
            data = result.as_json()
            data["by_grassroots"] = [o.as_json() for o in grassroots_rows(unit, day)]
            if other is not None:
                data["compare"] = other.as_json()
            return self.write_json(data, opts["output"])
        later, earlier = (result, other) if other is None or other.day < day else (other, result)
        path = opts["output"] or f"structure-{unit.code}-{day.isoformat()}.xlsx"
        with open(path, "wb") as f:
            f.write(structure_xlsx(later, earlier))
        self.stdout.write(path)
