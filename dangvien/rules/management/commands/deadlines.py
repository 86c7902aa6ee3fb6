import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from dangvien.rules.calendar import add_working_days


class Command(BaseCommand):
    help = "Print the due date N working days after a date (Vietnam's calendar, Tết included)."

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
        self.stdout.write(add_working_days(day, working_days).isoformat())
