"""``manage.py import_candidates FILE --mandate SLUG [--dry-run] [--as USERNAME]``."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from candidates import csv_format, services
from candidates.models import Mandate


class Command(BaseCommand):
    help = (
        "Import candidates from a CSV file (French Excel export or English CSV) into a mandate. "
        "All-or-nothing: any invalid row → nothing saved, every problem listed, exit code 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--mandate", required=True, help="slug of the mandate")
        parser.add_argument("--dry-run", action="store_true", help="check and report, save nothing")
        parser.add_argument("--as", dest="username", help="user recorded as author of the stage history")

    def handle(self, *args, file, mandate, dry_run, username, **options):
        try:
            mandate_obj = Mandate.objects.get(slug=mandate)
        except Mandate.DoesNotExist as exc:
            raise CommandError(_("No mandate with slug “%(slug)s”.") % {"slug": mandate}) from exc
        by = None
        if username:
            by = get_user_model().objects.filter(username=username).first()
            if by is None:
                raise CommandError(_("No user “%(name)s”.") % {"name": username})
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc}) from exc
        try:
            report = services.candidates_import(mandate=mandate_obj, data=data, by=by, dry_run=dry_run)
        except csv_format.CsvFormatError as exc:
            raise CommandError(str(exc)) from exc
        parse = report.parse
        self.stdout.write(
            _("%(file)s: encoding %(encoding)s, separator “%(delimiter)s”, %(rows)d rows.")
            % {
                "file": file,
                "encoding": parse.encoding,
                "delimiter": parse.delimiter,
                "rows": len(parse.rows) + len({e.line for e in parse.errors if e.line}),
            }
        )
        for warning in parse.warnings:
            self.stdout.write(
                self.style.WARNING(
                    _("line %(line)s, column “%(column)s”: %(message)s")
                    % {"line": warning.line, "column": warning.column, "message": warning.message}
                )
            )
        if not report.ok:
            for error in parse.errors:
                self.stderr.write(
                    _("line %(line)s, column “%(column)s”: %(message)s")
                    % {"line": error.line, "column": error.column, "message": error.message}
                )
            self.stderr.write(
                self.style.ERROR(_("%(count)d problem(s): nothing was saved.") % {"count": len(parse.errors)})
            )
            raise SystemExit(1)
        summary = _(
            "%(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(applications)d added to the mandate."
        ) % {
            "created": len(report.created),
            "updated": len(report.updated),
            "unchanged": len(report.unchanged),
            "applications": report.applications_created,
        }
        if dry_run:
            self.stdout.write(
                self.style.WARNING(_("Dry run, nothing saved: %(summary)s") % {"summary": summary})
            )
        else:
            self.stdout.write(self.style.SUCCESS(summary))
