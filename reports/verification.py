"""Checking a report PDF received from anywhere: is it the report it claims to be, unchanged, and do
its figures follow from its data?

:func:`verify_pdf` runs five checks, each a :class:`Check` with a readable line:

1. **readable** — a PDF whose embedded ``snapshot.json`` (a PDF/A-3 associated file) can be read;
2. **identified** — the report it claims to be exists (found by the application's public id and
   the version written in the embedded snapshot, and the same identifier in the PDF's /ID);
3. **sha256** — the file's SHA-256 equals the one recorded when the report was rendered;
4. **snapshot** — the embedded snapshot equals the snapshot stored with the report;
5. **figures** — the headline figures recomputed from the embedded snapshot with today's formulas
   (criterion scores from the per-rater values, role scores with the framework weights, fit and
   gate with posture — ``assessments.scoring``; the balance profile from the candidate's years —
   ``assessments.balance``; the reading — ``figures.reading``) agree with those it states.

The file passes only when every check passes. ``manage.py verify_report`` and the staff page
"verify a PDF" both call it.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from assessments import balance, scoring
from figures import reading as readings

from .models import Report
from .rendering import SNAPSHOT_NAME, report_identifier

#: Two recomputed scores agree within this (the snapshot stores floats rounded once).
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Check:
    """One check: ``code`` (readable, identified, sha256, snapshot, figures), ``passed``, ``detail``."""

    code: str
    passed: bool
    detail: str

    @property
    def line(self) -> str:
        return f"{'✔' if self.passed else '✘'} {self.detail}"


def _embedded_snapshot(data: bytes) -> tuple[dict | None, str | None, str]:
    """``(snapshot, identifier from /ID, problem)`` of a PDF's bytes."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        attachments = reader.attachments
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        return None, None, _("This is not a readable PDF (%(error)s).") % {"error": exc}
    identifier = None
    try:
        first = reader.trailer["/ID"][0]
        identifier = (
            first.original_bytes.decode("utf-8", "replace")
            if hasattr(first, "original_bytes")
            else str(first)
        )
    except (KeyError, IndexError, TypeError):
        pass
    if SNAPSHOT_NAME not in attachments:
        return (
            None,
            identifier,
            _(
                "The PDF has no embedded %(name)s: it was not made by this product, or before "
                "reports carried their data."
            )
            % {"name": SNAPSHOT_NAME},
        )
    try:
        return json.loads(attachments[SNAPSHOT_NAME][0]), identifier, ""
    except (ValueError, UnicodeDecodeError) as exc:
        return (
            None,
            identifier,
            _("The embedded %(name)s is not valid JSON (%(error)s).") % {"name": SNAPSHOT_NAME, "error": exc},
        )


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=0, abs_tol=TOLERANCE)


def recompute_headline(snapshot: dict) -> dict[str, Any]:
    """The headline figures recomputed from a snapshot with today's formulas: ``{"criteria":
    {code: score}, "roles": {code: score}, "fit", "gate_passed", "missing_roles", "band",
    "hhi_star", "reading"}``. Raises ``KeyError``/``ValueError`` for a snapshot without what it needs
    (schema 1 has no per-rater values)."""
    summary = snapshot["summary"]
    criteria = {}
    for criterion in summary["criteria"]:
        values = [value["value"] for value in criterion["rater_values"]]
        mean = scoring.exact_mean(values)
        criteria[criterion["code"]] = None if mean is None else float(mean)
    roles = {}
    for group in scoring.GATED:
        members = [c for c in summary["criteria"] if c["group"] == group]
        roles[group] = scoring.role_score(
            {c["code"]: criteria[c["code"]] for c in members}, {c["code"]: c["weight"] for c in members}
        )
    fit = scoring.overall_fit(
        {r: roles[r] for r in scoring.ROLES}, criteria, posture_score=roles[scoring.POSTURE]
    )
    mandate, candidate = snapshot["mandate"], snapshot["candidate"]
    profile = balance.balance_profile(
        candidate["years"],
        mandate["support_domains"],
        min_breadth=mandate["min_breadth"],
        min_depth=mandate["min_depth"],
    )
    scored = bool(summary["submitted_scorecards"])
    reading = readings.reading(
        submitted_scorecards=summary["submitted_scorecards"],
        gate_passed=fit.gate_passed if scored else None,
        verdict=(summary.get("compatibility") or {}).get("verdict"),
        band=profile.band,
        concentration_band=profile.concentration_band,
        breadth_ok=profile.breadth_ok,
        depth_ok=profile.depth_ok,
        red_count=sum(c["level"] == "red" for c in summary["criteria"]),
        reliability_level=summary["reliability"]["level"],
    )
    return {
        "criteria": criteria,
        "roles": roles,
        "fit": fit.fit if scored else None,
        "gate_passed": fit.gate_passed,
        "missing_roles": list(fit.missing_roles),
        "band": profile.band,
        "hhi_star": profile.hhi_star,
        "reading": reading.level,
    }


