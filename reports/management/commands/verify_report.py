"""``manage.py verify_report FILE.pdf``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports import verification


class Command(BaseCommand):
    help = (
        "Check a report PDF from anywhere: the report it claims to be, its SHA-256, its embedded data "
        "snapshot against the stored one, and its headline figures recomputed from that snapshot. "
        "Exit code 0 only when every check passes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the PDF to check")

    def handle(self, *args, file, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc.strerror}
            ) from exc
        checks = verification.verify_pdf(data)
        for check in checks:
            self.stdout.write(check.line)
        if not verification.passed(checks):
            failed = [c.code for c in checks if not c.passed] or ["incomplete"]
            raise CommandError(_("Verification failed: %(checks)s.") % {"checks": ", ".join(failed)})
        self.stdout.write(self.style.SUCCESS(_("All checks passed.")))
