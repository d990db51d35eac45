"""Benchmark of the pages that read the stored figures, against the Application admin changelist.

    .venv/bin/python bench/pages_bench.py [--sizes 200,10000] [--requests 30] [--submits 30]

For each size N it builds, on a throw-away database, one mandate with N applications (five stages),
three raters' submitted screening scorecards for each (16 criteria), and three held and observed
working sessions with both debriefs for 10 % of them; it rebuilds the stored figures
(``figures.services.figures_rebuild``, timed), then times in this one process, in interleaved
rounds (the machine is shared and noisy: every page is measured in the same minutes):

* the **Application admin changelist** (the reference: Django's own paginated list on the same data),
* the **pipeline board**, the **CEO dashboard** (sorted by fit, 50 a page) and one **summary page**,

``--requests`` GETs each after a warm-up (p50/p95 in ms, ratio of p50 to the admin's, SQL queries
of one request); then the **write path**: ``--submits`` scorecard submits through the form (a
fourth rater's drafts on different applications), each recomputing its application's figures in
its transaction and enqueueing the mandate statistics on commit (to a broker that does not run
them here: a worker does).

Targets (issue 9): every page's p50 ≤ 1.5 × the admin changelist's p50 at every size; one scorecard
submit at N = 10,000 ≤ 100 ms p50. Exit code 1 when a target is missed.

Database: PostgreSQL when ``DATABASE_URL`` points to one (a scratch database ``<name>_pages_bench``
is created and dropped), else a scratch SQLite file; the tables are analysed after the bulk load,
as autovacuum does on a live database. DEBUG is off, as in production.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report_bench import machine  # noqa: E402

TARGET_RATIO = 1.5
TARGET_SUBMIT_MS = 100.0
WARM_UP = 3
CODES_PER_GROUP = 4


def scratch_database(workdir: Path) -> tuple[str, callable]:
    """``(DATABASE_URL, cleanup)`` of a scratch database: PostgreSQL beside ``DATABASE_URL``'s, or SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg2

        parts = urlsplit(url)
        name = (parts.path.lstrip("/") or "cso_recruit") + "_pages_bench"
        admin_url = urlunsplit(parts._replace(path="/postgres"))

        def run(sql):
            connection = psycopg2.connect(admin_url)
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(sql)
            connection.close()

        run(f'DROP DATABASE IF EXISTS "{name}"')
        run(f'CREATE DATABASE "{name}"')
        return urlunsplit(parts._replace(path=f"/{name}")), lambda: run(
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        )
    return f"sqlite:///{workdir / 'pages.sqlite3'}", lambda: None


