"""Tests of the assessment screens: the scorecard form (anchors, NE, save, submit with errors that
keep what was typed, revisions), the summary page (independence rule, fit, gate with the missing role,
balance band, α), access (out of scope → 404) and the pipeline page's figures and query count.

Pages are requested in French, the default language; expected texts go through the same
translation so the tests hold with or without a compiled catalogue.
"""

import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.template.defaultfilters import floatformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from assessments import services
from assessments.models import Criterion, RoleGroup, Scorecard
from candidates.models import Application
from figures import selectors as figures_selectors
from tests.factories import ApplicationFactory, MandateFactory, ScorecardFactory, UserFactory

from .helpers import CODES, PANEL, criterion_ids, evidence_for, panel_values, rate


def summary_dict(application, user=None):
    """The stored summary of ``application`` for ``user`` as ``assessment_summary --json`` gives it."""
    application = Application.objects.select_related("candidate", "mandate").get(pk=application.pk)
    return figures_selectors.application_summary(application=application, user=user).to_dict()


pytestmark = pytest.mark.django_db


def fr(text):
    """``text`` (a msgid) as the French page shows it through ``{% translate %}`` (not escaped)."""
    with translation.override("fr"):
        return translation.gettext(text)


def fr_number(value, digits):
    with translation.override("fr"):
        return floatformat(value, digits)


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs, self.textareas, self.options, self._textarea = [], {}, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input":
            self.inputs.append(attrs)
        elif tag == "textarea":
            self._textarea = attrs.get("name")
            self.textareas[self._textarea] = ""
        elif tag == "option":
            self.options.append(attrs)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.textareas[self._textarea] += data


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.chunks = []

    def handle_data(self, data):
        self.chunks.append(data)


def text_of(html: str) -> str:
    """The visible text of a page (no tags, no attribute values)."""
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.chunks)


def parse(response):
    parser = _Inputs()
    parser.feed(response.content.decode())
    return parser


def checked_values(response):
    """``{field name: checked value}`` of the radio buttons of a page."""
    return {
        i["name"]: i["value"] for i in parse(response).inputs if i.get("type") == "radio" and "checked" in i
    }


@pytest.fixture
def second(mandate):
    user = UserFactory(
        username="recruteur-deux", first_name="Hugo", last_name="Bernard", groups=["recruiter"]
    )
    mandate.recruiters.add(user)
    return user


@pytest.fixture
def ceo(mandate):
    ceo = mandate.ceo
    ceo.first_name, ceo.last_name = "Isabelle", "Fontaine"
    ceo.save()
    return ceo


@pytest.fixture
def application(mandate):
    return ApplicationFactory(mandate=mandate)


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def form_data(scorecard, values, evidence=None, *, recommendation="yes", summary="", action="save"):
    """POST data of the scorecard form: ``values`` code → 1–5 (others NE), ``evidence`` code → text."""
    evidence = evidence or {}
    data = {"recommendation": recommendation, "summary": summary, action: ""}
    for code, cid in criterion_ids(scorecard.framework).items():
        data[f"value_{cid}"] = str(values[code]) if code in values else "NE"
        data[f"evidence_{cid}"] = evidence.get(code, "")
    return data


# --------------------------------------------------------------------------- the scorecard form


def test_start_opens_a_draft_and_the_form_shows_the_three_anchors_of_each_criterion(
    as_user, recruiter, application
):
    client = as_user(recruiter)
    response = client.post(
        reverse("assessments:scorecard_start", args=[application.pk]), {"context": "screening"}
    )
    card = Scorecard.objects.get(application=application, rater=recruiter)
    assert response.status_code == 302 and response["Location"] == card.get_absolute_url()

    response = client.get(card.get_absolute_url())

    assert response.status_code == 200
    content = response.content.decode()
    criteria = list(Criterion.objects.filter(framework=card.framework))
    assert len(criteria) == 16
    for criterion in criteria:
        assert escape(criterion.label_fr) in content
        for level in (1, 3, 5):
            assert escape(getattr(criterion, f"anchor_{level}_fr")) in content, (criterion.code, level)
    # valid definition lists (axe-core "definition-list"): each anchor is a <div> of one <dt> and one <dd>
    anchor_lists = re.findall(r'<dl class="small mt-2 mb-0">(.*?)</dl>', content, re.S)
    assert len(anchor_lists) == 16
    for body in anchor_lists:
        assert re.fullmatch(
            r'(?:<div><dt class="d-inline">[135]</dt> <dd class="d-inline">[^<]*</dd></div>){3}', body
        ), body


