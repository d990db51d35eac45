"""Response headers (issue 12, item 8): the Content-Security-Policy on every page class, no inline
script or style in the templates nor in the served pages, ``Cache-Control: private, no-store`` on
what a signed-in user reads and on every download, the language cookie's flags, and
``check --deploy`` clean with them."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import reverse

from candidates import services as candidate_services
from reports import services as report_services
from sessions.models import CalendarFeed, Observation
from tests.conftest import ROOT
from tests.factories import UserFactory
from tests.reports.conftest import make_world

pytestmark = pytest.mark.django_db

#: Templates never served to a browser: the PDF report (WeasyPrint) and e-mail bodies.
NOT_SERVED = {"reports/report.html", "email/message.html"}
#: The project's templates and any app's own (``<app>/templates``).
TEMPLATE_DIRS = [
    ROOT / "templates",
    *(p for p in ROOT.glob("*/templates") if p.parent.name not in (".venv", "node_modules")),
]


@pytest.fixture
def world(db):
    return make_world(sessions=2)


def pages(world):
    """(user, URL) of one page of each kind: every app's lists, details, forms, dashboards, the
    admin, the error pages; anonymous ones with ``None``."""
    application = world.application
    session = application.working_sessions.order_by("order").first()
    observation = Observation.objects.filter(session=session).first()
    feed = CalendarFeed.objects.create(user=world.mediator)
    report = report_services.report_request(application=application, by=world.recruiter, enqueue=False)
    other = world.mandate.applications.exclude(pk=application.pk).first() or world.candidate_application(
        "Alice", "Forte", levels=(4, 4, 4)
    )
    root = UserFactory(username="root-test", is_staff=True, is_superuser=True)
    compare = reverse("reports:compare", args=[world.mandate.slug]) + f"?a={application.pk}&a={other.pk}"
    return [
        (None, reverse("login")),
        (None, "/no-such-page/"),
        (None, reverse("working_sessions:candidate_debrief", args=["not-a-token"])),
        (None, reverse("working_sessions:calendar_feed", args=[feed.token])),
        (world.recruiter, reverse("candidates:mandate_list")),
        (world.recruiter, reverse("candidates:pipeline", args=[world.mandate.slug])),
        (world.recruiter, reverse("candidates:candidate_create", args=[world.mandate.slug])),
        (world.recruiter, reverse("candidates:import", args=[world.mandate.slug])),
        (world.recruiter, reverse("candidates:candidate_detail", args=[application.candidate_id])),
        (world.recruiter, application.get_absolute_url()),
        (world.recruiter, reverse("assessments:summary", args=[application.pk])),
        (world.recruiter, reverse("assessments:my_scorecards")),
        (world.recruiter, reverse("working_sessions:application", args=[application.pk])),
        (world.recruiter, reverse("working_sessions:detail", args=[session.pk])),
        (world.recruiter, reverse("reports:list", args=[application.pk])),
        (world.recruiter, reverse("reports:status", args=[report.pk])),
        (world.ceo, reverse("reports:dashboard", args=[world.mandate.slug])),
        (world.ceo, compare),
        (world.mediator, reverse("working_sessions:mine")),
        (world.mediator, reverse("working_sessions:observation", args=[observation.pk])),
        (world.mediator, reverse("working_sessions:calendar")),
        (world.mediator, reverse("profile")),
        (world.recruiter, "/no-such-page/"),
        (root, reverse("admin:index")),
        (root, reverse("admin:candidates_candidate_changelist")),
        (root, reverse("admin:candidates_candidate_change", args=[application.candidate_id])),
        (root, reverse("admin:candidates_candidate_history", args=[application.candidate_id])),
    ]


def get(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def directives(header):
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_every_page_class_carries_the_content_security_policy(client, world):
    for user, url in pages(world):
        response = get(client, user, url)
        assert response.status_code in (200, 404), (url, response.status_code)
        header = response.get("Content-Security-Policy", "")
        assert header, f"no CSP on {url}"
        policy = directives(header)
        assert policy["default-src"] == ["'self'"], url
        assert policy["script-src"] == ["'self'"], url
        assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header, url
        assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"], url
        assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"], url
        assert set(policy["img-src"]) == {"'self'", "data:"}, url


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def test_no_served_template_has_an_inline_style_or_script():
    """Every template a browser receives keeps its styles in static/css and its scripts in
    static/js: no ``style=""`` attribute, no ``<style>`` or inline ``<script>`` element, no
    ``on…=`` handler (the PDF report and the e-mail bodies are not served: left out)."""
    found = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html") if folder.exists() else ():
            name = path.relative_to(folder).as_posix()
            if name in NOT_SERVED or name.startswith(("email/", "sessions/email/")):
                continue
            text = path.read_text(encoding="utf-8")
            for pattern in (INLINE_SCRIPT, HANDLER, STYLE_ATTR, re.compile(r"<style\b", re.IGNORECASE)):
                found += [f"{name}: {m.group(0)[:60]}" for m in pattern.finditer(text)]
    assert not found, "\n".join(found)


def test_served_pages_have_no_inline_script_or_style_but_the_charts_nonced_style(client, world):
    """What the pages really send (templates, crispy forms, the admin, the pygal charts): only
    ``<script src>``; a ``<style>`` element only with the response's CSP nonce (the charts)."""
    charts = 0
    for user, url in pages(world):
        response = get(client, user, url)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html.replace('type="application/json"', 'src=""')), url
        assert not HANDLER.search(html), url
        assert not STYLE_ATTR.search(html), (url, STYLE_ATTR.search(html))
        nonces = re.findall(r"<style\b[^>]*>", html)
        if nonces:
            nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
            assert all(f'nonce="{nonce}"' in tag for tag in nonces), url
            charts += len(nonces)
    assert charts >= 3  # the summary's two charts and the comparison's radar


