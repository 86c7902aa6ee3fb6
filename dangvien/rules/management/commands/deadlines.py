import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from dangvien.admission.models import CalendarDay
from dangvien.rules.calendar import add_working_days, skipped_days, worked_weekend_days


class Command(BaseCommand):
    help = (
        "Print the due date N working days after a date (Vietnam's calendar, Tết included, "
        "and the days off and worked days an administrator recorded). The ISO date is the "
        "only line on standard output; the days skipped are listed on standard error."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD")
        parser.add_argument("--working-days", type=int, required=True)

    def handle(self, *args, start, working_days, **opts):
        try:
            day = dt.date.fromisoformat(start)
        except ValueError:
            raise CommandError(
                f"“{start}” không phải là ngày hợp lệ (dạng YYYY-MM-DD).", returncode=2
            ) from None
        if working_days < 0:
            raise CommandError("Số ngày làm việc phải ≥ 0.", returncode=2)
        overrides = self.overrides()
        due = add_working_days(day, working_days, overrides)
        self.stdout.write(due.isoformat())
        skipped = skipped_days(day, due, overrides)
        weekends = [s for s in skipped if s.reason == "weekend"]
        self.stderr.write(
            f"{working_days} ngày làm việc từ {day:%d/%m/%Y}: hạn {due:%d/%m/%Y}; "
            f"không tính {len(skipped)} ngày ({len(weekends)} ngày thứ Bảy, Chủ nhật)."
        )
        for s in skipped:
            if s.reason == "holiday":
                self.stderr.write(f"  nghỉ lễ {s.day:%d/%m/%Y} ({s.name})")
            elif s.reason == "override":
                self.stderr.write(f"  ngày nghỉ đã ghi nhận {s.day:%d/%m/%Y}")
        for worked in worked_weekend_days(day, due, overrides):
            self.stderr.write(f"  tính ngày làm bù {worked:%d/%m/%Y}")

    def overrides(self):
        days, read = CalendarDay.overrides_if_any()
        if not read:
            self.stderr.write(
                "Chưa đọc được cơ sở dữ liệu: không tính các ngày nghỉ, ngày làm bù đã ghi nhận."
            )
        return days
