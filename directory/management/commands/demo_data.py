"""Load the demo data: each app's ``demo.load()`` in INSTALLED_APPS order. Idempotent."""

import importlib

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Load the demo company, certifications, groups and reports. Running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--logins", action="store_true", help="Only print the demo logins.")

    def handle(self, *args, logins: bool = False, **options):
        from directory.demo import LOGINS

        if logins:
            for username, role in LOGINS:
                self.stdout.write(f"    {username:<12} {role}")
            return
        for config in apps.get_app_configs():
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{config.name}.demo":
                    raise
                continue
            with transaction.atomic():
                module.load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))
