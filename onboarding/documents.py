"""The start kit's PDF as a kind of the shared PDF pipeline (``reports.pipeline``): the snapshot
is :func:`onboarding.rendering.kit_snapshot` plus the document's version block, the HTML is
:func:`onboarding.rendering.render_kit_html`, rendered by the generic Celery task
``reports.tasks.render_document`` with the same statuses, retries, stale sweep and access-checked
download as the compatibility report. Registered by ``OnboardingConfig.ready``."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cso_recruit import access
from reports import pipeline
from reports.kinds import ascii_slug

from . import rendering
from .models import StartKit, StartKitDocument


def _identifier(snapshot) -> str:
    document = snapshot["document"]
    return f"start-kit:{snapshot['kit']['application_id']}:v{document['version']}"


def start_kit_filename(document) -> str:
    """Download name: ``kit-demarrage-<candidate slug>-v<version>.pdf`` (ASCII)."""
    name = ascii_slug(document.kit.application.candidate.full_name, "candidat")
    return f"kit-demarrage-{name}-v{document.version}.pdf"


START_KIT = pipeline.register(
    pipeline.DocumentKind(
        code="start_kit",
        model=StartKitDocument,
        render_pdf=pipeline.html_renderer(rendering.render_kit_html, identifier=_identifier),
        visible_to=access.start_kit_documents_visible_to,
        filename=start_kit_filename,
        label="Start kit",
        logger="onboarding.documents",
    )
)


@transaction.atomic
def kit_pdf_request(*, kit: StartKit, by, language: str = "fr", enqueue: bool = True) -> StartKitDocument:
    """Freeze the kit as it stands into a new PDF version and enqueue its rendering on commit.

    Locks the kit's row (two requests at once make two versions in order, or return the pending
    one). ``by`` must read the kit (``access.start_kits_visible_to``), else ``ValidationError``.
    Returns the new ``StartKitDocument`` (``already_pending`` False), or the version in the same
    language still queued or rendering (``already_pending`` True).
    """
    kit = StartKit.objects.select_for_update().get(pk=kit.pk)
    if not access.start_kits_visible_to(by).filter(pk=kit.pk).exists():
        raise ValidationError(
            _("Only the mandate's CEO and recruiters print the start kit."), code="forbidden"
        )

    def build(version, now):
        with translation.override(language):
            snapshot = rendering.kit_snapshot(kit, now=now)
        snapshot["language"] = language
        snapshot["document"] = {
            "version": version,
            "language": language,
            "requested_at": now.isoformat(),
            "requested_by": (by.get_full_name() or by.get_username()) if by else None,
        }
        return snapshot

    def same(pending) -> bool:  # a pending version answers only if the kit has not changed since
        with translation.override(language):
            now_shown = _content(rendering.kit_snapshot(kit))
        return _content(pending.snapshot) == now_shown

    return pipeline.document_request(
        START_KIT, scope={"kit": kit}, language=language, by=by, build=build, enqueue=enqueue, same=same
    )


def _content(snapshot: dict) -> dict:
    """What a kit snapshot shows, without when and by whom it was made."""
    return {k: v for k, v in snapshot.items() if k not in ("document", "generated_at", "language")}


def kit_pdf_retry(*, document: StartKitDocument, by=None) -> StartKitDocument:
    """Queue a failed (or stuck) start-kit PDF again, its snapshot kept. Raises ``ValidationError``
    (code ``not_failed``) otherwise."""
    return pipeline.document_retry(
        START_KIT, document=document, by=by, not_failed_message=_("Only a failed PDF can be retried.")
    )


def kit_pdf_render(*, document_id: int):
    """Render a queued start-kit PDF now (``reports.pipeline.document_render``); idempotent."""
    return pipeline.document_render(START_KIT, document_id=document_id)