def test_ne_is_an_explicit_choice_checked_by_default(as_user, recruiter, application):
    card = services.scorecard_start(application=application, rater=recruiter)

    response = as_user(recruiter).get(card.get_absolute_url())

    radios = [i for i in parse(response).inputs if i.get("type") == "radio"]
    ids = criterion_ids()
    for cid in ids.values():
        assert [r["value"] for r in radios if r["name"] == f"value_{cid}"] == ["1", "2", "3", "4", "5", "NE"]
    assert checked_values(response) == {f"value_{cid}": "NE" for cid in ids.values()}
    assert fr("NE (no evidence)") in response.content.decode()


def test_save_keeps_a_draft_with_the_typed_values(as_user, recruiter, application):
    card = services.scorecard_start(application=application, rater=recruiter)
    client = as_user(recruiter)
    data = form_data(
        card,
        {"cond_tools": 5, "bp_modelling": 2},
        {"cond_tools": "Tableau de bord mensuel créé.", "ent_new_offers": "Rien d'observé"},
        recommendation="strong_yes",
        summary="Entretien solide.",
    )

    response = client.post(card.get_absolute_url(), data)

    assert response.status_code == 302 and response["Location"] == card.get_absolute_url()
    card.refresh_from_db()
    assert (card.status, card.recommendation, card.summary) == ("draft", "strong_yes", "Entretien solide.")
    stored = {r.criterion.code: (r.value, r.evidence) for r in card.ratings.select_related("criterion")}
    assert stored["cond_tools"] == (5, "Tableau de bord mensuel créé.")
    assert stored["bp_modelling"] == (2, "")
    assert stored["ent_new_offers"] == (None, "Rien d'observé")
    assert sum(v is not None for v, _e in stored.values()) == 2

    page = client.get(card.get_absolute_url())
    ids = criterion_ids()
    checked = checked_values(page)
    assert (checked[f"value_{ids['cond_tools']}"], checked[f"value_{ids['bp_modelling']}"]) == ("5", "2")
    assert parse(page).textareas[f"evidence_{ids['cond_tools']}"] == "Tableau de bord mensuel créé."


def test_submit_with_a_5_without_evidence_shows_the_error_and_keeps_every_typed_value(
    as_user, recruiter, application
):
    card = services.scorecard_start(application=application, rater=recruiter)
    ids = criterion_ids()
    data = form_data(
        card,
        {"cond_tools": 5, "bp_modelling": 2, "post_innovation": 1},
        {"bp_modelling": "Texte tapé pour la modélisation", "post_innovation": "Refus net d'innover."},
        recommendation="no",
        summary="Résumé tapé avant l'envoi",
        action="submit",
    )

    response = as_user(recruiter).post(card.get_absolute_url(), data)

    assert response.status_code == 200
    content = response.content.decode()
    with translation.override("fr"):
        label = Criterion.objects.get(pk=ids["cond_tools"]).label
        message = translation.gettext("A rating of %(value)d needs the evidence you observed.") % {"value": 5}
    assert escape(message) in content
    assert escape(label) in re.search(r'<div class="alert alert-danger".*?</div>', content, re.S).group(0)
    # nothing submitted
    card.refresh_from_db()
    assert card.status == Scorecard.Status.DRAFT and card.submitted_at is None
    # every typed value is still on the page
    checked = checked_values(response)
    assert checked[f"value_{ids['cond_tools']}"] == "5"
    assert checked[f"value_{ids['bp_modelling']}"] == "2"
    assert checked[f"value_{ids['post_innovation']}"] == "1"
    assert checked[f"value_{ids['ent_new_offers']}"] == "NE"
    textareas = parse(response).textareas
    assert textareas[f"evidence_{ids['bp_modelling']}"] == "Texte tapé pour la modélisation"
    assert textareas[f"evidence_{ids['post_innovation']}"] == "Refus net d'innover."
    assert textareas["summary"].strip() == "Résumé tapé avant l'envoi"
    recommendation = re.search(r'<select name="recommendation".*?</select>', content, re.S).group(0)
    assert re.findall(r'<option value="(\w+)" selected>', recommendation) == ["no"]
    # the criterion at fault is marked beside it, the others are not
    assert re.search(rf'name="evidence_{ids["cond_tools"]}"[^>]*is-invalid', content)
    assert not re.search(rf'name="evidence_{ids["bp_modelling"]}"[^>]*is-invalid', content)


