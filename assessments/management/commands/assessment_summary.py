"""``manage.py assessment_summary APPLICATION_ID [--json] [--as USERNAME]``."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from assessments import selectors
from assessments.models import RoleGroup
from cso_recruit.cli import application_as


class Command(BaseCommand):
    help = ("Print the assessment summary of an application: role scores, fit and gate, balance profile, "
            "disagreements, raters, recommendations, inter-rater agreement (and compatibility).")

    def add_arguments(self, parser):
        parser.add_argument("application_id", type=int)
        parser.add_argument("--json", dest="as_json", action="store_true", help="one JSON object on standard output")
        parser.add_argument("--as", dest="username",
                            help="apply this user's access and independence rules (as the pages do)")

    def handle(self, *args, application_id, as_json, username, **options):
        application, user = application_as(application_id, username)
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
        roles = {g.value: str(g.label) for g in RoleGroup}
        for role, value in summary["roles"].items():
            self.stdout.write(f"  {roles[role]:<28} {_fmt(value['score'])}")
        if summary["gate"]["passed"]:
            gate = _("gate passed")
        else:
            gate = _("gate failed: %(roles)s") % {
                "roles": ", ".join(roles[r] for r in summary["gate"]["missing_roles"]) or "—"}
        self.stdout.write("  " + _("overall fit %(fit)s — %(gate)s") % {"fit": _fmt(summary["fit"]), "gate": gate})
        self.stdout.write("  " + _("balance profile: %(band)s (HHI* %(hhi)s)") % {
            "band": summary["balance"]["band"] or "—", "hhi": _fmt(summary["balance"]["hhi_star"], 3)})
        for item in summary["disagreements"]:
            self.stdout.write("  ! " + _("%(criterion)s: range %(range)s → %(advice)s") % {
                "criterion": item["criterion"], "range": item["range"], "advice": _(item["advice"])})


def _fmt(value, digits=2):
    """Rounded half up with the active decimal separator, as on the pages and in the PDF."""
    return "—" if value is None else floatformat(value, digits)


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
