"""The `dangvien` command: every Django management command, plus the project's own."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangvien.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:]
    if args and not args[0].startswith("-"):
        # Django command names cannot hold '-': `dangvien grant-app-role` runs grant_app_role.
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["dangvien", *args])


if __name__ == "__main__":
    main()
