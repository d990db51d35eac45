"""``manage.py render_report APPLICATION_ID [--output PATH] [--as USERNAME] [--language fr|en]``.

Runs the same code as the web and the worker, synchronously: creates the next report version
(snapshot included), renders it, and writes the PDF to PATH when given. Exit code 1 when the
render fails (the failed version stays, with its error).
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from candidates.cli import application_as
from reports import services


class Command(BaseCommand):
    help = (
        "Create the next version of an application's compatibility report, render it now (no worker "
        "needed) and optionally write the PDF to a file."
    )

    def add_arguments(self, parser):
        parser.add_argument("application_id", type=int)
        parser.add_argument("--output", "-o", help="write the PDF to this path")
        parser.add_argument(
            "--as",
            dest="username",
            help="request it as this user (their access and independence rules apply)",
        )
        parser.add_argument("--language", default="fr", choices=["fr", "en"], help="report language (fr)")

    def handle(self, *args, application_id, output, username, language, **options):
        application, user = application_as(application_id, username)
        try:
            report = services.report_request(
                application=application, by=user, language=language, enqueue=False
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        report = services.report_render(report_id=report.pk)
        if not report.is_ready:
            raise CommandError(
                _("Report v%(v)d failed: %(error)s") % {"v": report.version, "error": report.error}
            )
        if output:
            path = Path(output)
            with report.pdf.open("rb") as handle:
                path.write_bytes(handle.read())
        self.stdout.write(
            self.style.SUCCESS(
                _("Report v%(v)d of %(name)s ready: %(pages)d pages, SHA-256 %(sha)s%(where)s")
                % {
                    "v": report.version,
                    "name": application.candidate.full_name,
                    "pages": report.page_count,
                    "sha": report.sha256,
                    "where": f" → {output}" if output else "",
                }
            )
        )
