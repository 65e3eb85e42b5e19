"""Import a CSV file of users, job assignments or audience members (same rules as the import page)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.csv_import import FORMATS, decode_upload, directory_import


class Command(BaseCommand):
    help = (
        "Import a CSV file of users, job assignments or audience members. Every row is validated first; "
        "if any row is bad, each is reported with its line number and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=sorted(FORMATS), help="What the file contains.")
        parser.add_argument("path", type=Path, help="The CSV file (UTF-8, first line names the columns).")

    def handle(self, *args, kind: str, path: Path, **options):
        try:
            text = decode_upload(path.read_bytes())
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        result = directory_import(kind=kind, text=text)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"{path}:{error.line}: {error.message}")
            raise CommandError(f"Nothing was imported: {len(result.errors)} problem(s) found.")
        self.stdout.write(self.style.SUCCESS(result.summary()))
