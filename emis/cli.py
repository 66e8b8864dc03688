"""The `emis` console command: Django's manage.py under a shorter name."""

import os
import sys


def main() -> None:
    # Production unless the developer's settings are asked for: a forgotten variable must not mean DEBUG on
    # and a published key (DJANGO_SETTINGS_MODULE=config.settings.local for development).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    from django.core.management import execute_from_command_line

    # Accept the dashed spellings used in the docs (export-stats) for underscored commands.
    argv = list(sys.argv)
    if len(argv) > 1:
        argv[1] = argv[1].replace("-", "_") if not argv[1].startswith("-") else argv[1]
    argv[0] = "emis"
    execute_from_command_line(argv)
