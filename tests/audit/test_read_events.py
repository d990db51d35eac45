"""The read audit (issue 12, item 4): every CV, report PDF, CSV export and access export download
writes one ``ReadEvent`` (who, what, when, from where: ``client_ip``); the journal ("Journal des
accès") shows staff every event and a recruiter those about their mandates, filters by
candidate, pages, in a constant number of queries; the admin only reads them."""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import ReadEvent
from audit.selectors import JOURNAL_PAGE_SIZE
from candidates import services as candidate_services
from reports.models import Report
from tests.audit.test_access import done_export
from tests.candidates.documents import make_pdf, upload
from tests.factories import ApplicationFactory, CandidateFactory, MandateFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    recruiter = UserFactory(username="lecteur", groups=["recruiter"])
    other_recruiter = UserFactory(username="lecteur-autre", groups=["recruiter"])
    ceo = UserFactory(username="dg-lecteur", groups=["ceo"])
    staff = UserFactory(username="staff-lecteur", is_staff=True)
    mandate = MandateFactory(ceo=ceo, recruiters=[recruiter], title="CSO Alpha")
    other_mandate = MandateFactory(recruiters=[other_recruiter], title="CSO Bêta")
    application = candidate_services.candidate_create(
        mandate=mandate,
        by=recruiter,
        cv=upload("cv-lina.pdf", make_pdf()),
        data={"first_name": "Lina", "last_name": "Lecture", "email": "lina.lecture@example.org"},
    )
    other = ApplicationFactory(mandate=other_mandate, candidate=CandidateFactory(first_name="Omar"))
    other.candidate.cv.save("cv.pdf", ContentFile(make_pdf()))
    pdf = make_pdf("Rapport")
    report = Report(
        application=application,
        version=1,
        status=Report.Status.READY,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        page_count=1,
        finished_at=timezone.now(),
    )
    report.pdf.save("r.pdf", ContentFile(pdf), save=False)
    report.save()
    export = candidate_services.export_job_run(
        job_id=candidate_services.export_job_request(mandate=mandate, by=recruiter).pk
    )
    return {
        "recruiter": recruiter,
        "other_recruiter": other_recruiter,
        "ceo": ceo,
        "staff": staff,
        "mandate": mandate,
        "other_mandate": other_mandate,
        "candidate": application.candidate,
        "other": other.candidate,
        "report": report,
        "export": export,
        "access_export": done_export(application.candidate, mandate, recruiter),
    }


def _downloads(scene):
    c = scene["candidate"]
    return [
        ("cv", reverse("candidates:candidate_cv", kwargs={"pk": c.pk}), c.pk, "CV de Lina Lecture"),
        (
            "report_pdf",
            reverse("reports:download", kwargs={"pk": scene["report"].pk}),
            scene["report"].pk,
            "Rapport v1 de Lina Lecture",
        ),
        (
            "csv_export",
            reverse("candidates:export_job_download", kwargs={"pk": scene["export"].pk}),
            scene["export"].pk,
            "Export CSV de CSO Alpha",
        ),
        (
            "access_export",
            reverse("audit:access_export_download", kwargs={"pk": scene["access_export"].pk}),
            scene["access_export"].pk,
            "Export des données de Lina Lecture",
        ),
    ]


def test_each_download_records_who_what_when_and_from_where(client, scene):
    client.force_login(scene["recruiter"])
    before = timezone.now()
    for kind, url, object_id, label in _downloads(scene):
        response = client.get(url, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="10.9.9.9")
        assert response.status_code == 200, kind
        event = ReadEvent.objects.get(kind=kind)
        assert (event.user, event.object_id, event.label) == (scene["recruiter"], object_id, label)
        # No trusted proxy configured: the socket's address, never what the client claims.
        assert event.ip == "198.51.100.7"
        assert event.at >= before
        assert list(event.mandates.all()) == [scene["mandate"]]
        assert event.candidate == (None if kind == "csv_export" else scene["candidate"])
    assert ReadEvent.objects.count() == 4


