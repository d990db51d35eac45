"""``{% retention_notice candidate %}``: the candidate page's line saying when their data will be
anonymised and under which rule (``privacy.selectors.retention_schedule``), or that it was."""

from django import template

from privacy import selectors

register = template.Library()


@register.inclusion_tag("privacy/_retention_notice.html")
def retention_notice(candidate):
    return {
        "candidate": candidate,
        "erasure": selectors.candidate_erasure(candidate),
        "schedule": selectors.retention_schedule(candidate),
    }
