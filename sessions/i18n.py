"""Pick the French or English wording of the pure ``sessions.ipa`` constants for the active language."""

from django.utils.translation import get_language


def _english() -> bool:
    return (get_language() or "fr")[:2] == "en"


def label(item) -> str:
    """``item.label_en`` or ``item.label_fr`` (IPA categories, groups, dimensions)."""
    return item.label_en if _english() else item.label_fr


def anchor_text(anchor) -> str:
    """The anchor's text in the active language."""
    return anchor.text_en if _english() else anchor.text_fr


def dimensions():
    """``[(code, label, [(level, text), …])]`` of the meta-communication dimensions."""
    from .ipa import DIMENSIONS

    return [(d.code, label(d), [(a.level, anchor_text(a)) for a in d.anchors]) for d in DIMENSIONS]


def coverage_view(data, criterion_labels, *, name_criteria=True) -> dict:
    """What the coverage partials (``sessions/_coverage.html``, the report) show, from
    ``sessions.coverage.Coverage.to_dict()`` (``data``) and ``{criterion code: label}``.
    ``name_criteria=False`` (the PDF) counts the criteria neither targeted nor evidenced instead of
    naming them all.

    Returns ``{"groups": [(code, label)], "rows": [{"order", "status", "cells": [{"group",
    "targeted", "evidenced"}]}], "warnings": [text], "evidence_visible": bool}``; texts in the
    active language.
    """
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    from assessments.models import RoleGroup

    from .coverage import GROUPS

    roles = {g.value: g.label for g in RoleGroup}
    rows = [
        {
            "order": row["order"],
            "status": row["status"],
            "cells": [
                {"group": g, "targeted": row["targeted"].get(g, False), "evidenced": row["evidenced"].get(g)}
                for g in GROUPS
            ],
        }
        for row in data["sessions"]
    ]
    texts, uncovered = [], []
    for warning in data["warnings"]:
        if warning["code"] == "role_under_targeted":
            role = roles.get(warning["role"], warning["role"])
            if not warning.get("sessions"):
                texts.append(
                    _("No session targets the role “%(role)s” (at least two are needed).") % {"role": role}
                )
            else:
                texts.append(
                    _("Only one session targets the role “%(role)s” (at least two are needed).")
                    % {"role": role}
                )
        elif warning["code"] == "posture_not_targeted":
            texts.append(_("No session targets posture and mindset."))
        elif warning["code"] == "criterion_uncovered":
            uncovered.append(criterion_labels.get(warning["criterion"], warning["criterion"]))
    if uncovered and not name_criteria:
        texts.append(
            ngettext(
                "%(n)d criterion is neither targeted nor evidenced in any session.",
                "%(n)d criteria are neither targeted nor evidenced in any session.",
                len(uncovered),
            )
            % {"n": len(uncovered)}
        )
    elif uncovered:
        texts.append(
            _("Neither targeted nor evidenced in any session: %(criteria)s.")
            % {"criteria": "; ".join(uncovered)}
        )
    return {
        "groups": [(g, roles.get(g, g)) for g in GROUPS],
        "rows": rows,
        "warnings": texts,
        "evidence_visible": data["evidence_visible"],
    }
