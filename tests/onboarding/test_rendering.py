"""The kit's PDF inputs and HTML: the snapshot holds what the page shows, is JSON-serialisable,
and the HTML rendered from it alone (no query) is what WeasyPrint makes a PDF of."""

import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from onboarding import rendering, services
from onboarding.models import StartKit
from sessions import ipa
from tests.factories import hired_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def kit(world):
    kit = StartKit.objects.get(application=hired_application(world.application, by=world.recruiter))
    services.kit_start_date_set(kit=kit, start_date=timezone.localdate() - timedelta(days=31))
    kit.refresh_from_db()
    sha = services.charter_sha256(kit.charter)
    services.charter_sign(
        kit=kit, party="ceo", shown_sha256=sha, signer_name="Isabelle Fontaine", by=world.ceo
    )
    ceo = dict.fromkeys(ipa.DIMENSION_CODES, 4)
    cso = {**dict.fromkeys(ipa.DIMENSION_CODES, 3), "listening": 5}
    services.check_in_submit(kit=kit, milestone=30, party="ceo", ratings=ceo, by=world.ceo)
    services.check_in_submit(kit=kit, milestone=30, party="cso", ratings=cso)
    return kit


def test_the_snapshot_freezes_what_the_pdf_shows(kit, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        snapshot = rendering.kit_snapshot(kit)
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert snapshot["schema"] == "onboarding.start_kit/1"
    assert snapshot["kit"]["start_date"] == kit.start_date.isoformat()
    assert [line["reference"] for line in snapshot["plan"]["inventory"]] == list(
        kit.application.mandate.support_domains
    )
    assert snapshot["charter"]["sha256"] == services.charter_sha256(kit.charter)
    assert [(s["party"], s["signer_name"]) for s in snapshot["charter"]["sign_offs"]] == [
        ("ceo", "Isabelle Fontaine")
    ]
    n = len(ipa.DIMENSION_CODES)
    observed = (4 + (3 * (n - 1) + 5) / n) / 2  # each party's mean, then the mean of the two
    day30 = snapshot["check_ins"][0]
    assert day30["milestone"] == 30 and day30["observed"] == pytest.approx(observed)
    assert snapshot["compatibility"]["observed"] == pytest.approx(observed)
    assert snapshot["compatibility"]["milestone"] == 30


def test_the_html_comes_from_the_snapshot_alone(kit, django_assert_num_queries):
    snapshot = rendering.kit_snapshot(kit)
    with django_assert_num_queries(0):
        html = rendering.render_kit_html(snapshot)
    assert html.startswith("<!doctype html>") and 'lang="fr"' in html
    assert "Isabelle Fontaine" in html and snapshot["charter"]["sha256"] in html
    assert kit.application.candidate.full_name in html
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert 'href="onboarding/kit.css"' in html  # the one resource, a static file
    for line in snapshot["plan"]["inventory"]:
        assert line["title"] in html
    english = rendering.render_kit_html({**snapshot, "language": "en"})
    assert 'lang="en"' in english and "Decision rights" in english


def test_weasyprint_renders_the_kit(kit):
    import weasyprint
    from pypdf import PdfReader

    from reports.rendering import local_fetcher, static_base_url

    html = rendering.render_kit_html(rendering.kit_snapshot(kit))
    pdf = weasyprint.HTML(string=html, base_url=static_base_url(), url_fetcher=local_fetcher()).write_pdf()
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Isabelle Fontaine" in text
