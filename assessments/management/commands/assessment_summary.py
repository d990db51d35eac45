"""``manage.py assessment_summary APPLICATION_ID [--json] [--as USERNAME]``."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.models import RoleGroup
from candidates.cli import application_as
from decisions import selectors as decision_selectors
from figures import selectors
from offers import selectors as offer_selectors
from sessions import i18n as session_i18n
from sessions import notices
from sessions import selectors as session_selectors


class Command(BaseCommand):
    help = (
        "Print the assessment summary of an application: role scores, fit and gate, balance profile, "
        "disagreements, raters, recommendations, inter-rater agreement (and compatibility)."
    )

    def add_arguments(self, parser):
        parser.add_argument("application_id", type=int)
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="one JSON object on standard output"
        )
        parser.add_argument(
            "--as", dest="username", help="apply this user's access and independence rules (as the pages do)"
        )

    def handle(self, *args, application_id, as_json, username, **options):
        application, user = application_as(application_id, username)
        data = selectors.application_summary(application=application, user=user)
        if data is None:
            raise CommandError(
                _(
                    "%(user)s has a scorecard in progress for this application: the other "
                    "ratings stay hidden until it is submitted."
                )
                % {"user": username}
            )
        summary = data.to_dict()
        acknowledged = notices.notice_acknowledged(application.pk)
        summary["notice"] = {
            "acknowledged_at": acknowledged.acknowledged_at.isoformat() if acknowledged else None,
            "on_paper": acknowledged.on_paper if acknowledged else None,
            "text_version": acknowledged.text_version if acknowledged else None,
        }
        # Per role: the sessions targeting it, those evidencing it (counted scorecards) and warnings.
        summary["coverage"] = session_selectors.coverage_for(application=application, summary=data).to_dict()
        # The offer: status and the latest round's approvals (who, order, decision, when).
        summary["offer"] = offer_selectors.offer_status(application)
        # The decision meeting: votes only when visible to the caller (``--as``; unrestricted without).
        summary["decision"] = decision_selectors.decision_for_viewer(application=application, user=user)
        if as_json:
            self.stdout.write(_dumps(summary))
            return
        self.stdout.write(f"{summary['candidate']} — {summary['mandate']}")
        if not summary["submitted_scorecards"]:
            self.stdout.write("  " + _("No submitted scorecard yet."))
        roles = {g.value: str(g.label) for g in RoleGroup}
        labels = {c["code"]: c["label"] for c in summary["criteria"]}
        scored = bool(summary["submitted_scorecards"])
        if scored:
            for role, value in summary["roles"].items():
                self.stdout.write(f"  {roles[role]:<28} {_fmt(value['score'])}")
            if summary["gate"]["passed"]:
                gate = _("gate passed")
            else:
                gate = _("gate failed: %(roles)s") % {
                    "roles": ", ".join(roles[r] for r in summary["gate"]["missing_roles"]) or "—"
                }
            self.stdout.write(
                "  " + _("overall fit %(fit)s — %(gate)s") % {"fit": _fmt(summary["fit"]), "gate": gate}
            )
            if summary["gate"]["failing_criteria"]:
                self.stdout.write(
                    "  "
                    + _("Criteria below 2.0:")
                    + " "
                    + "; ".join(labels.get(c, c) for c in summary["gate"]["failing_criteria"])
                )
        bands = {
            "balanced": _("Balanced"),
            "watch": _("Watch"),
            "narrow": _("Narrow"),
            "concentrated": _("Concentrated"),
        }
        self.stdout.write(
            "  "
            + _("balance profile: %(band)s (HHI* %(hhi)s)")
            % {
                "band": bands.get(summary["balance"]["band"], "—"),
                "hhi": _fmt(summary["balance"]["hhi_star"], 3),
            }
        )
        for item in summary["disagreements"]:
            self.stdout.write(
                "  ! "
                + _("%(criterion)s: range %(range)s → %(advice)s")
                % {
                    "criterion": labels.get(item["criterion"], item["criterion"]),
                    "range": _fmt(item["range"], -2),
                    "advice": _(item["advice"]),
                }
            )
        flags = {"lenient": _("lenient"), "severe": _("severe")}
        for rater in summary["raters"]:
            flag = f" ({flags[rater['bias']]})" if rater.get("bias") else ""
            self.stdout.write(
                "  "
                + ngettext(
                    "rater %(name)s: %(n)d scorecard%(flag)s",
                    "rater %(name)s: %(n)d scorecards%(flag)s",
                    rater["scorecards"],
                )
                % {"name": rater["name"], "n": rater["scorecards"], "flag": flag}
            )
        for item in summary["recommendations"]:
            self.stdout.write(
                "  "
                + _("recommendation of %(rater)s: %(label)s")
                % {"rater": item["rater"], "label": item["recommendation_label"]}
            )
        if summary["alpha"] is None:
            self.stdout.write(
                "  "
                + _("inter-rater agreement: %(reason)s")
                % {"reason": summary["mandate_statistics"]["message"]}
            )
        else:
            alpha_readings = {
                "reliable": _("reliable (≥ 0.80)"),
                "tentative": _("tentative (0.667–0.80)"),
                "unreliable": _("unreliable (< 0.667)"),
                "undefined": _("not computable yet"),
            }
            self.stdout.write(
                "  "
                + _("inter-rater agreement: α %(alpha)s (%(reading)s)")
                % {
                    "alpha": _fmt(summary["alpha"]["value"]),
                    "reading": alpha_readings[summary["alpha"]["reading"]],
                }
            )
        if scored and summary["reliability"]["level"] == "unreliable":
            self.stdout.write("  ! " + _("Panel agreement unreliable: discuss before deciding."))
        compatibility = summary["compatibility"]
        verdicts = {
            "compatible": _("Compatible"),
            "to_confirm": _("To confirm"),
            "not_compatible": _("Not compatible"),
        }
        self.stdout.write(
            "  "
            + _("compatibility: %(verdict)s (%(held)d sessions held and observed)")
            % {
                "verdict": verdicts.get(compatibility.get("verdict"), "—"),
                "held": compatibility.get("held_sessions") or 0,
            }
        )
        levels = {
            "favourable": _("favourable"),
            "reserved": _("favourable with reservations"),
            "incomplete": _("incomplete"),
            "unfavourable": _("unfavourable"),
        }
        self.stdout.write("  " + _("reading: %(level)s") % {"level": levels[summary["reading"]["level"]]})
        coverage = summary["coverage"]
        for code, item in coverage["roles"].items():
            self.stdout.write(
                "  "
                + _("coverage of %(role)s: targeted in sessions %(targeting)s, evidenced in %(evidencing)s")
                % {
                    "role": roles.get(code, code),
                    "targeting": ", ".join(str(n) for n in item["targeting"]) or "—",
                    "evidencing": ", ".join(str(n) for n in item["evidencing"] or []) or "—",
                }
            )
        labels_by_code = {c["code"]: c["label"] for c in summary["criteria"]}
        for text in session_i18n.coverage_view(coverage, labels_by_code)["warnings"]:
            self.stdout.write("  ! " + text)
        offer = summary["offer"]
        if offer["status"]:
            self.stdout.write(
                "  "
                + _("offer: %(status)s (round %(round)d)")
                % {"status": offer["status_label"], "round": offer["round"]}
            )
            for item in offer["approvals"]:
                self.stdout.write(
                    "    "
                    + _("%(order)d. %(name)s: %(decision)s")
                    % {
                        "order": item["order"],
                        "name": item["name"],
                        "decision": {"approved": _("approved"), "rejected": _("rejected")}.get(
                            item["decision"], "—"
                        ),
                    }
                )
        decision = summary["decision"]
        if decision["status"] == "decided":
            line = _("final decision: %(decision)s") % {"decision": decision["decision_label"]}
            if decision["differs_from_reading"]:
                line += " — " + _("differs from the product’s reading")
        elif decision["status"] == "open":
            line = ngettext(
                "decision meeting open: %(n)d of %(m)d panel members has voted",
                "decision meeting open: %(n)d of %(m)d panel members have voted",
                decision["votes_cast"],
            ) % {
                "n": decision["votes_cast"],
                "m": decision["panel_size"],
            }
        else:
            line = _("no decision meeting yet")
        self.stdout.write("  " + line)


def _fmt(value, digits=2):
    """Rounded half up with the active decimal separator, as on the pages and in the PDF."""
    return "—" if value is None else floatformat(value, digits)


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
