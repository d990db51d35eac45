"""Demo start kit for ``seed_demo``: a second, earlier mandate of the same CEO (``dg``) at another
fictional company, whose CSO, Nadia Perret, was hired 32 days ago after three held and observed
working sessions (incidents, debriefs, the three accounts of the main disagreement): her start kit
is seeded from that evidence and her 30-day check-in is due (on the CEO's "À faire"). Deterministic
and idempotent."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone

from candidates import services as candidate_services
from candidates.models import Application, Company, Mandate, Stage, StageTransition
from offers import services as offer_services
from sessions import notices, scheduling
from sessions import services as session_services
from sessions.demo import _observe_and_debrief, _weekday

MANDATE_SLUG = "cso-verrerie-horizon"
HIRED_DAYS_AGO = 32
#: Days ago of the three held sessions, base level of their dimensions, verdicts.
SESSIONS = [(75, 3, "to_confirm"), (68, 4, "compatible"), (61, 4, "compatible")]
CANDIDATE = {
    "first_name": "Nadia",
    "last_name": "Perret",
    "email": "nadia.perret@example.org",
    "city": "Grenoble",
    "career_years": 16,
    "years_finance": 5,
    "years_hr": 3,
    "years_legal": 2,
    "years_it": 3,
    "years_sales_admin": 2,
    "years_purchasing": 1,
    "years_general_services": 0,
    "years_communication": 0,
    "years_quality": 2,
}


def hire(application: Application, *, by, start_date=None) -> Application:
    """THE one way the demo makes a hire (as ``tests.factories.hired_application`` for the tests):
    the application is set at "offer" (bypassing the earlier stages' rules); its offer is written,
    approved by the CEO and accepted through ``offers.services`` (the gate on "hired"), then it is
    moved to "hired" through ``candidates.services.application_move`` — the start kit is created by
    its receiver, dated from the offer's ``start_date`` (default: today)."""
    Application.objects.filter(pk=application.pk).update(stage=Stage.OFFER)
    application.refresh_from_db()
    ceo = application.mandate.ceo
    today = timezone.localdate()
    offer = offer_services.offer_save(
        application=application,
        by=by,
        data={
            "title": "Chief Support Officer",
            "start_date": start_date or today,
            "currency": "EUR",
            "fixed_pay": Decimal("138000.00"),
            "variable_pay": Decimal("18000.00"),
            "trial_months": 4,
            "notes": "",
        },
    )
    offer_services.offer_approvers_set(offer=offer, by=by, users=[ceo])
    offer_services.offer_submit(offer=offer, by=by)
    offer_services.approval_decide(offer=offer, by=ceo, decision="approved", comment="")
    offer_services.offer_respond(offer=offer, by=by, accepted=True, on_date=today)
    return candidate_services.application_move(application=application, to_stage=Stage.HIRED, by=by)


def seed_start_kit(*, users, now=None) -> int:
    """Create the demo's hire and start kit (once). Returns 1 when created, 0 when already there."""
    if Mandate.objects.filter(slug=MANDATE_SLUG).exists():
        return 0
    now = now or timezone.now()
    today = timezone.localdate(now)
    recruiter, ceo, mediator = users["recruteur"], users["dg"], users["mediateur"]
    company, _created = Company.objects.get_or_create(
        name="Verrerie Horizon SA", defaults={"sector": "Verre technique", "city": "Grenoble"}
    )
    mandate = Mandate.objects.create(
        company=company, slug=MANDATE_SLUG, title="Chief Support Officer", ceo=ceo
    )
    mandate.recruiters.add(recruiter)
    mandate.mediators.add(mediator)
    application = candidate_services.candidate_create(mandate=mandate, data=dict(CANDIDATE), by=recruiter)
    Application.objects.filter(pk=application.pk).update(stage=Stage.WORKING_SESSIONS)
    application.refresh_from_db()
    for n, (days_ago, level, verdict) in enumerate(SESSIONS):
        day = _weekday(today - timedelta(days=days_ago))
        start = scheduling.localize(datetime.combine(day, time(10, 0)), "Europe/Paris")
        session = session_services.session_schedule(
            application=application,
            starts_at=start,
            ends_at=start + timedelta(hours=1, minutes=30),
            mediator=mediator,
            problem="Cartographier les fonctions support avant la fusion des deux sites.",
            location="Salle Horizon, Grenoble",
            by=recruiter,
        )
        if n == 0:
            notice = application.assessment_notices.get()
            notices.notice_acknowledge(
                token=notices.notice_token(notice), language="fr", now=start - timedelta(days=3)
            )
        _observe_and_debrief(session, n, level, verdict, mediator, ceo, now, True)
    hired_at = now - timedelta(days=HIRED_DAYS_AGO)
    application = hire(application, by=recruiter, start_date=timezone.localdate(hired_at))
    last = StageTransition.objects.filter(application=application).aggregate(top=Max("pk"))["top"]
    StageTransition.objects.filter(pk=last).update(at=hired_at)
    Application.objects.filter(pk=application.pk).update(stage_entered_at=hired_at)
    return 1
