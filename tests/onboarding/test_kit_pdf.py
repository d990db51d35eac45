"""The start kit's PDF through the shared pipeline (kind ``"start_kit"``): a request freezes the kit
into a versioned snapshot, the generic task renders it (inline here, a real worker in
``test_kit_pdf_real_worker.py``), the PDF is hashed and access-checked, and erasure takes it."""

import hashlib
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from onboarding import documents
from onboarding.models import StartKit, StartKitDocument
from reports import pipeline
from tests.factories import hired_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def kit(world):
    return StartKit.objects.get(application=hired_application(world.application, by=world.recruiter))


def _text(data: bytes) -> str:
    return " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(data)).pages)


def test_the_kind_is_registered_with_the_generic_task():
    kind = pipeline.kind("start_kit")
    assert kind.model is StartKitDocument and kind.task == pipeline.GENERIC_TASK


def test_a_request_freezes_the_kit_and_the_worker_renders_a_hashed_pdf(
    world, kit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document = documents.kit_pdf_request(kit=kit, by=world.ceo, language="fr")
    document.refresh_from_db()
    assert document.status == StartKitDocument.Status.READY, document.error
    assert document.version == 1 and document.kit == kit
    snapshot = document.snapshot
    assert (
        snapshot["document"]["version"] == 1 and snapshot["document"]["requested_by"] == "Isabelle Fontaine"
    )
    inventory = [line["reference"] for line in snapshot["plan"]["inventory"]]
    assert inventory == list(kit.application.mandate.support_domains)
    data = document.pdf.open("rb").read()
    assert hashlib.sha256(data).hexdigest() == document.sha256 and document.size == len(data)
    assert document.page_count == len(PdfReader(io.BytesIO(data)).pages) >= 1
    assert "Claire Testeuse" in _text(data)


def test_a_second_request_makes_version_two_and_the_first_is_immutable(
    world, kit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = documents.kit_pdf_request(kit=kit, by=world.ceo)
    with django_capture_on_commit_callbacks(execute=True):
        second = documents.kit_pdf_request(kit=kit, by=world.recruiter)
    assert (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    from reports.models import ReportImmutable

    with pytest.raises(ReportImmutable):
        first.save()


def test_a_pending_version_is_returned_rather_than_a_new_one(world, kit):
    first = documents.kit_pdf_request(kit=kit, by=world.ceo, enqueue=False)
    again = documents.kit_pdf_request(kit=kit, by=world.ceo, enqueue=False)
    assert again.pk == first.pk and again.already_pending
    assert StartKitDocument.objects.filter(kit=kit).count() == 1


def test_outsiders_cannot_request(world, kit):
    from django.core.exceptions import ValidationError

    for outsider in (world.mediator, world.other_recruiter, world.other_ceo):
        with pytest.raises(ValidationError):
            documents.kit_pdf_request(kit=kit, by=outsider)
    assert not StartKitDocument.objects.exists()


def test_pages_request_list_and_download_with_access(client, world, kit, django_capture_on_commit_callbacks):
    client.force_login(world.ceo)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("onboarding:pdf_request", args=[kit.pk]))
    assert response.status_code == 302 and response.url.endswith("#kit-pdf")
    document = StartKitDocument.objects.get(kit=kit)
    page = client.get(reverse("onboarding:kit", args=[kit.application_id])).content.decode()
    assert reverse("onboarding:pdf_download", args=[document.pk]) in page
    download = client.get(reverse("onboarding:pdf_download", args=[document.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="kit-demarrage-claire-testeuse-v1.pdf"'
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == document.sha256
    for outsider in (world.mediator, world.other_recruiter, world.other_ceo):
        client.force_login(outsider)
        assert client.get(reverse("onboarding:pdf_download", args=[document.pk])).status_code == 404
        assert client.post(reverse("onboarding:pdf_request", args=[kit.pk])).status_code == 404
        assert client.post(reverse("onboarding:pdf_retry", args=[document.pk])).status_code == 404
    assert StartKitDocument.objects.filter(kit=kit).count() == 1


def test_a_pending_pdf_is_not_downloadable_and_a_failed_one_is_retried(world, kit, client, monkeypatch):
    document = documents.kit_pdf_request(kit=kit, by=world.ceo, enqueue=False)
    client.force_login(world.ceo)
    assert client.get(reverse("onboarding:pdf_download", args=[document.pk])).status_code == 404
    pipeline.document_fail(pipeline.kind("start_kit"), document_id=document.pk, error="fonts missing")
    document.refresh_from_db()
    assert document.status == StartKitDocument.Status.FAILED and document.can_retry
    response = client.post(reverse("onboarding:pdf_retry", args=[document.pk]))
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == StartKitDocument.Status.QUEUED


def test_erasing_the_candidate_deletes_the_kit_pdf_and_its_file(
    world, kit, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    from privacy.services import candidate_erase

    with django_capture_on_commit_callbacks(execute=True):
        document = documents.kit_pdf_request(kit=kit, by=world.ceo)
    document.refresh_from_db()
    name = document.pdf.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        candidate_erase(
            candidate=kit.application.candidate, actor=world.recruiter, reason="Demande de la personne."
        )
    assert not StartKitDocument.objects.exists()
    assert not default_storage.exists(name)


def test_a_pending_version_is_not_reused_once_the_kit_changed(world, kit):
    from onboarding import services

    first = documents.kit_pdf_request(kit=kit, by=world.ceo, enqueue=False)
    charter = kit.charter
    services.charter_amend(
        kit=kit,
        by_name="Isabelle Fontaine",
        decision_rights="Nouveaux droits de décision.",
        disagreement=charter.disagreement,
        cadence=charter.cadence,
    )
    second = documents.kit_pdf_request(kit=kit, by=world.ceo, enqueue=False)
    assert second.pk != first.pk and second.version == 2 and not second.already_pending
    assert second.snapshot["charter"]["decision_rights"] == "Nouveaux droits de décision."
