"""THE access matrix of the working sessions (DESIGN.md §3): every URL of ``sessions/urls.py`` ×
eight roles — anonymous, recruiter / CEO of the mandate, recruiter / CEO of another mandate, the
session's mediator, another mediator (on the same mandate, not assigned), staff.

Anonymous → login redirect, except the two token URLs (the candidate's debrief link and the
personal calendar feed), which answer to whoever holds the token. Out of scope → 404, never 403,
and the same page as a missing object. A mediator sees only their own sessions and cannot
schedule; a CEO reads but cannot schedule, reschedule or cancel (POST → 404, nothing changed).

Adding a URL means adding a row to ``MATRIX``; ``test_every_sessions_url_is_in_the_matrix`` fails
until it is there."""

import re
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import get_resolver, reverse
from django.utils import timezone

from sessions import ipa, notices, services
from sessions.models import (
    AssessmentNotice,
    BriefingFile,
    CalendarFeed,
    CriticalIncident,
    Debrief,
    IpaTally,
    Observation,
    WorkingSession,
)
from tests.candidates.documents import make_pdf, upload
from tests.factories import ApplicationFactory, CandidateFactory
from tests.sessions.conftest import DAY, at, observe, ratings

ANONYMOUS = "anonymous"
RECRUITER = "recruiter of the mandate"
RECRUITER_OTHER = "recruiter of another mandate"
CEO = "CEO of the mandate"
CEO_OTHER = "CEO of another mandate"
MEDIATOR = "the session's mediator"
MEDIATOR_OTHER = "another mediator"
STAFF = "staff"
ROLES = (ANONYMOUS, RECRUITER, RECRUITER_OTHER, CEO, CEO_OTHER, MEDIATOR, MEDIATOR_OTHER, STAFF)

EVERYONE = frozenset(ROLES) - {ANONYMOUS}
PUBLIC = frozenset(ROLES)  # token URLs: whoever holds the token
READERS = frozenset({RECRUITER, CEO, STAFF})  # the application's sessions page
SEERS = READERS | {MEDIATOR}  # one session (and its .ics)
MANAGERS = frozenset({RECRUITER, STAFF})  # schedule, reschedule, cancel, mark held
MEDIATOR_ONLY = frozenset({MEDIATOR})  # the observation and its endpoints
CEO_ONLY = frozenset({CEO})  # the CEO's debrief


def dims(value=4):
    return {f"dim_{code}": str(v) for code, v in ratings(value).items()}


SCHEDULE_POST = {
    "date": (DAY + timedelta(days=2)).isoformat(),
    "start": "10:00",
    "end": "11:30",
    "tz": "Europe/Paris",
    "location": "Visio",
    "problem": "Plan de trésorerie.",
}


@dataclass(frozen=True)
class Row:
    """One URL (and method): who gets ``ok_status``; ``state`` snapshots what a POST may change —
    it must not move for refused roles (and must move for allowed ones when ``changes``)."""

    name: str
    target: str | None
    ok: frozenset
    method: str = "get"
    data: object = None
    ok_status: int = 200
    state: object = None
    changes: bool = False
    label: str = field(default="")

    @property
    def id(self):
        return f"{self.name}:{self.method}{'-' + self.label if self.label else ''}"


def session_count(w):
    return WorkingSession.objects.count()


def future_state(w):
    return tuple(
        WorkingSession.objects.filter(pk=w.future.pk).values_list("status", "starts_at", "sequence").get()
    )


def started_state(w):
    return WorkingSession.objects.get(pk=w.started.pk).status


def observation_count(w):
    return Observation.objects.count()


def draft_state(w):
    return Observation.objects.get(pk=w.observation.pk).ratings


def tally_state(w):
    return list(IpaTally.objects.filter(observation=w.observation).values_list("party", "category", "count"))


def incident_count(w):
    return CriticalIncident.objects.count()


def ceo_debriefs(w):
    return Debrief.objects.filter(party="ceo").count()


def candidate_debriefs(w):
    return Debrief.objects.filter(party="candidate").count()


def notice_count(w):
    return AssessmentNotice.objects.count()


def notice_acknowledged(w):
    return AssessmentNotice.objects.get(pk=w.notice.pk).acknowledged_at


def plan_state(w):
    session = WorkingSession.objects.get(pk=w.future.pk)
    return (session.target_roles, session.briefing)


def briefing_count(w):
    return BriefingFile.objects.count()


def feed_token(w):
    return CalendarFeed.objects.get(user=w.users[CEO]).token


