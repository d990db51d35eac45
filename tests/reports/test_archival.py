"""Reports that archive and prove themselves: PDF/A-3b with tagged structure (pdfinfo), language,
title, author and identifier in the XMP metadata, charts with their figures as alternative text,
the snapshot and a README embedded (pypdf), ``manage.py verify_report`` passing on a report and
failing — saying which check — on a one-byte change, a changed embedded snapshot or a figure that no
longer follows from its data; the staff page; the text in reading order."""

import json
import shutil
import subprocess
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from reports import rendering, services, verification
from reports.models import Report
from reports.templatetags.report_tags import num
from tests.conftest import require_service
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # rendered by the eager task on commit
        requested = services.report_request(application=world.application, by=world.ceo)
    report = Report.objects.get(pk=requested.pk)
    assert report.is_ready, report.error
    return report


@pytest.fixture
def pdf_path(report, tmp_path):
    path = tmp_path / "rapport.pdf"
    path.write_bytes(report.pdf.read())
    return path


def pdfinfo(*args):
    binary = shutil.which("pdfinfo")
    require_service(bool(binary), "poppler's pdfinfo (Debian package poppler-utils)")
    return subprocess.run(
        [binary, *map(str, args)], capture_output=True, check=True, text=True, timeout=30
    ).stdout


def verify(path):
    """``(output, error)`` of ``manage.py verify_report`` in English (the msgids)."""
    out = StringIO()
    try:
        with translation.override("en"):
            call_command("verify_report", str(path), stdout=out)
    except CommandError as exc:
        return out.getvalue(), str(exc)
    return out.getvalue(), None


def test_the_pdf_is_tagged_and_claims_pdf_a_3b_with_its_metadata(pdf_path, world):
    info = pdfinfo(pdf_path)
    assert "Tagged:          yes" in info
    assert "Title:           Rapport de compatibilité — Éloïse Lœwenbrück-Ngô" in info
    assert "Author:          CSO Recruit" in info
    xmp = pdfinfo("-meta", pdf_path)
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert "<dc:language><rdf:Bag><rdf:li>fr</rdf:li></rdf:Bag></dc:language>" in xmp
    assert f"<dc:identifier>{world.application.public_id}-v1</dc:identifier>" in xmp
    reader = PdfReader(pdf_path)
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    assert bool(reader.trailer["/Root"]["/MarkInfo"]["/Marked"]) is True
    assert "/OutputIntents" in reader.trailer["/Root"]  # sRGB output intent, required by PDF/A


def _structure(reader):
    """``(types, alternative texts)`` of the structure tree."""
    types, alts = {}, []
    stack = [reader.trailer["/Root"]["/StructTreeRoot"].get_object()]
    while stack:
        node = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        if "/S" in node:
            types[str(node["/S"])] = types.get(str(node["/S"]), 0) + 1
        if "/Alt" in node:
            alts.append(str(node["/Alt"]))
        if "/K" in node:
            stack.append(node["/K"])
    return types, alts


def test_headings_tables_and_charts_are_in_the_structure_tree(pdf_path, report):
    types, alts = _structure(PdfReader(pdf_path))
    for kind in ("/Document", "/H1", "/H2", "/H3", "/Table", "/TR", "/TH", "/TD", "/L", "/LI", "/Figure"):
        assert types.get(kind), kind
    assert types["/Figure"] == 4 == len(alts)
    roles = report.snapshot["summary"]["roles"]
    role_alt = next(a for a in alts if "Business partner" in a)
    with translation.override("fr"):
        assert num(roles["conductor"]["score"], 2) in role_alt  # the chart's figures, in words
    balance_alt = next(a for a in alts if "Finance" in a)
    with translation.override("fr"):
        assert num(report.snapshot["candidate"]["years"]["finance"], 1) in balance_alt


def test_the_snapshot_and_a_readme_are_embedded(pdf_path, report):
    attachments = PdfReader(pdf_path).attachments
    assert set(attachments) == {"snapshot.json", "README.txt"}
    assert json.loads(attachments["snapshot.json"][0]) == report.snapshot
    readme = attachments["README.txt"][0].decode("utf-8")
    assert "formulas version" in readme and "Product version" in readme and "verify_report" in readme
    catalog_files = PdfReader(pdf_path).trailer["/Root"]["/AF"]
    relationships = {str(f.get_object()["/AFRelationship"]) for f in catalog_files}
    assert relationships == {"/Data", "/Supplement"}


