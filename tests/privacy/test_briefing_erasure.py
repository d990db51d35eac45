"""The working sessions' briefing packs go with the sessions: erasing the candidate or deleting
the mandate removes the files from disk and the rows, history copies included."""

from pathlib import Path

import pytest

from privacy import services
from sessions import services as session_services
from sessions.models import BriefingFile, WorkingSession
from tests.candidates.documents import make_pdf, upload

pytestmark = pytest.mark.django_db


def _pack(world):
    """A two-file pack on session 1, one of them removed again (its history copy remains)."""
    session = WorkingSession.objects.get(application=world.application, order=1)
    WorkingSession.objects.filter(pk=session.pk).update(status="planned")  # the pack is only open then
    kept = session_services.briefing_file_add(
        session=session, by=world.recruiter, uploaded=upload("kept.pdf", make_pdf("Gardé"))
    )
    removed = session_services.briefing_file_add(
        session=session, by=world.recruiter, uploaded=upload("removed.pdf", make_pdf("Retiré"))
    )
    session_services.briefing_file_delete(item=removed, by=world.recruiter)
    WorkingSession.objects.filter(pk=session.pk).update(status="held")
    return kept


def test_erasing_the_candidate_deletes_the_briefing_files(
    world, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        kept = _pack(world)
    path = Path(settings.MEDIA_ROOT) / kept.file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.candidate_erase(world.application.candidate, None, "")
    assert not path.exists()
    assert not BriefingFile.objects.exists() and not BriefingFile.history.exists()


def test_deleting_the_mandate_deletes_the_briefing_files(world, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        kept = _pack(world)
    path = Path(settings.MEDIA_ROOT) / kept.file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.mandate_delete(world.mandate)
    assert not path.exists()
    assert not BriefingFile.objects.exists() and not BriefingFile.history.exists()
