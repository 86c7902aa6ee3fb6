"""`dangvien bench-scale`: the scale benchmark (dangvien.reports.scale_bench); its own
argument parser, so `dangvien bench-scale --help` lists its options."""

from django.core.management.base import BaseCommand

from dangvien.reports.scale_bench import main


class Command(BaseCommand):
    help = "Benchmark a synthetic country of N members on SQLite and PostgreSQL, and DuckDB."

    def run_from_argv(self, argv):
        main(argv[2:])
