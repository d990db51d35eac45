"""``manage.py rebuild_figures [--mandate SLUG] [--stale-only]``."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from candidates.models import Mandate
from figures import services


class Command(BaseCommand):
    help = (
        "Recompute the stored figures (role scores, fit, gate, balance, compatibility, flags) and the "
        "mandates' agreement statistics from the raw data: after an upgrade, or for data written outside "
        "the services."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mandate", help="only this mandate (slug)")
        parser.add_argument(
            "--stale-only",
            action="store_true",
            help="only rows that are missing, stale or from older formulas",
        )

    def handle(self, *args, mandate, stale_only, **options):
        target = None
        if mandate is not None:
            target = Mandate.objects.filter(slug=mandate).first()
            if target is None:
                raise CommandError(_("No mandate “%(slug)s”.") % {"slug": mandate})
        started = time.perf_counter()
        count = services.figures_rebuild(mandate=target, stale_only=stale_only)
        if stale_only:
            services.stale_statistics_refresh()
        seconds = number_format(time.perf_counter() - started, 1, use_l10n=True)
        message = ngettext(
            "Figures of %(n)d application recomputed in %(s)s s.",
            "Figures of %(n)d applications recomputed in %(s)s s.",
            count,
        )
        self.stdout.write(self.style.SUCCESS(message % {"n": count, "s": seconds}))