MATRIX = [
    Row("application", "application", READERS),
    Row(
        "application",
        "application",
        MANAGERS,
        method="post",
        data=lambda w: {**SCHEDULE_POST, "mediator": w.users[MEDIATOR].pk},
        ok_status=302,
        state=session_count,
        changes=True,
        label="schedule",
    ),
    Row("mine", None, EVERYONE),
    Row("detail", "session", SEERS),
    Row(
        "detail",
        "future",
        MANAGERS,
        method="post",
        data={"action": "cancel", "c-reason": "Report demandé."},
        ok_status=302,
        state=future_state,
        changes=True,
        label="cancel",
    ),
    Row(
        "detail",
        "future",
        MANAGERS,
        method="post",
        data={
            "action": "reschedule",
            "r-date": (DAY + timedelta(days=3)).isoformat(),
            "r-start": "14:00",
            "r-end": "15:00",
            "r-tz": "Europe/Paris",
            "r-reason": "Comité.",
        },
        ok_status=302,
        state=future_state,
        changes=True,
        label="reschedule",
    ),
    Row(
        "detail",
        "started",
        MANAGERS,
        method="post",
        data={"action": "held"},
        ok_status=302,
        state=started_state,
        changes=True,
        label="held",
    ),
    Row("ics", "session", SEERS),
    Row(
        "observation_start",
        "started",
        MEDIATOR_ONLY,
        method="post",
        ok_status=302,
        state=observation_count,
        changes=True,
    ),
    Row("ceo_debrief", "session", CEO_ONLY),
    Row(
        "ceo_debrief",
        "session",
        CEO_ONLY,
        method="post",
        data=dims(4),
        ok_status=302,
        state=ceo_debriefs,
        changes=True,
    ),
    Row("observation", "observation", MEDIATOR_ONLY),
    Row(
        "observation",
        "observation",
        MEDIATOR_ONLY,
        method="post",
        data={"dim_listening": "4", "save": ""},
        ok_status=302,
        state=draft_state,
        changes=True,
    ),
    Row(
        "observation_tally",
        "observation",
        MEDIATOR_ONLY,
        method="post",
        data={"party": ipa.CEO, "category": "agrees", "delta": "1"},
        state=tally_state,
        changes=True,
    ),
    Row(
        "observation_autosave",
        "observation",
        MEDIATOR_ONLY,
        method="post",
        data={"dim_trust": "2"},
        state=draft_state,
        changes=True,
    ),
    Row(
        "incident_add",
        "observation",
        MEDIATOR_ONLY,
        method="post",
        data={
            "i-minute": "12",
            "i-who": "ceo",
            "i-tag": "listening",
            "i-behaviour": "Reformule la question.",
        },
        ok_status=302,
        state=incident_count,
        changes=True,
    ),
    Row(
        "observation_revise",
        "submitted",
        MEDIATOR_ONLY,
        method="post",
        data={"reason": "Relecture."},
        ok_status=302,
        state=observation_count,
        changes=True,
    ),
    Row(
        "incident_delete",
        "incident",
        MEDIATOR_ONLY,
        method="post",
        ok_status=302,
        state=incident_count,
        changes=True,
    ),
    Row("candidate_debrief", "token", PUBLIC),
    Row(
        "candidate_debrief",
        "token",
        PUBLIC,
        method="post",
        data=dims(3),
        state=candidate_debriefs,
        changes=True,
    ),
    Row("plan", "session", SEERS),
    Row(
        "plan",
        "future",
        MANAGERS,
        method="post",
        data={"roles": ["conductor", "posture"], "briefing": "Lire la note de trésorerie."},
        ok_status=302,
        state=plan_state,
        changes=True,
    ),
    Row(
        "briefing_upload",
        "future",
        MANAGERS,
        method="post",
        data=lambda w: {"file": upload("note.pdf", make_pdf("Note de cadrage"))},
        ok_status=302,
        state=briefing_count,
        changes=True,
    ),
    Row("briefing_file", "briefing", SEERS),
    Row(
        "briefing_delete",
        "briefing",
        MANAGERS,
        method="post",
        ok_status=302,
        state=briefing_count,
        changes=True,
    ),
    Row("calendar", None, EVERYONE),
    Row("calendar_reset", None, EVERYONE, method="post", ok_status=302),
    Row("calendar_feed", "feed", PUBLIC),
    Row("todo", None, EVERYONE),
    Row("notice", "notice_token", PUBLIC),
    Row(
        "notice",
        "notice_token",
        PUBLIC,
        method="post",
        data=lambda w: {
            "lang": "fr",
            "shown": notices.text_sha256(notices.notice_text(w.notice.application, "fr")),
        },
        ok_status=302,
        state=notice_acknowledged,
        changes=True,
    ),
    Row(
        "notice_send",
        "application",
        MANAGERS,
        method="post",
        data={"lang": "fr"},
        ok_status=302,
        state=notice_count,
        changes=True,
    ),
    Row("notice_paper", "application", MANAGERS),
    Row(
        "notice_paper",
        "application",
        MANAGERS,
        method="post",
        data={
            "reason": "Signé sur place, sans accès à sa messagerie.",
            "language": "fr",
            "signed_on": "2026-11-02",
        },
        ok_status=302,
        state=notice_count,
        changes=True,
        label="record",
    ),
]

