import json
import sys

from django.core.management.base import BaseCommand, CommandError

from dangvien.admission.models import CalendarDay
from dangvien.rules import rulesets
from dangvien.rules.checks import report
from dangvien.rules.dossier import DossierError, parse


class Command(BaseCommand):
    help = "Rule sets: `rules check FILE.json [--rule-set ID] [--format json]`, `rules list`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="Check a dossier (JSON file, or - for stdin)")
        check.add_argument("file")
        check.add_argument("--rule-set", help="e.g. 2016, 2021, 2025 (default: in force)")
        check.add_argument("--format", choices=["text", "json"], default="text")
        sub.add_parser("list", help="The rule sets and when each came into force")

    def handle(self, *args, **opts):
        if opts["action"] == "list":
            self.list_sets()
            return
        try:
            if opts["file"] == "-":
                data = json.load(sys.stdin)
            else:
                with open(opts["file"], encoding="utf-8") as f:
                    data = json.load(f)
        except OSError as e:
            raise CommandError(f"Không đọc được tệp: {e}", returncode=2) from e
        except json.JSONDecodeError as e:
            raise CommandError(
                f"Tệp không phải JSON hợp lệ (dòng {e.lineno}, cột {e.colno}).", returncode=2
            ) from e
        try:
            result = report(parse(data), opts["rule_set"], overrides=self.overrides())
        except DossierError as e:
            raise CommandError(str(e), returncode=2) from e
        except rulesets.UnknownRuleSet as e:
            known = ", ".join(rs.id for rs in rulesets.RULE_SETS)
            raise CommandError(
                f"Không có bộ quy định “{e.args[0]}” (có: {known}).", returncode=2
            ) from e
        if opts["format"] == "json":
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        rs = rulesets.get(result["rule_set"])
        self.stdout.write(f"Bộ quy định: {rs.id} – {rs.name}")
        if not result["findings"]:
            self.stdout.write("Không có vướng mắc: hồ sơ đạt đến bước hiện tại.")
        for f in result["findings"]:
            mark = "CHẶN" if f["severity"] == "blocking" else "LƯU Ý"
            self.stdout.write(f"[{mark}] {f['rule']}: {f['message']} ({f['citation']})")

    def list_sets(self) -> None:
        """Each set: id, period, then the documents it cites and from when (a guidance is
        cited only from its own date)."""
        labels = {
            "charter": "Thi hành Điều lệ",
            "guidance": "Hướng dẫn của Ban Bí thư",
            "procedures": "Nghiệp vụ, biểu mẫu",
            "religion": "Người theo tôn giáo",
            "business_owner": "Chủ doanh nghiệp tư nhân",
        }
        for rs in rulesets.RULE_SETS:
            until = f" đến {rs.until:%d/%m/%Y}" if rs.until else ""
            self.stdout.write(f"{rs.id}\ttừ {rs.in_force_from:%d/%m/%Y}{until}\t{rs.name}")
            previous: dict = {}
            for start, docs in rs.periods():
                if previous:
                    self.stdout.write(f"    từ {start:%d/%m/%Y}:")
                for area in rulesets.AREAS:
                    if area in docs and docs[area] != previous.get(area):
                        self.stdout.write(f"      {labels[area]}: {docs[area]}")
                previous = docs

    def overrides(self):
        days, read = CalendarDay.overrides_if_any()
        if not read:
            self.stderr.write(
                "Chưa đọc được cơ sở dữ liệu: không tính các ngày nghỉ, ngày làm bù đã ghi nhận."
            )
        return days