def test_submit_valid_scorecard_goes_to_the_summary_and_freezes_the_form(as_user, recruiter, application):
    card = services.scorecard_start(application=application, rater=recruiter)
    client = as_user(recruiter)

    response = client.post(
        card.get_absolute_url(),
        form_data(card, {"cond_tools": 5}, {"cond_tools": "Outils refondus."}, action="submit"),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:summary", args=[application.pk])
    card.refresh_from_db()
    assert card.is_submitted
    page = client.get(card.get_absolute_url())
    radios = [i for i in parse(page).inputs if i.get("type") == "radio"]
    assert radios and all("disabled" in r for r in radios)
    assert 'name="submit"' not in page.content.decode()
    # posting to a submitted scorecard changes nothing
    client.post(
        card.get_absolute_url(), form_data(card, {"cond_tools": 1}, {"cond_tools": "x"}, action="submit")
    )
    assert card.ratings.get(criterion__code="cond_tools").value == 5


def test_revise_needs_a_reason_and_opens_a_new_draft(as_user, recruiter, application):
    card = rate(application, recruiter, {"cond_tools": 4})
    client = as_user(recruiter)
    url = reverse("assessments:scorecard_revise", args=[card.pk])

    response = client.post(url, {"reason": "  "})
    assert response.status_code == 302 and response["Location"] == card.get_absolute_url()
    assert Scorecard.objects.count() == 1

    response = client.post(url, {"reason": "Discussion du panel."})
    revision = Scorecard.objects.get(is_current=True)
    assert response["Location"] == revision.get_absolute_url()
    assert (revision.revision, revision.supersedes_id, revision.status) == (2, card.pk, "draft")
    assert "Discussion du panel." in client.get(revision.get_absolute_url()).content.decode()


def test_my_scorecards_lists_only_mine(as_user, recruiter, second, application):
    mine = rate(application, recruiter, {"cond_tools": 4})
    theirs = rate(application, second, {"cond_tools": 2})

    content = as_user(recruiter).get(reverse("assessments:my_scorecards")).content.decode()

    assert mine.get_absolute_url() in content
    assert theirs.get_absolute_url() not in content


# --------------------------------------------------------------------------- the summary page


@pytest.fixture
def panel(application, recruiter, second, ceo):
    """Rater A (recruiter) has an open draft; B and C have submitted the hand-built panel."""
    cards = [
        rate(application, rater, panel_values(i), submit=(i > 0))
        for i, rater in enumerate((recruiter, second, ceo))
    ]
    return cards


def test_summary_hides_the_others_while_the_viewer_has_a_draft_and_shows_them_after_submit(
    as_user, recruiter, second, application, panel
):
    client = as_user(recruiter)
    url = reverse("assessments:summary", args=[application.pk])
    b_evidence = escape(evidence_for("cond_tools", PANEL["cond_tools"][1]))

    content = client.get(url).content.decode()
    assert (
        fr(
            "You have a scorecard in progress for this candidate: the other raters' ratings and the "
            "aggregates stay hidden until you submit it (independent rating)."
        )
        in content
    )
    assert "Hugo Bernard" not in content  # no rater list
    assert b_evidence not in content
    assert fr("Overall fit") not in content and fr("Gate failed") not in content
    assert fr("Criteria and rater disagreement") not in content
    assert b_evidence not in client.get(panel[0].get_absolute_url()).content.decode()  # own form only

    response = client.post(
        panel[0].get_absolute_url(),
        form_data(
            panel[0],
            panel_values(0),
            {c: evidence_for(c, v) for c, v in panel_values(0).items()},
            action="submit",
        ),
    )
    assert response.status_code == 302

    content = client.get(url).content.decode()
    summary = summary_dict(application, recruiter)
    assert f"<strong>{fr_number(summary['fit'], 2)}</strong>" in content
    assert "Hugo Bernard" in content and "Isabelle Fontaine" in content


def test_summary_page_shows_fit_gate_with_the_missing_role_balance_band_and_alpha(
    as_user, recruiter, second, application, panel
):
    services.scorecard_submit(scorecard=panel[0], by=recruiter)
    summary = summary_dict(application)

    content = as_user(second).get(reverse("assessments:summary", args=[application.pk])).content.decode()

    assert f"<strong>{fr_number(summary['fit'], 2)}</strong>" in content
    assert fr("Gate failed") in content and fr("Gate passed") not in content
    with translation.override("fr"):
        entrepreneur = escape(str(RoleGroup.ENTREPRENEUR.label))
        conductor = escape(str(RoleGroup.CONDUCTOR.label))
    missing = re.search(rf"{re.escape(fr('Below 3.0:'))}(.*?)</p>", content, re.S).group(1)
    assert entrepreneur in missing and conductor not in missing
    # The failing criterion is named, never shown by its code.
    failing = re.search(rf"{re.escape(fr('Criteria below 2.0:'))}(.*?)</p>", content, re.S).group(1)
    with translation.override("fr"):
        label = Criterion.objects.filter(code="ent_new_offers").first().label
    assert escape(label) in failing and "ent_new_offers" not in failing
    assert "ent_new_offers" not in text_of(content)
    # balance band of the default candidate (3, 3, 2, 2 years over nine domains)
    band = summary["balance"]["band"]
    assert fr(band.capitalize()) in content
    assert fr_number(summary["balance"]["hhi_star"], 3) in content
    # α and its reading
    alpha = summary["alpha"]
    assert alpha["value"] is not None
    assert f"<strong>{fr_number(alpha['value'], 2)}</strong>" in content
    readings = {
        "reliable": "reliable (≥ 0.80)",
        "tentative": "tentative (0.667–0.80)",
        "unreliable": "unreliable (< 0.667)",
    }
    with translation.override("fr"):
        assert translation.gettext(readings[alpha["reading"]]) in content
    # disagreement flags on the planted criteria
    assert fr("re-observe") in content and fr("discuss the evidence") in content


def test_summary_page_without_scorecards(as_user, recruiter, application):
    content = as_user(recruiter).get(reverse("assessments:summary", args=[application.pk])).content.decode()
    assert fr("No submitted scorecard yet.") in content


# --------------------------------------------------------------------------- access


def test_access_out_of_scope_answers_404(as_user, recruiter, application, mandate):
    card = rate(application, recruiter, {"cond_tools": 4})
    outsider = UserFactory(groups=["recruiter"])
    MandateFactory(recruiters=[outsider])  # recruits for another mandate
    mediator = UserFactory(groups=["mediator"])
    mandate.mediators.add(mediator)
    urls = {
        "summary": ("get", reverse("assessments:summary", args=[application.pk]), {}),
        "scorecard": ("get", card.get_absolute_url(), {}),
        "start": (
            "post",
            reverse("assessments:scorecard_start", args=[application.pk]),
            {"context": "screening"},
        ),
        "revise": ("post", reverse("assessments:scorecard_revise", args=[card.pk]), {"reason": "Intrus."}),
    }
    for user in (outsider, mediator):
        client = as_user(user)
        for name, (method, url, data) in urls.items():
            response = getattr(client, method)(url, data)
            assert response.status_code == 404, (user.username, name)
    assert Scorecard.objects.count() == 1


def test_a_rater_cannot_open_or_revise_another_raters_scorecard(as_user, recruiter, second, ceo, application):
    card = rate(application, recruiter, {"cond_tools": 4})
    draft = rate(application, second, {"cond_tools": 2}, submit=False)

    for user, other_card in ((second, card), (ceo, card), (recruiter, draft)):
        client = as_user(user)
        assert client.get(other_card.get_absolute_url()).status_code == 404
        assert (
            client.post(other_card.get_absolute_url(), form_data(other_card, {"cond_tools": 3})).status_code
            == 404
        )
        assert (
            client.post(
                reverse("assessments:scorecard_revise", args=[other_card.pk]), {"reason": "Pas la mienne."}
            ).status_code
            == 404
        )
    assert Scorecard.objects.count() == 2
    assert draft.ratings.get(criterion__code="cond_tools").value == 2


def test_the_ceo_of_the_mandate_may_rate_and_see_the_summary(as_user, ceo, application):
    client = as_user(ceo)
    assert client.get(reverse("assessments:summary", args=[application.pk])).status_code == 200
    response = client.post(
        reverse("assessments:scorecard_start", args=[application.pk]), {"context": "other"}
    )
    assert response.status_code == 302
    assert Scorecard.objects.get().rater == ceo


def test_anonymous_users_are_sent_to_the_login_page(client, application):
    response = client.get(reverse("assessments:summary", args=[application.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_starting_a_working_session_scorecard_needs_its_number(as_user, recruiter, application):
    client = as_user(recruiter)
    url = reverse("assessments:scorecard_start", args=[application.pk])

    response = client.post(url, {"context": "working_session"})
    assert response["Location"] == reverse("assessments:summary", args=[application.pk])
    assert not Scorecard.objects.exists()

    client.post(url, {"context": "working_session", "session_number": "2"})
    assert Scorecard.objects.get().session_number == 2


# --------------------------------------------------------------------------- the pipeline page


def _pipeline_with(recruiter, n_applications):
    mandate = MandateFactory(recruiters=[recruiter])
    raters = [recruiter, UserFactory(groups=["recruiter"]), mandate.ceo]
    mandate.recruiters.add(raters[1])
    for _ in range(n_applications):
        application = ApplicationFactory(mandate=mandate)
        for i, rater in enumerate(raters):
            ScorecardFactory(
                application=application,
                rater=rater,
                submitted=True,
                ratings={code: 3 + (i + j) % 3 for j, code in enumerate(CODES)},
            )
    return mandate


def board_of(html: str) -> str:
    """The board's cards only: the page without the badges' legend below them."""
    return html.split('class="board-legend')[0]


def test_pipeline_shows_fit_and_balance_band(as_user, recruiter, second, ceo, application, panel, mandate):
    services.scorecard_submit(scorecard=panel[0], by=recruiter)
    summary = summary_dict(application)

    content = board_of(as_user(second).get(mandate.get_absolute_url()).content.decode())

    assert f"{fr('fit')} {fr_number(summary['fit'], 2)}" in content
    assert fr("gate failed") in content
    assert fr(summary["balance"]["band"].capitalize()) in content


def test_pipeline_hides_the_fit_from_a_rater_with_a_draft(as_user, recruiter, application, panel, mandate):
    content = board_of(as_user(recruiter).get(mandate.get_absolute_url()).content.decode())
    assert fr("scores hidden until you submit") in content
    assert fr("gate failed") not in content


def test_pipeline_query_count_does_not_grow_with_scored_applications(as_user, recruiter):
    client = as_user(recruiter)
    counts = []
    for n_applications in (3, 10):
        mandate = _pipeline_with(recruiter, n_applications)
        client.get(mandate.get_absolute_url())  # warm the session and caches
        with CaptureQueriesContext(connection) as context:
            response = client.get(mandate.get_absolute_url())
        assert response.status_code == 200
        assert board_of(response.content.decode()).count(f"{fr('fit')} ") >= n_applications
        counts.append(len(context.captured_queries))
    assert counts[0] == counts[1], counts


def test_summary_page_query_count_does_not_grow_with_the_number_of_raters(as_user, recruiter):
    client = as_user(recruiter)
    counts = []
    for n_raters in (2, 6):
        mandate = MandateFactory(recruiters=[recruiter])
        application = ApplicationFactory(mandate=mandate)
        raters = [UserFactory(groups=["recruiter"]) for _ in range(n_raters)]
        mandate.recruiters.add(*raters)
        for i, rater in enumerate(raters):
            ScorecardFactory(
                application=application,
                rater=rater,
                submitted=True,
                ratings={code: 1 + (i + j) % 5 for j, code in enumerate(CODES)},
            )
        url = reverse("assessments:summary", args=[application.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert all(rater.get_full_name() in response.content.decode() for rater in raters)
        counts.append(len(context.captured_queries))
    assert counts[0] == counts[1], counts


# --------------------------------------------------------------------------- the admin and frozen versions


def _criterion_post(framework, code):
    anchors = {f"anchor_{level}_{lang}": f"Ancre {level}" for level in (1, 3, 5) for lang in ("fr", "en")}
    return {
        "framework": framework.pk,
        "group": "posture",
        "code": code,
        "order": 200,
        "label_fr": "Nouveau",
        "label_en": "New",
        "weight": "1",
        **anchors,
    }


def test_the_admin_cannot_add_a_criterion_to_a_frozen_version(as_user, recruiter, application):
    services.scorecard_start(application=application, rater=recruiter)
    v1 = services.framework_active()
    client = as_user(UserFactory(username="admin-test", is_staff=True, is_superuser=True))
    url = reverse("admin:assessments_criterion_add")

    response = client.post(url, _criterion_post(v1, "post_extra"))

    assert response.status_code == 200  # the form again, with the error
    assert v1.criteria.count() == 16
    v2 = services.framework_new_version(framework=v1)
    response = client.post(url, _criterion_post(v2, "post_extra"))
    assert response.status_code == 302
    assert (v1.criteria.count(), v2.criteria.count()) == (16, 17)