CASES = [pytest.param(row, role, id=f"{row.id}|{role}") for row in MATRIX for role in ROLES]
KWARG = {
    "application": "application_pk",
    "observation_start": "session_pk",
    "ceo_debrief": "session_pk",
    "candidate_debrief": "token",
    "calendar_feed": "token",
    "notice": "token",
    "notice_send": "application_pk",
    "notice_paper": "application_pk",
}


@pytest.fixture
def w(world):
    """The ``world`` of the session tests, plus sessions in every state on both mandates."""
    users = {
        RECRUITER: world.recruiter,
        RECRUITER_OTHER: world.other_recruiter,
        CEO: world.ceo,
        CEO_OTHER: world.other_ceo,
        MEDIATOR: world.mediator,
        MEDIATOR_OTHER: world.mediator2,
        STAFF: world.staff,
    }
    # ours: a held session with a draft observation and an incident, one observed and submitted,
    # one in the future; a started session of another candidate of the mandate (3 + 1 ≤ 4 per application)
    past = world.past_session(days_ago=2)
    observation = services.observation_start(session=past, mediator=world.mediator)
    incident = services.incident_add(
        observation=observation, by=world.mediator, minute=5, who="ceo", behaviour="Coupe la parole."
    )
    services.session_set_status(session=past, status="held", by=world.recruiter)
    done = world.past_session(days_ago=3)
    submitted = observe(done)
    future = world.schedule(at(DAY, 10))
    second = ApplicationFactory(
        mandate=world.mandate, candidate=CandidateFactory(email="n.second@example.org")
    )
    started = world.past_session(days_ago=4, application=second)
    token = services.debrief_invitation_create(session=past)
    CalendarFeed.objects.create(user=world.ceo)
    notice = AssessmentNotice.objects.create(application=world.application)  # a link not yet used
    briefing = services.briefing_file_add(
        session=future, by=world.recruiter, uploaded=upload("cadrage.pdf", make_pdf("Cadrage"))
    )

    # theirs: the same on the other mandate, with its own mediator
    def theirs(start):
        return world.schedule(
            start,
            application=world.other_application,
            mediator=world.other_mediator,
            by=world.other_recruiter,
        )

    other_past = theirs(at(timezone.localdate() - timedelta(days=2), 10))
    other_observation = services.observation_start(session=other_past, mediator=world.other_mediator)
    other_incident = services.incident_add(
        observation=other_observation, by=world.other_mediator, minute=5, who="ceo", behaviour="Ailleurs."
    )
    other_submitted = observe(theirs(at(timezone.localdate() - timedelta(days=3), 10)))
    other_future = theirs(at(DAY, 10))
    other_briefing = services.briefing_file_add(
        session=other_future, by=world.other_recruiter, uploaded=upload("autre.pdf", make_pdf("Autre"))
    )
    return SimpleNamespace(
        users=users,
        world=world,
        targets={
            "application": world.application,
            "session": past,
            "future": future,
            "started": started,
            "observation": observation,
            "submitted": submitted,
            "incident": incident,
            "briefing": briefing,
        },
        others={
            "application": world.other_application,
            "session": other_past,
            "future": other_future,
            "started": other_past,
            "observation": other_observation,
            "submitted": other_submitted,
            "incident": other_incident,
            "briefing": other_briefing,
        },
        future=future,
        started=started,
        observation=observation,
        token=token,
        notice=notice,
    )


def url_for(row, w, *, other=False, missing=False):
    name = f"working_sessions:{row.name}"
    if row.target is None:
        return reverse(name)
    key = KWARG.get(row.name, "pk")
    if row.target == "token":
        value = "not-a-valid-link" if missing else w.token
    elif row.target == "feed":
        value = "not-a-valid-token" if missing else feed_token(w)
    elif row.target == "notice_token":
        value = "not-a-valid-link" if missing else notices.notice_token(w.notice)
    elif missing:
        value = 987654
    else:
        value = (w.others if other else w.targets)[row.target].pk
    return reverse(name, kwargs={key: value})