def setup(database_url: str, workdir: Path):
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_MEDIA_ROOT"] = str(workdir / "media")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ["CELERY_BROKER_URL"] = "memory://localhost/"  # tasks are sent, not run (a worker would)
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    os.environ["AXES_ENABLED"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cso_recruit.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(n: int, tag: str):
    """One mandate with ``n`` applications, three raters' scorecards each, sessions for 10 %."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from assessments.models import Rating, Scorecard
    from assessments.services import framework_active
    from candidates.models import ALL_DOMAINS, Application, Candidate, Company, Mandate, Stage
    from sessions import ipa
    from sessions.models import Debrief, Observation, WorkingSession

    User = get_user_model()

    def user(name, group=None, **extra):
        account = User.objects.create_user(
            username=f"{name}-{tag}",
            email=f"{name}-{tag}@example.org",
            password="bench-password-1",
            first_name=name.capitalize(),
            **extra,
        )
        if group:
            account.groups.add(Group.objects.get(name=group))
        return account

    ceo, r1, r2 = user("ceo", "ceo"), user("rec1", "recruiter"), user("rec2", "recruiter")
    mediator, fourth = user("mediator", "mediator"), user("rec4", "recruiter")
    admin = user("admin", is_staff=True, is_superuser=True)
    company = Company.objects.create(name=f"Société Banc d'essai {tag}")
    mandate = Mandate.objects.create(
        company=company, title="Chief Support Officer", slug=f"bench-{tag}", ceo=ceo
    )
    mandate.recruiters.add(r1, r2, fourth)
    mandate.mediators.add(mediator)
    stages = [Stage.SOURCED, Stage.SCREENING, Stage.ASSESSMENT, Stage.WORKING_SESSIONS, Stage.DECISION]
    candidates = Candidate.objects.bulk_create(
        Candidate(
            first_name=f"Prénom{i}",
            last_name=f"Nom{i:05d}",
            email=f"c{i}-{tag}@example.org",
            **{f"years_{code}": (i * (k + 3)) % 7 for k, code in enumerate(ALL_DOMAINS)},
        )
        for i in range(n)
    )
    now = timezone.now()
    applications = Application.objects.bulk_create(
        Application(
            candidate=c,
            mandate=mandate,
            stage=stages[i % len(stages)],
            stage_entered_at=now - timedelta(days=i % 40),
        )
        for i, c in enumerate(candidates)
    )
    framework = framework_active()
    criteria = list(framework.criteria.order_by("order"))
    cards = Scorecard.objects.bulk_create(
        Scorecard(
            application=a,
            rater=rater,
            framework=framework,
            status=Scorecard.Status.SUBMITTED,
            submitted_at=now,
            recommendation="yes",
        )
        for a in applications
        for rater in (r1, r2, ceo)
    )
    batch = []
    for index, card in enumerate(cards):
        for k, criterion in enumerate(criteria):
            batch.append(
                Rating(
                    scorecard=card,
                    criterion=criterion,
                    value=1 + (index + k) % 5 if (index + k) % 9 else None,
                    evidence="Exemple observé.",
                )
            )
        if len(batch) > 20000:
            Rating.objects.bulk_create(batch)
            batch = []
    Rating.objects.bulk_create(batch)
    observed = applications[::10]
    sessions = WorkingSession.objects.bulk_create(
        WorkingSession(
            application=a,
            order=order,
            starts_at=now - timedelta(days=30 - 7 * order, hours=i % 8),
            ends_at=now - timedelta(days=30 - 7 * order, hours=i % 8 - 1),
            location="Lyon",
            problem="Clôture mensuelle.",
            mediator=mediator,
            status=WorkingSession.Status.HELD,
        )
        for i, a in enumerate(observed)
        for order in (1, 2, 3)
    )
    Observation.objects.bulk_create(
        Observation(
            session=s,
            mediator=mediator,
            status=Observation.Status.SUBMITTED,
            submitted_at=now,
            ratings={d.code: 2 + (s.pk + j) % 4 for j, d in enumerate(ipa.DIMENSIONS)},
            verdict="compatible",
            confidence=4,
        )
        for s in sessions
    )
    Debrief.objects.bulk_create(
        Debrief(session=s, party=party, ratings={d.code: 3 for d in ipa.DIMENSIONS}, submitted_at=now)
        for s in sessions
        for party in (ipa.CEO, ipa.CANDIDATE)
    )
    # The fourth rater's drafts, to submit in the write-path timing.
    drafts = Scorecard.objects.bulk_create(
        Scorecard(application=a, rater=fourth, framework=framework) for a in applications[1:61:2]
    )
    Rating.objects.bulk_create(Rating(scorecard=d, criterion=c, value=3) for d in drafts for c in criteria)
    return mandate, r1, fourth, admin, applications[0], drafts


def analyse():
    """Refresh the planner's statistics after the bulk load, as autovacuum does on a live database
    (without it PostgreSQL plans the 10,000-row mandate as if it held a few rows)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed_get(client, url):
    started = time.perf_counter()
    response = client.get(url, secure=True)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    return elapsed


def query_count(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        client.get(url, secure=True)
    return len(context.captured_queries)


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(n, requests, submits):
    from django.test import Client
    from django.urls import reverse

    from accounts.testing import mark_second_factor_verified
    from figures.services import figures_rebuild

    tag = f"n{n}"
    started = time.perf_counter()
    mandate, recruiter, fourth, admin, application, drafts = build(n, tag)
    built = time.perf_counter() - started
    started = time.perf_counter()
    figures_rebuild(mandate=mandate)
    rebuilt = time.perf_counter() - started
    analyse()

    reader, staff = Client(), Client()
    reader.force_login(recruiter)
    staff.force_login(admin)
    mark_second_factor_verified(staff, admin, device_name="bench")  # staff must show one (accounts/)
    pages = {
        "admin changelist": (staff, reverse("admin:candidates_application_changelist")),
        "pipeline board": (reader, reverse("candidates:pipeline", args=[mandate.slug])),
        "CEO dashboard": (reader, reverse("reports:dashboard", args=[mandate.slug])),
        "summary page": (reader, reverse("assessments:summary", args=[application.pk])),
    }
    for client, url in pages.values():
        for _ in range(WARM_UP):
            timed_get(client, url)
    times = {name: [] for name in pages}
    for _ in range(requests):  # interleaved rounds
        for name, (client, url) in pages.items():
            times[name].append(timed_get(client, url))
    counts = {name: query_count(client, url) for name, (client, url) in pages.items()}

    writer = Client()
    writer.force_login(fourth)
    submit_times = []
    for draft in drafts[:submits]:
        data = {"recommendation": "yes", "summary": "", "submit": "1"}
        for rating in draft.ratings.all():
            data[f"value_{rating.criterion_id}"] = "3"
            data[f"evidence_{rating.criterion_id}"] = ""
        url = reverse("assessments:scorecard", args=[draft.pk])
        started = time.perf_counter()
        response = writer.post(url, data, secure=True)
        submit_times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 302:
            raise SystemExit(f"submit {draft.pk}: HTTP {response.status_code}")
    draft.refresh_from_db()
    assert draft.is_submitted
    return {
        "n": n,
        "built": built,
        "rebuilt": rebuilt,
        "times": times,
        "counts": counts,
        "submits": submit_times,
    }


def report(results) -> bool:
    ok = True
    print(f"\nMachine: {machine()}")
    print("\n| N | page | p50 ms | p95 ms | p50 / admin p50 | queries | target |")
    print("|---:|---|---:|---:|---:|---:|---|")
    for result in results:
        reference = statistics.median(result["times"]["admin changelist"])
        for name, values in result["times"].items():
            p50 = statistics.median(values)
            ratio = p50 / reference
            target = "reference" if name == "admin changelist" else ("✔" if ratio <= TARGET_RATIO else "✘")
            ok &= target != "✘"
            print(
                f"| {result['n']:,} | {name} | {p50:.1f} | {percentile(values, 0.95):.1f} | {ratio:.2f} | "
                f"{result['counts'][name]} | {target} |"
            )
        p50 = statistics.median(result["submits"])
        target = "✔" if p50 <= TARGET_SUBMIT_MS else "✘"
        if result["n"] >= 10000:
            ok &= target != "✘"
        else:
            target = f"{target} (target at N ≥ 10,000)"
        print(
            f"| {result['n']:,} | scorecard submit (write) | {p50:.1f} | {percentile(result['submits'], 0.95):.1f} "
            f"| — | — | {target} |"
        )
    print()
    for result in results:
        print(
            f"N = {result['n']:,}: data built in {result['built']:.1f} s, figures rebuilt in {result['rebuilt']:.1f} s"
        )
    print(
        f"Targets: every page p50 ≤ {TARGET_RATIO} × the admin changelist's; submit p50 ≤ {TARGET_SUBMIT_MS:.0f} ms "
        f"at N = 10,000. {'All met.' if ok else 'MISSED.'}"
    )
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="200,10000", help="comma-separated numbers of applications")
    parser.add_argument("--requests", type=int, default=30, help="timed GETs per page and size")
    parser.add_argument("--submits", type=int, default=30, help="timed scorecard submits per size")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    with tempfile.TemporaryDirectory(prefix="cso-pages-bench-") as tmp:
        workdir = Path(tmp)
        url, cleanup = scratch_database(workdir)
        try:
            setup(url, workdir)
            from django.db import connection

            print(f"Database: {connection.vendor}; sizes {sizes}; {args.requests} requests per page")
            results = [measure(n, args.requests, args.submits) for n in sizes]
            connection.close()
        finally:
            cleanup()
    sys.exit(0 if report(results) else 1)


if __name__ == "__main__":
    main()
