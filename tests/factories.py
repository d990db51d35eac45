"""factory_boy factories shared by the tests. Fictional people, example.org e-mails."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from candidates.models import Application, Candidate, Company, Mandate, Stage


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    last_name = factory.Sequence(lambda n: f"Nom{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "pw-test-1234")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get(name=name))
        if create:
            self.save()


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Société Fictive {n}")
    city = "Lyon"


class MandateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mandate
        skip_postgeneration_save = True

    company = factory.SubFactory(CompanyFactory)
    title = "Chief Support Officer"
    slug = factory.Sequence(lambda n: f"mandat-{n}")
    ceo = factory.SubFactory(UserFactory, groups=["ceo"])

    @factory.post_generation
    def recruiters(self, create, extracted, **kwargs):
        if create:
            self.recruiters.add(*(extracted or [UserFactory(groups=["recruiter"])]))

    @factory.post_generation
    def mediators(self, create, extracted, **kwargs):
        if create and extracted:
            self.mediators.add(*extracted)


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    first_name = factory.Sequence(lambda n: f"Camille{n}")
    last_name = factory.Sequence(lambda n: f"Exemple{n}")
    email = factory.Sequence(lambda n: f"candidat{n}@example.org")
    years_finance = 3
    years_hr = 3
    years_legal = 2
    years_it = 2


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    candidate = factory.SubFactory(CandidateFactory)
    mandate = factory.SubFactory(MandateFactory)
    stage = Stage.SOURCED

    @factory.post_generation
    def notice(self, create, extracted, **kwargs):
        """The candidate acknowledged the assessment notice (``notice=False``: not even sent), so
        that its sessions may be marked held (``sessions.notices.require_acknowledged``)."""
        if create and extracted is not False:
            acknowledge_notice(self)


# --------------------------------------------------------------------------- assessments

from django.utils import timezone  # noqa: E402 — kept with the classes that use them

from assessments.models import Rating, Scorecard  # noqa: E402
from assessments.services import framework_active  # noqa: E402


class ScorecardFactory(factory.django.DjangoModelFactory):
    """A scorecard of the active framework with one rating per criterion.

    ``ratings={criterion code: value}`` sets values (other criteria stay NE), each with a short
    evidence note; the ``submitted`` trait makes it submitted. Bypasses ``assessments.services``
    (use the services to test the rules themselves).
    """

    class Meta:
        model = Scorecard
        skip_postgeneration_save = True

    application = factory.SubFactory(ApplicationFactory)
    rater = factory.SubFactory(UserFactory, groups=["recruiter"])
    framework = factory.LazyFunction(framework_active)

    class Params:
        submitted = factory.Trait(
            status=Scorecard.Status.SUBMITTED, submitted_at=factory.LazyFunction(timezone.now)
        )

    @factory.post_generation
    def ratings(self, create, extracted, **kwargs):
        if not create:
            return
        values = extracted or {}
        Rating.objects.bulk_create(
            Rating(
                scorecard=self,
                criterion=criterion,
                value=values.get(criterion.code),
                evidence="" if values.get(criterion.code) is None else f"Exemple observé ({criterion.code}).",
            )
            for criterion in self.framework.criteria.all()
        )


# --------------------------------------------------------------------------- working sessions

from datetime import timedelta as _timedelta  # noqa: E402

from sessions.models import WorkingSession  # noqa: E402


class WorkingSessionFactory(factory.django.DjangoModelFactory):
    """A planned working session one week ahead, 1 h 30, its mediator added to the mandate.

    Bypasses ``sessions.services`` (no rule checked, no e-mail): use the services to test the
    scheduling rules themselves."""

    class Meta:
        model = WorkingSession
        skip_postgeneration_save = True

    application = factory.SubFactory(ApplicationFactory)
    order = 1
    starts_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + _timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + _timedelta(hours=1, minutes=30))
    location = "Salle Lumière, Lyon"
    problem = "Réduire le délai de clôture mensuelle."
    mediator = factory.SubFactory(UserFactory, groups=["mediator"])

    @factory.post_generation
    def _mediator_on_mandate(self, create, extracted, **kwargs):
        if create:
            self.application.mandate.mediators.add(self.mediator)


def acknowledge_notice(application):
    """Record that ``application``'s candidate acknowledged the assessment notice (test data:
    the fingerprint stands for a text, it is not one)."""
    import hashlib

    from sessions.models import AssessmentNotice
    from sessions.notices import TEXT_VERSION

    return AssessmentNotice.objects.create(
        application=application,
        acknowledged_at=timezone.now() - _timedelta(days=400),  # before any session of the tests
        text_version=TEXT_VERSION,
        text_sha256=hashlib.sha256(b"test notice").hexdigest(),
    )


# --------------------------------------------------------------------------- offers


def offer_terms(**overrides):
    """Terms of a fictional CSO offer (``offers.services.offer_save``'s ``data``)."""
    from datetime import date
    from decimal import Decimal

    return {
        "title": "Chief Support Officer",
        "start_date": date(2027, 3, 1),
        "currency": "EUR",
        "fixed_pay": Decimal("145000.00"),
        "variable_pay": Decimal("25000.00"),
        "trial_months": 4,
        "notes": "",
        **overrides,
    }


def approved_offer(application, *, approvers=()):
    """An offer of ``application`` (at stage "offer") saved, submitted and approved through the
    services by its mandate's first recruiter, ``approvers`` (users, in order) then the CEO."""
    from offers import services as offer_services

    mandate = application.mandate
    recruiter = mandate.recruiters.order_by("pk").first()
    offer = offer_services.offer_save(application=application, by=recruiter, data=offer_terms())
    users = [*approvers, mandate.ceo]
    offer_services.offer_approvers_set(offer=offer, by=recruiter, users=users)
    offer_services.offer_submit(offer=offer, by=recruiter)
    for user in users:
        offer_services.approval_decide(offer=offer, by=user, decision="approved")
    offer.refresh_from_db()
    return offer


def accepted_offer(application, *, approvers=()):
    """:func:`approved_offer`, then accepted by the candidate today: ``application`` may move to
    "hired"."""
    from offers import services as offer_services

    offer = approved_offer(application, approvers=approvers)
    recruiter = application.mandate.recruiters.order_by("pk").first()
    return offer_services.offer_respond(
        offer=offer, by=recruiter, accepted=True, on_date=timezone.localdate()
    )


def record_decision(application, decision="hire", *, rationale="Décision du comité."):
    """Open the decision meeting of ``application`` (at stage "decision") as a recruiter of its
    mandate and record the CEO's final ``decision`` ("hire", "no_hire", "more_evidence") through
    the services, with a reason in case it differs from the product's reading. Returns the meeting."""
    from decisions import services as decision_services

    application.refresh_from_db()
    mandate = application.mandate
    meeting = decision_services.meeting_open(application=application, by=mandate.recruiters.first())
    return decision_services.meeting_decide(
        meeting=meeting,
        by=mandate.ceo,
        decision=decision,
        rationale=rationale,
        differs_reason="Le comité a pesé les éléments hors chiffres.",
    )


def record_hire_decision(application):
    """:func:`record_decision` "hire": the application may then move from "decision" to "offer"."""
    return record_decision(application, "hire")


def record_no_hire_decision(application):
    """:func:`record_decision` "no_hire": the application may then move from "decision" to "rejected"."""
    return record_decision(application, "no_hire")


# --------------------------------------------------------------------------- hire (start kits)


def hired_application(application=None, *, by=None, **application_kwargs):
    """An application moved to "hired" through ``candidates.services.application_move`` (so the
    start kit is created by its receiver), after :func:`accepted_offer` (the offers app gates
    "offer" → "hired" on an approved offer the candidate accepted). THE one way tests make a hire.

    ``application``: an existing application (moved to "offer" first, bypassing the earlier
    stages' rules); otherwise one is made with ``application_kwargs``. ``by``: who moves it
    (default: the mandate's first recruiter). Returns the application, reloaded."""
    from candidates.services import application_move

    if application is None:
        application = ApplicationFactory(**{"stage": Stage.OFFER, **application_kwargs})
    elif application.stage != Stage.OFFER:
        Application.objects.filter(pk=application.pk).update(stage=Stage.OFFER)
        application.refresh_from_db()
    by = by or application.mandate.recruiters.first()
    accepted_offer(application)
    application_move(application=application, to_stage=Stage.HIRED, by=by)
    application.refresh_from_db()
    return application
