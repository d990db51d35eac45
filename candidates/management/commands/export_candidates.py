"""``manage.py export_candidates --mandate SLUG [--output FILE]`` — the French Excel CSV format."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from candidates import services
from candidates.models import Application, Mandate


class Command(BaseCommand):
    help = "Export the candidates of a mandate as CSV (French Excel: UTF-8 BOM, ';'); the file imports back."

    def add_arguments(self, parser):
        parser.add_argument("--mandate", required=True, help="slug of the mandate")
        parser.add_argument("--output", type=Path, help="file to write (default: standard output)")

    def handle(self, *args, mandate, output, **options):
        try:
            mandate_obj = Mandate.objects.get(slug=mandate)
        except Mandate.DoesNotExist as exc:
            raise CommandError(_("No mandate with slug “%(slug)s”.") % {"slug": mandate}) from exc
        applications = (
            Application.objects.filter(mandate=mandate_obj)
            .select_related("candidate")
            .order_by("candidate__last_name", "candidate__first_name")
        )
        data = services.candidates_export(applications=applications)
        if output:
            output.write_bytes(data)
            self.stderr.write(
                _("%(count)d candidates written to %(file)s.") % {"count": len(applications), "file": output}
            )
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
