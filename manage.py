#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    # Production unless the developer's settings are asked for: a forgotten variable must not mean DEBUG on
    # and a published key (DJANGO_SETTINGS_MODULE=config.settings.local for development).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
