"""``manage.py assessment_summary APPLICATION_ID [--json] [--as USERNAME]``."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessments import selectors
from candidates.models import Application
from cso_recruit import access


class Command(BaseCommand):
    help = ("Print the assessment summary of an application: role scores, fit and gate, balance profile, "
            "disagreements, raters, recommendations, inter-rater agreement (and compatibility).")

    def add_arguments(self, parser):
        parser.add_argument("application_id", type=int)
        parser.add_argument("--json", dest="as_json", action="store_true", help="one JSON object on standard output")
        parser.add_argument("--as", dest="username",
                            help="apply this user's access and independence rules (as the pages do)")

    def handle(self, *args, application_id, as_json, username, **options):
        user = None
        queryset = Application.objects.all()
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(_("No user “%(name)s”.") % {"name": username})
            queryset = access.applications_visible_to(user)
        application = queryset.select_related("candidate", "mandate").filter(pk=application_id).first()
        if application is None:
            raise CommandError(_("No application %(id)s.") % {"id": application_id})
        summary = selectors.assessment_summary(application=application, user=user)
        if summary is None:
            raise CommandError(_("%(user)s has a scorecard in progress for this application: the other "
                                 "ratings stay hidden until it is submitted.") % {"user": username})
        if as_json:
            self.stdout.write(_dumps(summary))
            return
        self.stdout.write(f"{summary['candidate']} — {summary['mandate']}")
        if not summary["submitted_scorecards"]:
            self.stdout.write("  " + _("No submitted scorecard yet."))
        for role, value in summary["roles"].items():
            self.stdout.write(f"  {role:<18} {_fmt(value['score'])}")
        gate = _("passed") if summary["gate"]["passed"] else _("FAILED") + f" {summary['gate']['missing_roles']}"
        self.stdout.write(f"  fit {_fmt(summary['fit'])} — gate {gate}")
        self.stdout.write(f"  balance {summary['balance']['band']} (HHI* {_fmt(summary['balance']['hhi_star'], 3)})")
        for item in summary["disagreements"]:
            self.stdout.write(f"  ! {item['criterion']}: range {item['range']} → {item['level']}")


def _fmt(value, digits=2):
    return "—" if value is None else f"{value:.{digits}f}"


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