def _figures_check(snapshot: dict) -> Check:
    try:
        fresh = recompute_headline(snapshot)
    except (KeyError, ValueError, TypeError) as exc:
        return Check(
            "figures",
            False,
            _("The figures cannot be recomputed from this snapshot (%(error)s).") % {"error": exc},
        )
    summary = snapshot["summary"]
    differences = []
    for criterion in summary["criteria"]:
        if not _close(fresh["criteria"][criterion["code"]], criterion["score"]):
            differences.append(criterion["code"])
    for code, role in summary["roles"].items():
        if not _close(fresh["roles"].get(code), role["score"]):
            differences.append(code)
    if summary["submitted_scorecards"]:
        if not _close(fresh["fit"], summary["fit"]):
            differences.append("fit")
        if (fresh["gate_passed"], fresh["missing_roles"]) != (
            summary["gate"]["passed"],
            summary["gate"]["missing_roles"],
        ):
            differences.append("gate")
    if fresh["band"] != summary["balance"]["band"] or not _close(
        fresh["hhi_star"], summary["balance"]["hhi_star"]
    ):
        differences.append("balance")
    if fresh["reading"] != summary["reading"]["level"]:
        differences.append("reading")
    if differences:
        return Check(
            "figures",
            False,
            _("Recomputed with today's formulas, these figures differ from the report's: %(list)s.")
            % {"list": ", ".join(differences)},
        )
    return Check(
        "figures",
        True,
        _(
            "The headline figures (criteria, roles, fit, gate, balance, reading) "
            "recomputed from the snapshot with today's formulas agree."
        ),
    )


def verify_pdf(data: bytes) -> list[Check]:
    """Run the five checks of the module docstring on a PDF's bytes. Never raises for a bad file:
    a failing check says what is wrong. Queries: one (the report)."""
    snapshot, identifier, problem = _embedded_snapshot(data)
    if snapshot is None:
        return [Check("readable", False, problem)]
    checks = [Check("readable", True, _("PDF readable; embedded snapshot found."))]
    try:
        public_id, version = snapshot["application"]["public_id"], int(snapshot["report"]["version"])
        report = Report.objects.filter(application__public_id=public_id, version=version).first()
    except (KeyError, TypeError, ValueError):
        report = None
    claimed = report_identifier(snapshot) if isinstance(snapshot.get("report"), dict) else "?"
    if report is None:
        checks.append(Check("identified", False, _("No report %(id)s is recorded here.") % {"id": claimed}))
        return checks
    if identifier is not None and identifier != claimed:
        checks.append(
            Check(
                "identified",
                False,
                _("The PDF's identifier (%(pdf)s) is not the snapshot's (%(snapshot)s).")
                % {"pdf": identifier, "snapshot": claimed},
            )
        )
    else:
        checks.append(
            Check(
                "identified",
                True,
                _("Report found: version %(v)d of %(name)s.")
                % {"v": report.version, "name": snapshot["candidate"].get("full_name", "")},
            )
        )
    digest = hashlib.sha256(data).hexdigest()
    checks.append(
        Check(
            "sha256",
            digest == report.sha256,
            _("SHA-256 %(digest)s matches the one recorded.") % {"digest": digest}
            if digest == report.sha256
            else _("SHA-256 %(digest)s differs from the recorded %(recorded)s: the file was changed.")
            % {"digest": digest, "recorded": report.sha256 or "—"},
        )
    )
    same = snapshot == report.snapshot
    checks.append(
        Check(
            "snapshot",
            same,
            _("The embedded snapshot is identical to the stored one.")
            if same
            else _("The embedded snapshot differs from the stored one."),
        )
    )
    checks.append(_figures_check(snapshot))
    return checks


def passed(checks: list[Check]) -> bool:
    """True when every one of the five checks ran and passed."""
    return len(checks) == 5 and all(c.passed for c in checks)
