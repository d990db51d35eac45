"""Report model: database constraints, immutability once ready, admin."""

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from reports.admin import ReportAdmin
from reports.models import Report, ReportImmutable
from tests.factories import ApplicationFactory


@pytest.fixture
def application(db):
    return ApplicationFactory()


def make(application, **fields):
    values = {"application": application, "version": 1, "snapshot": {"schema": 1}}
    values.update(fields)
    return Report.objects.create(**values)


def test_version_must_be_positive(application):
    with pytest.raises(IntegrityError), transaction.atomic():
        make(application, version=0)


def test_one_row_per_version_and_application(application):
    make(application)
    with pytest.raises(IntegrityError), transaction.atomic():
        make(application)
    assert make(application, version=2).version == 2
    assert make(ApplicationFactory(), version=1).version == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"sha256": "", "page_count": 4},
        {"sha256": "a" * 64, "page_count": None},
        {"sha256": "a" * 64, "page_count": 0},
    ],
)
def test_ready_needs_pdf_sha256_and_pages(application, fields):
    report = make(application)
    report.status = Report.Status.READY
    report.pdf.save("x.pdf", ContentFile(b"%PDF-1.7"), save=False)
    for name, value in fields.items():
        setattr(report, name, value)
    with pytest.raises(IntegrityError), transaction.atomic():
        report.save()


def test_ready_without_file_is_refused(application):
    with pytest.raises(IntegrityError), transaction.atomic():
        make(application, status=Report.Status.READY, sha256="a" * 64, page_count=4)


def test_failed_needs_an_error(application):
    with pytest.raises(IntegrityError), transaction.atomic():
        make(application, status=Report.Status.FAILED)
    assert make(application, status=Report.Status.FAILED, error="boom").is_failed


def test_unknown_status_is_refused(application):
    with pytest.raises(IntegrityError), transaction.atomic():
        make(application, status="lost")


def test_ready_report_is_immutable(application):
    report = make(application)
    report.status = Report.Status.READY
    report.sha256 = "b" * 64
    report.page_count = 5
    report.pdf.save("x.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    report.save()
    with pytest.raises(ReportImmutable):
        report.save()  # the same instance, now known ready
    loaded = Report.objects.get(pk=report.pk)
    loaded.error = "changed"
    with pytest.raises(ReportImmutable):
        loaded.save()
    other = make(application, version=2)
    other.refresh_from_db()
    other.save()  # a queued report can still be written by the service
    Report.objects.filter(pk=other.pk).update(
        status="ready", sha256="c" * 64, page_count=4, pdf="reports/y.pdf"
    )
    other.refresh_from_db()
    with pytest.raises(ReportImmutable):
        other.save()
    assert Report.objects.get(pk=report.pk).error == ""


def test_server_made_file_name(application):
    report = make(application)
    report.pdf.save("Éloïse Lœwenbrück.pdf", ContentFile(b"%PDF"), save=False)
    assert report.pdf.name.startswith(f"reports/{application.public_id}/")
    assert "Lœwenbrück" not in report.pdf.name and report.pdf.name.endswith(".pdf")


def test_admin_is_read_only_with_joins():
    model_admin = admin.site._registry[Report]
    assert isinstance(model_admin, ReportAdmin)
    assert "application__candidate" in model_admin.list_select_related
    assert not model_admin.has_add_permission(None)
    assert not model_admin.has_change_permission(None)
    assert not model_admin.has_delete_permission(None)


def test_admin_list_page(admin_client, application):
    make(application)
    response = admin_client.get("/admin/reports/report/")
    assert response.status_code == 200
    assert str(application.candidate) in response.content.decode()