def test_behind_a_trusted_proxy_the_forwarded_address_is_recorded(client, scene, settings):
    settings.TRUSTED_PROXY_COUNT = 1  # the client forged the first hop; the proxy appended the second
    client.force_login(scene["recruiter"])
    url = reverse("candidates:candidate_cv", kwargs={"pk": scene["candidate"].pk})
    client.get(url, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.50")
    assert ReadEvent.objects.get().ip == "203.0.113.50"


def test_a_refused_download_records_nothing(client, scene):
    client.force_login(scene["other_recruiter"])
    for kind, url, _object_id, _label in _downloads(scene):
        assert client.get(url).status_code == 404, kind
    assert not ReadEvent.objects.exists()


def _read_everything(client, scene):
    client.force_login(scene["recruiter"])
    for _kind, url, _object_id, _label in _downloads(scene):
        client.get(url)
    client.force_login(scene["other_recruiter"])
    client.get(reverse("candidates:candidate_cv", kwargs={"pk": scene["other"].pk}))
    client.logout()


@pytest.mark.parametrize(
    ("who", "sees"),
    [("staff", 5), ("recruiter", 4), ("other_recruiter", 1), ("ceo", None)],
)
def test_the_journal_shows_each_one_their_mandates_events(client, scene, who, sees):
    _read_everything(client, scene)
    client.force_login(scene[who])
    response = client.get(reverse("audit:journal"))
    if sees is None:
        assert response.status_code == 404
        return
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    events = list(response.context["page"].object_list)
    assert len(events) == sees
    html = response.content.decode()
    assert ("Omar" in html) is (who in ("staff", "other_recruiter"))
    assert ("Lina Lecture" in html) is (who in ("staff", "recruiter"))
    assert "Journal des accès" in html


def test_the_journal_filters_by_candidate(client, scene):
    _read_everything(client, scene)
    client.force_login(scene["staff"])
    response = client.get(reverse("audit:journal"), {"candidate": scene["other"].pk})
    events = list(response.context["page"].object_list)
    assert [e.candidate for e in events] == [scene["other"]]
    assert {pk for pk, _name in response.context["journal"].candidates} == {
        scene["candidate"].pk,
        scene["other"].pk,
    }
    # A recruiter cannot learn anything about another mandate's candidate through the filter.
    client.force_login(scene["recruiter"])
    response = client.get(reverse("audit:journal"), {"candidate": scene["other"].pk})
    assert response.status_code == 200 and list(response.context["page"].object_list) == []
    assert "Omar" not in response.content.decode()
    assert client.get(reverse("audit:journal"), {"candidate": "x' OR 1=1"}).status_code == 200


def _events(scene, count):
    for n in range(count):
        event = ReadEvent.objects.create(
            user=scene["recruiter"],
            kind=ReadEvent.Kind.CV,
            object_id=scene["candidate"].pk,
            label=f"CV {n}",
            candidate=scene["candidate"],
            ip="192.0.2.1",
        )
        event.mandates.add(scene["mandate"], scene["other_mandate"])


def test_the_journal_pages(client, scene):
    _events(scene, JOURNAL_PAGE_SIZE + 10)
    client.force_login(scene["recruiter"])
    first = client.get(reverse("audit:journal"))
    second = client.get(reverse("audit:journal"), {"page": 2})
    assert len(first.context["page"].object_list) == JOURNAL_PAGE_SIZE
    assert len(second.context["page"].object_list) == 10
    assert "page=2" in first.content.decode()
    assert client.get(reverse("audit:journal"), {"page": "999"}).context["page"].number == 2


@pytest.mark.parametrize("who", ["staff", "recruiter"])
def test_the_journal_takes_the_same_number_of_queries_whatever_the_events(client, scene, who):
    client.force_login(scene[who])
    url = reverse("audit:journal")
    _events(scene, 3)
    client.get(url)  # warm-up (session, content types)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _events(scene, 40)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).context["page"].object_list) == 43
    assert len(few) == len(many), [q["sql"] for q in many.captured_queries]
    assert len(many) <= 10


def test_the_admin_reads_events_but_never_writes_them(client, scene):
    _events(scene, 1)
    event = ReadEvent.objects.get()
    root = UserFactory(username="root-audit", is_staff=True, is_superuser=True)
    client.force_login(root)
    assert client.get(reverse("admin:audit_readevent_changelist")).status_code == 200
    change = client.get(reverse("admin:audit_readevent_change", args=[event.pk]))
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert client.get(reverse("admin:audit_readevent_add")).status_code == 403
    assert (
        client.post(reverse("admin:audit_readevent_delete", args=[event.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert (
        client.post(reverse("admin:audit_readevent_change", args=[event.pk]), {"label": "x"}).status_code
        == 403
    )
    assert ReadEvent.objects.get().label == "CV 0"
    assert client.get(reverse("admin:audit_accessexport_changelist")).status_code == 200


def test_the_journal_names_only_the_mandates_the_viewer_manages(client, scene):
    """An event about a person in two mandates (a staff access export covering both) must not
    tell one mandate's recruiter about the other mandate."""
    from django.test import RequestFactory

    from audit import services as audit_services

    ApplicationFactory(mandate=scene["other_mandate"], candidate=scene["candidate"])
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10")
    request.user = scene["staff"]
    audit_services.read_record(
        request,
        kind=ReadEvent.Kind.CV,
        object_id=scene["candidate"].pk,
        label="CV de Lina Lecture",
        candidate=scene["candidate"],
        mandates=[scene["mandate"], scene["other_mandate"]],
    )
    titles = {}
    for who in ("recruiter", "other_recruiter", "staff"):
        client.force_login(scene[who])
        html = client.get(reverse("audit:journal")).content.decode()
        titles[who] = ("CSO Alpha" in html, "CSO Bêta" in html)
    assert titles == {
        "recruiter": (True, False),
        "other_recruiter": (False, True),
        "staff": (True, True),
    }
