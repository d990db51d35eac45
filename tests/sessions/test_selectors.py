"""``sessions.selectors.counted_observations`` — the reading reports/ relies on: at most one
submitted observation per session (the standing revision), drafts never, with its ratings, verdict
and tallies."""

import pytest

from sessions import ipa, selectors, services
from sessions.models import Observation
from tests.sessions.conftest import observe, ratings

pytestmark = pytest.mark.django_db


def test_one_standing_submitted_observation_per_session(world):
    first = world.past_session(days_ago=3)
    second = world.past_session(days_ago=2)
    drafted = world.past_session(days_ago=1)
    submitted = observe(first, values=3, tallies={(ipa.CEO, "gives_opinion"): 2})
    observe(second, values=4)
    observe(drafted, submit=False)

    counted = selectors.counted_observations()
    assert not isinstance(counted, list) and counted.model is Observation
    assert sorted(o.session_id for o in counted) == [first.pk, second.pk]

    revision = services.observation_revise(observation=submitted, by=world.mediator, reason="Relecture.")
    standing = selectors.counted_observations().get(session=first)
    assert standing.pk == submitted.pk  # the revision is a draft: the submitted one still counts
    services.observation_save(observation=revision, by=world.mediator, ratings=ratings(5))
    services.observation_submit(observation=revision, by=world.mediator)
    rows = list(selectors.counted_observations().filter(session=first).prefetch_related("ipa_tallies"))
    assert [o.pk for o in rows] == [revision.pk]

    row = rows[0]
    assert row.status == "submitted" and row.submitted_at is not None
    assert row.ratings == ratings(5)
    assert row.verdict in ipa.VERDICTS and 1 <= row.confidence <= 5
    tallies = row.tallies()
    assert set(tallies) == {ipa.CEO, ipa.CANDIDATE}
    assert set(tallies[ipa.CEO]) == set(ipa.IPA_CODES) and tallies[ipa.CEO]["gives_opinion"] == 2
