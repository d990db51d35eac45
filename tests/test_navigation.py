"""The main navigation per role (``access.navigation_for``, issue 15 item 1): each role sees exactly
its links, a person holding several roles the union; the error pages keep it; the favicon and the
admin's branding."""

import re

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import include, path, reverse

from cso_recruit import access
from tests.factories import MandateFactory, UserFactory

pytestmark = pytest.mark.django_db

RECRUITER = ["todo", "mandates", "scorecards", "sessions", "calendar", "journal"]
MEDIATOR = ["todo", "sessions", "calendar"]


def nav_keys(html: str) -> list[str]:
    """The ``data-nav`` keys of the main navigation, in order."""
    nav = html[html.index('id="main-nav"') : html.index('id="main"')]
    return re.findall(r'data-nav="([^"]+)"', nav)


def page(client, user, url="/account/profile/"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def people(db):
    """A mandate with its CEO, a recruiter and a mediator, each in their group only."""
    ceo = UserFactory(username="nav-ceo", groups=["ceo"])
    recruiter = UserFactory(username="nav-recruiter", groups=["recruiter"])
    mediator = UserFactory(username="nav-mediator", groups=["mediator"])
    mandate = MandateFactory(
        slug="cso-nav", title="CSO Nav", ceo=ceo, recruiters=[recruiter], mediators=[mediator]
    )
    return {"ceo": ceo, "recruiter": recruiter, "mediator": mediator, "mandate": mandate}


def test_a_recruiter_sees_mandates_scorecards_sessions_calendar_and_the_journal(client, people):
    html = page(client, people["recruiter"])
    assert nav_keys(html) == RECRUITER
    assert f'href="{reverse("audit:journal")}" data-nav="journal"' in html
    assert reverse("admin:index") not in html


def test_a_recruiter_of_no_mandate_yet_has_no_journal_link(client, db):
    assert nav_keys(page(client, UserFactory(groups=["recruiter"]))) == RECRUITER[:-1]


def test_a_mediator_sees_only_their_sessions_and_the_calendar(client, people):
    html = page(client, people["mediator"])
    assert nav_keys(html) == MEDIATOR
    assert ">Mandates<" not in html and ">My scorecards<" not in html


def test_a_ceo_sees_her_dashboard_and_no_mandate_list(client, people):
    html = page(client, people["ceo"])
    assert nav_keys(html) == ["todo", "dashboard", "scorecards", "sessions", "calendar"]
    dashboard = reverse("reports:dashboard", args=["cso-nav"])
    assert f'href="{dashboard}" data-nav="dashboard"' in html
    assert 'data-nav="mandates"' not in html and 'data-nav="journal"' not in html


def test_a_ceo_of_two_mandates_gets_a_menu_of_her_dashboards(client, people):
    MandateFactory(slug="cso-bis", title="Another CSO", ceo=people["ceo"])
    html = page(client, people["ceo"])
    assert nav_keys(html) == [
        "todo",
        "dashboards",
        "dashboard:cso-bis",
        "dashboard:cso-nav",
        "scorecards",
        "sessions",
        "calendar",
    ]
    assert f'href="{reverse("reports:dashboard", args=["cso-bis"])}" data-nav="dashboard:cso-bis"' in html
    assert ">My dashboards<" in html


def test_staff_see_everything_plus_the_journal_and_the_admin(client, db):
    html = page(client, UserFactory(username="nav-staff", is_staff=True))
    assert nav_keys(html) == RECRUITER + ["admin"]
    assert f'href="{reverse("admin:index")}" data-nav="admin"' in html


def test_several_roles_see_the_union(client, people):
    """The CEO of one mandate who recruits for another and mediates a third."""
    person = people["ceo"]
    MandateFactory(slug="cso-recruits", recruiters=[person])
    MandateFactory(slug="cso-mediates", mediators=[person])
    assert nav_keys(page(client, person)) == ["todo", "mandates", "dashboard", *RECRUITER[2:]]


def test_membership_counts_without_the_group(client, db):
    """A mediator of a mandate outside the ``mediator`` group is a mediator all the same."""
    user = UserFactory(username="nav-member")
    MandateFactory(mediators=[user])
    assert nav_keys(page(client, user)) == MEDIATOR


def test_no_role_no_links_and_anonymous_no_menu(client, db):
    assert nav_keys(page(client, UserFactory(username="nav-nobody"))) == []
    client.logout()
    html = client.get(reverse("login")).content.decode()
    assert "data-nav=" not in html


def test_the_journal_link_follows_may_read_journal(people):
    staff = UserFactory(username="nav-staff2", is_staff=True)
    for user in (people["recruiter"], people["ceo"], people["mediator"], staff):
        keys = [e.key for e in access.navigation_for(user)]
        assert ("journal" in keys) is access.may_read_journal(user), user.username


def test_the_navigation_costs_at_most_two_queries(people, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        access.navigation_for(people["ceo"])
    with django_assert_max_num_queries(1):
        access.navigation_for(people["mediator"])


def test_the_current_page_is_marked(client, people):
    html = page(client, people["recruiter"], reverse("working_sessions:mine"))
    assert f'href="{reverse("working_sessions:mine")}" data-nav="sessions" aria-current="page"' in html
    assert html.count('aria-current="page"') == 1


# ----------------------------------------------------------------------------- error pages


def refuse(request):
    raise PermissionDenied


urlpatterns = [path("refuse/", refuse), path("", include("cso_recruit.urls"))]


@override_settings(DEBUG=False, ROOT_URLCONF="tests.test_navigation")
def test_a_refusal_is_the_friendly_403_in_the_site_layout_with_the_role_menu(client, people):
    client.force_login(people["mediator"])
    response = client.get("/refuse/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Accès refusé" in html and "css/app.css" in html
    assert nav_keys(html) == MEDIATOR


@override_settings(DEBUG=False)
def test_the_404_page_shows_the_role_menu(client, people):
    client.force_login(people["ceo"])
    response = client.get("/nothing-here/")
    assert response.status_code == 404
    assert nav_keys(response.content.decode()) == ["todo", "dashboard", "scorecards", "sessions", "calendar"]


# ------------------------------------------------------------------------- favicon and admin


def test_every_page_links_the_svg_favicon(client, db):
    html = client.get(reverse("login")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html


def test_favicon_ico_redirects_to_the_svg_without_signing_in(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/favicon.svg"
    assert (settings.BASE_DIR / "static" / "favicon.svg").read_text().startswith("<svg")


def test_favicon_ico_is_not_behind_the_second_factor(client, people):
    """A CEO who has not shown her second factor yet still gets the icon (no redirect to it)."""
    client._force_login_without_second_factor(people["ceo"])
    assert client.get("/favicon.ico")["Location"] == "/static/favicon.svg"


@pytest.mark.parametrize(
    ("language", "title", "header", "index"),
    [
        ("en", "Site administration | CSO Recruit", "CSO Recruit administration", "Site administration"),
        (
            "fr",
            "Site d’administration | CSO Recruit",
            "Administration de CSO Recruit",
            "Site d’administration",
        ),
    ],
)
def test_the_admin_is_branded(client, db, language, title, header, index):
    client.force_login(UserFactory(username="nav-root", is_staff=True, is_superuser=True))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("admin:index")).content.decode()
    assert f"<title>{title}</title>" in html
    assert f'<a href="/admin/">{header}</a>' in html
    assert f"<h1>{index}</h1>" in html
    assert "Django administration" not in html and "Administration de Django" not in html