def request(client, row, url, w):
    data = row.data(w) if callable(row.data) else row.data
    if row.method == "post":
        return client.post(url, data or {})
    return client.get(url)


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "role"), CASES)
def test_access_matrix(client, w, row, role):
    if role != ANONYMOUS:
        client.force_login(w.users[role])
    url = url_for(row, w)
    before = row.state(w) if row.state else None

    response = request(client, row, url, w)

    assert response.status_code != 403
    if role in row.ok:
        assert response.status_code == row.ok_status, response.content[:800]
    elif role == ANONYMOUS:
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert location.path == reverse(settings.LOGIN_URL)
        assert parse_qs(location.query) == {"next": [url]}
    else:
        assert response.status_code == 404
    if row.state:
        after = row.state(w)
        if role in row.ok and row.changes:
            assert after != before
        else:
            assert after == before


def test_every_sessions_url_is_in_the_matrix():
    _prefix, resolver = get_resolver().namespace_dict["working_sessions"]
    names = {pattern.name for pattern in resolver.url_patterns}
    assert None not in names, "every sessions URL needs a name"
    assert names == {row.name for row in MATRIX}


def test_the_matrix_has_one_get_row_per_url_and_every_role():
    gets = [row.name for row in MATRIX if row.method == "get"]
    assert len(gets) == len(set(gets))
    assert len(CASES) == len(MATRIX) * len(ROLES) == len(MATRIX) * 8


def masked(response, url):
    """The page without what differs from one request to the next: its own address and the CSRF token."""
    html = response.content.decode().replace(url, "URL")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)


#: Who is in scope on our side, to ask for the other mandate's object of the same row.
ASKER = {
    "application": RECRUITER,
    "session": RECRUITER,
    "future": RECRUITER,
    "started": MEDIATOR,
    "observation": MEDIATOR,
    "submitted": MEDIATOR,
    "incident": MEDIATOR,
    "briefing": RECRUITER,
}


@pytest.mark.django_db
@pytest.mark.parametrize("row", [row for row in MATRIX if row.target in ASKER], ids=lambda row: row.id)
def test_out_of_scope_looks_exactly_like_missing(client, w, row):
    role = CEO if row.name == "ceo_debrief" else ASKER[row.target]
    client.force_login(w.users[role])
    hidden_url, missing_url = url_for(row, w, other=True), url_for(row, w, missing=True)
    hidden = request(client, row, hidden_url, w)
    missing = request(client, row, missing_url, w)
    assert hidden.status_code == missing.status_code == 404
    assert masked(hidden, hidden_url) == masked(missing, missing_url)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["candidate_debrief", "calendar_feed"])
@pytest.mark.parametrize("role", ROLES)
def test_a_wrong_token_is_404_for_everyone(client, w, name, role):
    if role != ANONYMOUS:
        client.force_login(w.users[role])
    row = next(r for r in MATRIX if r.name == name)
    response = client.get(url_for(row, w, missing=True))
    assert response.status_code == 404
    assert "Claire" not in response.content.decode()


@pytest.mark.django_db
def test_a_mediator_sees_only_their_sessions(client, w):
    world = w.world
    client.force_login(world.mediator2)
    for session in (w.targets["session"], w.future, w.started, w.others["session"]):
        assert client.get(session.get_absolute_url()).status_code == 404
    assert client.get(reverse("working_sessions:mine")).context["upcoming"] == []
    client.force_login(world.mediator)
    for session in (w.targets["session"], w.future, w.started):
        assert client.get(session.get_absolute_url()).status_code == 200
    assert client.get(w.others["session"].get_absolute_url()).status_code == 404
    page = client.get(w.future.get_absolute_url()).content.decode()
    assert "Reschedule and notify" not in page and "Cancel and notify" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("role", [CEO, MEDIATOR])
def test_ceo_and_mediator_cannot_schedule_reschedule_or_cancel(client, w, role):
    client.force_login(w.users[role])
    application_url = reverse(
        "working_sessions:application", kwargs={"application_pk": w.world.application.pk}
    )
    before = (session_count(w), future_state(w))
    assert (
        client.post(application_url, {**SCHEDULE_POST, "mediator": w.users[MEDIATOR].pk}).status_code == 404
    )
    for data in (
        {"action": "cancel", "c-reason": "Je préfère."},
        {
            "action": "reschedule",
            "r-date": (DAY + timedelta(days=4)).isoformat(),
            "r-start": "09:00",
            "r-end": "10:00",
            "r-tz": "Europe/Paris",
        },
        {"action": "held"},
    ):
        assert client.post(w.future.get_absolute_url(), data).status_code == 404
    assert (session_count(w), future_state(w)) == before
    page = client.get(w.future.get_absolute_url()).content.decode()
    assert "Cancel and notify" not in page and "Mark as held" not in page
