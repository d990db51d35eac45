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
