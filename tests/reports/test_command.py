"""``manage.py render_report``: the same code, synchronously."""

import pytest
from django.core.management import CommandError, call_command

from reports.models import Report


def test_renders_and_writes_the_pdf(world, tmp_path):
    output = tmp_path / "rapport.pdf"
    call_command("render_report", str(world.application.pk), "--output", str(output))
    report = Report.objects.get()
    assert report.is_ready and report.requested_by is None and report.version == 1
    assert output.read_bytes().startswith(b"%PDF") and output.stat().st_size == report.size
    call_command("render_report", str(world.application.pk), "--as", world.ceo.username)
    assert Report.objects.get(version=2).requested_by == world.ceo


def test_refuses_unknown_or_out_of_scope(world):
    with pytest.raises(CommandError):
        call_command("render_report", "999999")
    with pytest.raises(CommandError):
        call_command("render_report", str(world.application.pk), "--as", world.other_ceo.username)
    with pytest.raises(CommandError):
        call_command("render_report", str(world.application.pk), "--as", "nobody")


def test_independence_rule(world):
    from django.utils import translation

    world.draft_for(world.recruiter2)
    with translation.override("fr"), pytest.raises(CommandError, match="grille d’évaluation en cours"):
        call_command("render_report", str(world.application.pk), "--as", world.recruiter2.username)
    assert not Report.objects.exists()


def test_failure_exits_with_an_error(world, monkeypatch):
    from reports import rendering

    monkeypatch.setattr(
        rendering, "render_pdf", lambda s: (_ for _ in ()).throw(rendering.RenderError("boom"))
    )
    with pytest.raises(CommandError, match="boom"):
        call_command("render_report", str(world.application.pk))
    assert Report.objects.get().is_failed
