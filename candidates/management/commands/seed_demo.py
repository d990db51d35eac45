"""``manage.py seed_demo`` — fictional demo data; idempotent (a second run changes nothing)."""

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates import services
from candidates.models import Application, Company, Mandate, RejectionReason, Stage, StageTransition
from cso_recruit import access
from outbox.services import background_join, outbox_sweep

DEMO_PASSWORD = "demo-cso-2026"  # noqa: S105 — fictional demo accounts, refused outside DEBUG
DEMO_CSV = Path(__file__).resolve().parents[2] / "demo" / "candidates_demo.csv"
MANDATE_SLUG = "cso-atelier-lumen"

USERS = [
    # username, first name, last name, groups, staff
    ("recruteur", "Camille", "Martin", [access.GROUP_RECRUITER], False),
    ("recruteur2", "Hugo", "Bernard", [access.GROUP_RECRUITER], False),
    ("dg", "Isabelle", "Fontaine", [access.GROUP_CEO], False),
    ("mediateur", "Louis", "Perrin", [access.GROUP_MEDIATOR], False),
    ("admin", "Alice", "Admin", [], True),
]

# Where each sample candidate stands in the demo pipeline (by e-mail), with the path taken.
PATHS = {
    "as.roux-lambert@example.org": [
        Stage.SCREENING,
        Stage.ASSESSMENT,
        Stage.WORKING_SESSIONS,
        Stage.DECISION,
    ],
    "claire.dubois@example.org": [Stage.SCREENING, Stage.ASSESSMENT, Stage.WORKING_SESSIONS],
    "julien.moreau@example.org": [Stage.SCREENING, Stage.ASSESSMENT, Stage.WORKING_SESSIONS],
    "elodie.garnier@example.org": [Stage.SCREENING, Stage.ASSESSMENT],
    "thomas.ndiaye@example.com": [Stage.SCREENING, Stage.ASSESSMENT],
    "s.benali@example.com": [Stage.SCREENING],
    "marc.lefevre@example.org": [Stage.SCREENING, Stage.REJECTED],
    "karim.haddad@example.org": [],
}


class Command(BaseCommand):
    help = "Create fictional demo data (company, mandate, logins, the eight sample candidates). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="allow outside DEBUG (never in production)")

    def handle(self, *args, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                _(
                    "seed_demo creates accounts with a known password: run it only with DEBUG on "
                    "(or --force on a throw-away database)."
                )
            )
        with transaction.atomic():
            users = self._users()
            mandate = self._mandate(users)
            created = self._pipeline(mandate, users["recruteur"])
            from assessments.demo import seed_scorecards

            created = seed_scorecards(mandate=mandate, users=users) > 0 or created
            from sessions.demo import seed_sessions

            created = seed_sessions(mandate=mandate, users=users) > 0 or created
            from decisions.demo import seed_decisions

            created = seed_decisions(mandate=mandate, users=users) > 0 or created
            from offers.demo import seed_offers  # after the decision "hire" it needs

            created = seed_offers(mandate=mandate, users=users) > 0 or created
            from onboarding.demo import seed_start_kit

            created = seed_start_kit(users=users) > 0 or created
        # The demo's e-mails (invitations, notices, debrief links) leave on commit, in background
        # threads in the embedded default: wait for them, then send what is still pending, so that
        # none is left waiting for a beat that a demo does not run.
        background_join(timeout=120)
        outbox_sweep(now=timezone.now() + timedelta(days=1))
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo data ready (%(state)s).")
                % {"state": _("created") if created else _("already there, unchanged")}
            )
        )
        self.stdout.write(
            _("Demo mandate: “%(slug)s” — pipeline at %(url)s")
            % {"slug": MANDATE_SLUG, "url": settings.SITE_URL.rstrip("/") + mandate.get_absolute_url()}
        )
        self.stdout.write(_("Demo logins (password “%(password)s”):") % {"password": DEMO_PASSWORD})
        for username, first, last, groups, _staff in USERS:
            labels = {
                access.GROUP_RECRUITER: _("recruiter"),
                access.GROUP_CEO: _("CEO"),
                access.GROUP_MEDIATOR: _("mediator"),
            }
            role = ", ".join(str(labels[g]) for g in groups) or _("administrator")
            self.stdout.write(f"  {username:<12} {first} {last} ({role})")

    def _users(self):
        User = get_user_model()
        users = {}
        for username, first, last, groups, staff in USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.org",
                    "is_staff": staff,
                    "is_superuser": staff,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
                for name in groups:
                    user.groups.add(Group.objects.get(name=name))
            users[username] = user
        return users

    def _mandate(self, users):
        company, _created = Company.objects.get_or_create(
            name="Atelier Lumen SAS", defaults={"sector": _("Industrial lighting"), "city": "Lyon"}
        )
        mandate, created = Mandate.objects.get_or_create(
            slug=MANDATE_SLUG,
            defaults={"company": company, "title": _("Chief Support Officer"), "ceo": users["dg"]},
        )
        if created:
            mandate.recruiters.add(users["recruteur"], users["recruteur2"])
            mandate.mediators.add(users["mediateur"])
        return mandate

    def _pipeline(self, mandate, recruiter):
        if Application.objects.filter(mandate=mandate).exists():
            return False
        report = services.candidates_import(mandate=mandate, data=DEMO_CSV.read_bytes(), by=recruiter)
        if not report.saved:
            raise CommandError("; ".join(f"{e.line}:{e.column}: {e.message}" for e in report.parse.errors))
        for application in Application.objects.filter(mandate=mandate).select_related("candidate"):
            for stage in PATHS.get(application.candidate.email, []):
                extra = {}
                if stage == Stage.REJECTED:
                    extra = {
                        "rejection_reason": RejectionReason.TOO_SPECIALISED,
                        "reason": _(
                            "Fourteen years in finance and little elsewhere: too specialised "
                            "for a CSO who must treat every support domain alike."
                        ),
                    }
                application = services.application_move(
                    application=application, to_stage=stage, by=recruiter, **extra
                )
        self._backdate(mandate)
        return True

    @staticmethod
    def _backdate(mandate):
        """Spread the demo history over the past weeks (sourced 12 weeks ago, then a step every
        13 days: working sessions entered ~45 days ago, before the first demo session), so the
        board's "time in stage" says something. Deterministic."""
        start = timezone.now() - timedelta(weeks=12)
        for application in Application.objects.filter(mandate=mandate).prefetch_related("transitions"):
            moments = [
                start + timedelta(days=13 * i, hours=application.pk % 24)  # pk: a spread of hours, never days
                for i, _t in enumerate(application.transitions.all())
            ]
            for transition, moment in zip(application.transitions.all(), moments, strict=True):
                StageTransition.objects.filter(pk=transition.pk).update(at=moment)
            Application.objects.filter(pk=application.pk).update(stage_entered_at=moments[-1])