def test_verify_report_passes_on_the_report(pdf_path):
    output, error = verify(pdf_path)
    assert error is None, output
    lines = output.strip().splitlines()
    assert len(lines) == 6 and all(line.startswith("✔") for line in lines[:5])


def test_a_one_byte_change_in_the_pdf_fails_the_sha256_check(pdf_path, tmp_path):
    data = bytearray(pdf_path.read_bytes())
    position = data.rfind(b"WeasyPrint")
    data[position] = ord("w")
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(bytes(data))
    output, error = verify(changed)
    assert error and "sha256" in error
    assert "✘ SHA-256" in output and output.count("✔") == 4


def test_a_changed_embedded_snapshot_fails_the_snapshot_check(report, tmp_path):
    tampered = json.loads(json.dumps(report.snapshot))
    tampered["candidate"]["city"] = "Ailleurs"
    path = tmp_path / "tampered.pdf"
    path.write_bytes(rendering.render_pdf(tampered).pdf)
    output, error = verify(path)
    assert error and "snapshot" in error and "sha256" in error
    assert "✘ The embedded snapshot differs" in output
    assert "✔ The headline figures" in output  # the figures still follow from that data


def test_a_figure_that_does_not_follow_from_the_snapshot_fails_the_figures_check(report, tmp_path):
    tampered = json.loads(json.dumps(report.snapshot))
    tampered["summary"]["fit"] = 4.99
    tampered["summary"]["criteria"][0]["score"] = 1.0
    path = tmp_path / "figures.pdf"
    path.write_bytes(rendering.render_pdf(tampered).pdf)
    output, error = verify(path)
    assert error and "figures" in error
    line = next(line for line in output.splitlines() if "formulas" in line)
    assert line.startswith("✘") and "fit" in line and tampered["summary"]["criteria"][0]["code"] in line


def test_a_file_that_is_not_a_report_fails_readably(tmp_path):
    path = tmp_path / "autre.pdf"
    path.write_bytes(b"%PDF-1.4\nnot really")
    output, error = verify(path)
    assert error and "readable" in error and output.startswith("✘")
    with pytest.raises(CommandError):
        call_command("verify_report", str(tmp_path / "absent.pdf"), stdout=StringIO())


def test_staff_verify_a_pdf_on_the_page_others_get_404(client, report, world):
    url = reverse("reports:verify")
    client.force_login(world.ceo)
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(is_staff=True))
    upload = SimpleUploadedFile("rapport.pdf", report.pdf.open("rb").read(), content_type="application/pdf")
    response = client.post(url, {"file": upload})
    assert response.status_code == 200 and response.context["passed"] is True
    assert len(response.context["checks"]) == 5
    assert reverse("reports:verify") in client.get(report.get_absolute_url()).content.decode()


def test_the_text_follows_the_reading_order_on_every_page(pdf_path):
    pages = [" ".join((page.extract_text() or "").split()).lower() for page in PdfReader(pdf_path).pages]
    assert len(pages) >= 5 and all(pages)
    assert "rapport de compatibilité" in pages[0] and "éloïse" in pages[0]
    summary = pages[1]  # labels are upper-cased by the stylesheet: compare in lower case
    order = [
        summary.index(text)
        for text in (
            "synthèse",
            "adéquation globale",
            "lecture des chiffres",
            "profil du candidat",
            "les trois rôles",
        )
    ]
    assert order == sorted(order)
    assert summary.startswith("synthèse")  # running headers and footers are artifacts, not content
    chapters = [
        "synthèse",
        "graphiques",
        "critères, écarts et alertes de désaccord",
        "séances de travail",
        "annexe : méthodologie",
    ]
    # Each main chapter opens a page (its heading is the page's first text), in the document's order.
    first_pages = [
        next(i for i, page in enumerate(pages) if page.startswith(chapter)) for chapter in chapters
    ]
    assert first_pages == sorted(first_pages)
    # The two short chapters follow on the page where the previous one ends, still in order.
    body = " ".join(pages[1:])
    flowing = [
        "séances de travail",
        "méta-communication et écarts de perception",
        "swot du candidat",
        "annexe : méthodologie",
    ]
    positions = [body.index(heading) for heading in flowing]
    assert positions == sorted(positions)


def test_verification_is_pure_on_the_snapshot(report):
    fresh = verification.recompute_headline(report.snapshot)
    assert fresh["fit"] == pytest.approx(report.snapshot["summary"]["fit"])
    assert fresh["reading"] == report.snapshot["summary"]["reading"]["level"]