def test_a_page_chart_has_no_script_and_no_style_attribute_and_keeps_its_colours():
    from reports import charts
    from reports.templatetags.report_tags import page_chart

    svg = page_chart(charts.role_bars({"A": 3.5, "B": 2.0}, gate=3.0), "NONCE")
    assert "<script" not in svg and not STYLE_ATTR.search(svg) and 'opacity="0"' in svg
    assert '<style nonce="NONCE"' in svg
    chart_id = re.search(r'<svg[^>]*id="([^"]+)"', svg).group(1)
    for colour in (charts.PASS, charts.FAIL):  # the bar colours moved into the nonced style element
        assert re.search(rf'#{chart_id} \[data-chart-style="\d"\]\{{fill: {colour} !important;', svg)


# ----------------------------------------------------------------------------- Cache-Control


def is_private(response):
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives and "public" not in directives


def test_every_authenticated_page_and_secret_link_is_private_no_store(client, world):
    for user, url in pages(world):
        response = get(client, user, url)
        if user is None and "token" not in url and "debrief" not in url and ".ics" not in url:
            continue
        assert is_private(response), (url, response.get("Cache-Control"))


def test_public_pages_and_static_files_stay_cacheable(client, world):
    client.logout()
    assert not is_private(client.get("/no-such-page/"))
    static = client.get("/static/css/app.css")
    assert static.status_code == 200 and "no-store" not in static.get("Cache-Control", "")


def test_every_download_is_private_no_store(client, world, django_capture_on_commit_callbacks):
    candidate = world.application.candidate
    candidate.cv.save("cv.pdf", ContentFile(b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
    job = candidate_services.export_job_request(mandate=world.mandate, by=world.recruiter)
    candidate_services.export_job_run(job_id=job.pk, task_id="t")
    with django_capture_on_commit_callbacks(execute=True):
        report = report_services.report_request(application=world.application, by=world.recruiter)
    report.refresh_from_db()
    assert report.is_ready
    session = world.application.working_sessions.first()
    client.force_login(world.recruiter)
    for url in (
        reverse("candidates:candidate_cv", args=[candidate.pk]),
        reverse("candidates:export_job_download", args=[job.pk]),
        reverse("reports:download", args=[report.pk]),
        reverse("working_sessions:ics", args=[session.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert is_private(response), (url, response.get("Cache-Control"))


# ---------------------------------------------------------------------------- cookies, deploy


def test_the_language_cookie_is_http_only_and_same_site(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    cookie = response.cookies["django_language"]
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"


@override_settings(LANGUAGE_COOKIE_SECURE=True)
def test_the_language_cookie_is_secure_when_configured(client, world):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert response.cookies["django_language"]["secure"] is True
    client.force_login(world.recruiter)
    response = client.post(reverse("profile"), {"language": "fr", "time_zone": ""})
    cookie = response.cookies["django_language"]
    assert cookie["secure"] is True and cookie["httponly"] is True


def test_check_deploy_is_clean_and_the_language_cookie_secure_with_debug_off(tmp_path):
    # Not the test process's own DJANGO_ALLOW_ASYNC_UNSAFE (the browser tests set it; check
    # --deploy rightly refuses it in production).
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "x.example.org",
        "SITE_URL": "https://x.example.org",
    }
    manage = str(Path(ROOT) / "manage.py")
    check = subprocess.run(
        [sys.executable, manage, "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    shown = subprocess.run(
        [
            sys.executable,
            manage,
            "shell",
            "-c",
            "from django.conf import settings as s; "
            "print(s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_HTTPONLY, s.SESSION_COOKIE_SECURE)",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert shown.stdout.splitlines()[-1].split() == ["True", "True", "True"], shown.stdout + shown.stderr
