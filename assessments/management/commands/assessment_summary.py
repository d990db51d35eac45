"""``manage.py assessment_summary APPLICATION_ID [--json] [--as USERNAME]``."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from assessments.models import RoleGroup
from cso_recruit.cli import application_as
from figures import selectors


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
        data = selectors.application_summary(application=application, user=user)
        if data is None:
            raise CommandError(_("%(user)s has a scorecard in progress for this application: the other "
                                 "ratings stay hidden until it is submitted.") % {"user": username})
        summary = data.to_dict()
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
        bands = {"balanced": _("Balanced"), "watch": _("Watch"), "narrow": _("Narrow"),
                 "concentrated": _("Concentrated")}
        self.stdout.write("  " + _("balance profile: %(band)s (HHI* %(hhi)s)") % {
            "band": bands.get(summary["balance"]["band"], "—"), "hhi": _fmt(summary["balance"]["hhi_star"], 3)})
        labels = {c["code"]: c["label"] for c in summary["criteria"]}
        for item in summary["disagreements"]:
            self.stdout.write("  ! " + _("%(criterion)s: range %(range)s → %(advice)s") % {
                "criterion": labels.get(item["criterion"], item["criterion"]), "range": _fmt(item["range"], -2),
                "advice": _(item["advice"])})
        if summary["alpha"] is None:
            self.stdout.write("  " + _("inter-rater agreement: %(reason)s") % {
                "reason": summary["mandate_statistics"]["message"]})
        else:
            alpha_readings = {"reliable": _("reliable (≥ 0.80)"), "tentative": _("tentative (0.667–0.80)"),
                              "unreliable": _("unreliable (< 0.667)"), "undefined": _("not computable yet")}
            self.stdout.write("  " + _("inter-rater agreement: α %(alpha)s (%(reading)s)") % {
                "alpha": _fmt(summary["alpha"]["value"]), "reading": alpha_readings[summary["alpha"]["reading"]]})
        if summary["reliability"]["level"] == "unreliable":
            self.stdout.write("  ! " + _("Panel agreement unreliable: discuss before deciding."))
        levels = {"favourable": _("favourable"), "reserved": _("favourable with reservations"),
                  "incomplete": _("incomplete"), "unfavourable": _("unfavourable")}
        self.stdout.write("  " + _("reading: %(level)s") % {"level": levels[summary["reading"]["level"]]})


def _fmt(value, digits=2):
    """Rounded half up with the active decimal separator, as on the pages and in the PDF."""
    return "—" if value is None else floatformat(value, digits)


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
