"""THE access matrix of the decision meeting: every URL of ``decisions/urls.py`` × every role —
anonymous, the two recruiters of the mandate (both on the panel; the first opens the meeting), its
CEO (on the panel, records the final decision), its mediator (not on the panel), the recruiter and
the CEO of another mandate (outsiders), staff (reads, opens, edits the SWOT, does not vote nor
decide) — in GET and POST.

Anonymous → login; out of scope → 404 (the same page as a missing object); a POST the role may not
make → 404 and nothing changed; a GET on a POST-only address → 405 (before any lookup, so it says
nothing about the object). Adding a URL means adding rows; ``test_every_decisions_url_is_in_the_matrix``
fails until it is there."""

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import get_resolver, reverse

from candidates.models import Application, Stage
from decisions import services
from decisions.models import DecisionMeeting, Vote
from tests.factories import ApplicationFactory, MandateFactory, UserFactory

ANONYMOUS = "anonymous"
RECRUITER = "recruiter of the mandate (panel)"
PANEL_MEMBER = "second recruiter (panel member)"
CEO = "CEO of the mandate (panel)"
MEDIATOR = "mediator of the mandate"
RECRUITER_OTHER = "recruiter of another mandate"
CEO_OTHER = "CEO of another mandate"
STAFF = "staff"
ROLES = (ANONYMOUS, RECRUITER, PANEL_MEMBER, CEO, MEDIATOR, RECRUITER_OTHER, CEO_OTHER, STAFF)

LOGGED_IN = frozenset(ROLES) - {ANONYMOUS}
READERS = frozenset({RECRUITER, PANEL_MEMBER, CEO, STAFF})
MANAGERS = frozenset({RECRUITER, PANEL_MEMBER, STAFF})
PANEL = frozenset({RECRUITER, PANEL_MEMBER, CEO})
CEO_ONLY = frozenset({CEO})


@dataclass(frozen=True)
class Row:
    name: str
    ok: frozenset
    method: str = "get"
    data: dict | None = None
    ok_status: int = 200
    state: object = None
    changes: bool = False
    meeting: bool = True  # a meeting is open before the request
    label: str = field(default="")

    @property
    def id(self):
        return f"{self.name}:{self.method}{'-' + self.label if self.label else ''}"


def meetings(w):
    return tuple(DecisionMeeting.objects.values_list("pk", "decided_at"))


def votes(w):
    return tuple(Vote.objects.values_list("voter_id", "choice"))


def swot(w):
    return tuple(
        Application.objects.filter(pk=w.application.pk).values_list("swot_opportunities", "swot_threats")
    )


MATRIX = [
    Row("meeting", READERS),
    Row("meeting", READERS, meeting=False, label="before-opening"),
    Row("open", LOGGED_IN, ok_status=405),
    Row("open", MANAGERS, method="post", ok_status=302, state=meetings, changes=True, meeting=False),
    Row("vote", LOGGED_IN, ok_status=405),
    Row(
        "vote",
        PANEL,
        method="post",
        data={"choice": "hire", "rationale": "Solide sur les trois rôles."},
        ok_status=302,
        state=votes,
        changes=True,
    ),
    Row("decide", LOGGED_IN, ok_status=405),
    Row(
        "decide",
        CEO_ONLY,
        method="post",
        data={"decision": "no_hire", "rationale": "Pas assez d’éléments."},
        ok_status=302,
        state=meetings,
        changes=True,
    ),
    Row("swot", LOGGED_IN, ok_status=405),
    Row(
        "swot",
        MANAGERS,
        method="post",
        data={"opportunities": "Filiales", "threats": "Contre-offre"},
        ok_status=302,
        state=swot,
        changes=True,
    ),
]

CASES = [pytest.param(row, role, id=f"{row.id}|{role}") for row in MATRIX for role in ROLES]


@dataclass
class World:
    users: dict
    application: object
    other_application: object


@pytest.fixture
def world(db):
    users = {
        RECRUITER: UserFactory(groups=["recruiter"]),
        PANEL_MEMBER: UserFactory(groups=["recruiter"]),
        CEO: UserFactory(groups=["ceo"]),
        MEDIATOR: UserFactory(groups=["mediator"]),
        RECRUITER_OTHER: UserFactory(groups=["recruiter"]),
        CEO_OTHER: UserFactory(groups=["ceo"]),
        STAFF: UserFactory(is_staff=True),
    }
    mandate = MandateFactory(
        ceo=users[CEO], recruiters=[users[RECRUITER], users[PANEL_MEMBER]], mediators=[users[MEDIATOR]]
    )
    other = MandateFactory(ceo=users[CEO_OTHER], recruiters=[users[RECRUITER_OTHER]])
    application = ApplicationFactory(mandate=mandate, stage=Stage.DECISION)
    other_application = ApplicationFactory(mandate=other, stage=Stage.DECISION)
    services.meeting_open(application=other_application, by=users[RECRUITER_OTHER])
    return World(users=users, application=application, other_application=other_application)


def url_for(row, pk):
    return reverse(f"decisions:{row.name}", kwargs={"pk": pk})


def send(client, row, url):
    return client.post(url, row.data or {}) if row.method == "post" else client.get(url)


@pytest.mark.parametrize(("row", "role"), CASES)
def test_access_matrix(client, world, row, role):
    if row.meeting:
        services.meeting_open(application=world.application, by=world.users[RECRUITER])
    if role != ANONYMOUS:
        client.force_login(world.users[role])
    url = url_for(row, world.application.pk)
    before = row.state(world) if row.state else None

    response = send(client, row, url)

    if role == ANONYMOUS:
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert location.path == reverse(settings.LOGIN_URL)
        assert parse_qs(location.query) == {"next": [url]}
    elif role in row.ok:
        assert response.status_code == row.ok_status, response.content[:800]
    else:
        assert response.status_code == 404
    if row.state:
        after = row.state(world)
        if role in row.ok and row.changes:
            assert after != before
        else:
            assert after == before


def test_every_decisions_url_is_in_the_matrix():
    _prefix, resolver = get_resolver().namespace_dict["decisions"]
    names = {pattern.name for pattern in resolver.url_patterns}
    assert names == {row.name for row in MATRIX}
    for name in names:  # GET and POST for every address
        assert {row.method for row in MATRIX if row.name == name} == (
            {"get"} if name == "meeting" else {"get", "post"}
        )


def masked(response, url):
    html = response.content.decode().replace(url, "URL")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)


@pytest.mark.parametrize("row", [row for row in MATRIX if row.ok_status != 405], ids=lambda row: row.id)
def test_out_of_scope_looks_exactly_like_missing(client, world, row):
    client.force_login(world.users[RECRUITER])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    hidden_url = url_for(row, world.other_application.pk)
    missing_url = url_for(row, 987654)
    hidden, missing = send(client, row, hidden_url), send(client, row, missing_url)
    assert hidden.status_code == missing.status_code == 404
    assert masked(hidden, hidden_url) == masked(missing, missing_url)
    assert Vote.objects.count() == 0 and DecisionMeeting.objects.filter(decided_at__isnull=False).count() == 0
