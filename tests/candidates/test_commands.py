"""Tests of the management commands: ``import_candidates`` (success, dry run, all-or-nothing
with exit code 1, unknown mandate), ``export_candidates`` (file that imports back) and
``seed_demo`` (idempotent; the demo recruiter sees the eight applications)."""

import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models import Max
from django.urls import reverse
from django.utils import translation

from candidates.management.commands.seed_demo import DEMO_PASSWORD, MANDATE_SLUG, PATHS
from candidates.models import Application, Candidate, Mandate, Stage, StageTransition
from tests.conftest import sample_path
from tests.factories import ApplicationFactory

from .samples import EXPECTED, SAMPLE_FILES, all_candidate_values

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def run(*args, **options):
    """``call_command`` returning ``(stdout, stderr)``."""
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def counts():
    return (Candidate.objects.count(), Application.objects.count(), StageTransition.objects.count())


# --------------------------------------------------------------------------- import_candidates


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_import_saves_the_eight_candidates_and_says_so(mandate, recruiter, name):
    path = sample_path(name)
    out, err = run("import_candidates", str(path), "--mandate", mandate.slug, "--as", recruiter.username)

    encoding = "utf-8-sig" if "utf8" in name else "cp1252"
    assert f"{path}: encoding {encoding}, separator “;”, 8 rows." in out
    assert "8 created, 0 updated, 0 unchanged, 8 added to the mandate." in out
    assert err == ""
    assert all_candidate_values() == EXPECTED
    assert Application.objects.filter(mandate=mandate, stage=Stage.SOURCED).count() == 8
    assert set(StageTransition.objects.values_list("by__username", flat=True)) == {recruiter.username}


def test_reimport_reports_unchanged(mandate):
    path = str(sample_path(SAMPLE_FILES[0]))
    run("import_candidates", path, "--mandate", mandate.slug)
    out, _err = run("import_candidates", str(sample_path(SAMPLE_FILES[1])), "--mandate", mandate.slug)
    assert "0 created, 0 updated, 8 unchanged, 0 added to the mandate." in out
    assert counts() == (8, 8, 8)


def test_warnings_are_printed_as_sentences(mandate, tmp_path):
    lines = sample_path(SAMPLE_FILES[0]).read_bytes().decode("utf-8-sig").split("\r\n")
    lines = [line + (";Remarques" if i == 0 else ";") if line else line for i, line in enumerate(lines)]
    path = tmp_path / "avec-remarques.csv"
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    out, _err = run("import_candidates", str(path), "--mandate", mandate.slug, "--dry-run")
    assert "line 1, column “Remarques”: Unknown column “Remarques”: it is ignored." in out
    assert "RowWarning" not in out


def test_dry_run_saves_nothing(mandate):
    out, _err = run(
        "import_candidates", str(sample_path(SAMPLE_FILES[0])), "--mandate", mandate.slug, "--dry-run"
    )
    assert "Dry run, nothing saved: 8 created, 0 updated, 0 unchanged, 8 added to the mandate." in out
    assert counts() == (0, 0, 0)


def write_bad_file(tmp_path):
    lines = sample_path(SAMPLE_FILES[0]).read_bytes().decode("utf-8-sig").split("\r\n")
    lines[3] = lines[3].replace(";oui;07/11/2026;", ";oui;;")  # line 4: consent without date
    lines[5] = lines[5].replace(";1;2;6;0;", ";1;2;-6;0;")  # line 6: negative years
    lines[8] = lines[8].replace(";BTS gestion", ";BTS gestion;en trop")  # line 9: one cell too many
    path = tmp_path / "mauvais.csv"
    path.write_bytes("\r\n".join(lines).encode("utf-8-sig"))
    return path


def test_an_invalid_file_exits_1_lists_each_bad_line_and_saves_nothing(mandate, tmp_path):
    ApplicationFactory(mandate=mandate)
    before = counts()
    path = write_bad_file(tmp_path)
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(SystemExit) as exc:
        call_command("import_candidates", str(path), "--mandate", mandate.slug, stdout=out, stderr=err)

    assert exc.value.code == 1
    assert counts() == before
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("line 4, column “Date du consentement”: ")
    assert lines[1].startswith("line 6, column “Juridique (ans)”: ")
    assert "cannot be negative" in lines[1]
    assert lines[2].startswith("line 9, column “column 20”: ")
    assert "3 problem(s): nothing was saved." in lines[3]
    assert len(lines) == 4
    assert "created" not in out.getvalue()


def test_an_invalid_file_with_dry_run_exits_1_too(mandate, tmp_path):
    with pytest.raises(SystemExit) as exc:
        run("import_candidates", str(write_bad_file(tmp_path)), "--mandate", mandate.slug, "--dry-run")
    assert exc.value.code == 1


def test_unknown_mandate_is_a_command_error(db):
    with pytest.raises(CommandError, match="No mandate with slug “nulle-part”"):
        run("import_candidates", str(sample_path(SAMPLE_FILES[0])), "--mandate", "nulle-part")
    assert counts() == (0, 0, 0)


def test_unknown_author_is_a_command_error(mandate):
    with pytest.raises(CommandError, match="No user “fantome”"):
        run(
            "import_candidates",
            str(sample_path(SAMPLE_FILES[0])),
            "--mandate",
            mandate.slug,
            "--as",
            "fantome",
        )
    assert counts() == (0, 0, 0)


def test_missing_or_unreadable_file_is_a_command_error(mandate, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("import_candidates", str(tmp_path / "absent.csv"), "--mandate", mandate.slug)
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"\r\n\r\n")
    with pytest.raises(CommandError, match="The file is empty"):
        run("import_candidates", str(empty), "--mandate", mandate.slug)


def test_a_workbook_is_a_command_error_naming_what_it_looks_like(mandate, tmp_path):
    from .documents import make_xlsx

    workbook = tmp_path / "candidats.xlsx"
    workbook.write_bytes(make_xlsx())
    with pytest.raises(CommandError, match=r"This is not a CSV file \(it looks like an Excel workbook\)"):
        run("import_candidates", str(workbook), "--mandate", mandate.slug)
    assert counts() == (0, 0, 0)


# --------------------------------------------------------------------------- export_candidates


def test_export_to_a_file_then_reimport_changes_nothing(mandate, tmp_path):
    run("import_candidates", str(sample_path(SAMPLE_FILES[0])), "--mandate", mandate.slug)
    Candidate.objects.filter(email="claire.dubois@example.org").update(years_quality=Decimal("1.5"))
    expected = all_candidate_values()
    output = tmp_path / "export.csv"

    _out, err = run("export_candidates", "--mandate", mandate.slug, "--output", str(output))

    assert f"8 candidates written to {output}." in err
    data = output.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfNom;Pr\xc3\xa9nom;E-mail;")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[1].startswith("Benali;Sofia;s.benali@example.com;")  # name order
    assert '"Lyon; Villeurbanne"' in data.decode("utf-8-sig")

    out, _err = run("import_candidates", str(output), "--mandate", mandate.slug)
    assert "0 created, 0 updated, 8 unchanged, 0 added to the mandate." in out

    Candidate.objects.all().delete()
    run("import_candidates", str(output), "--mandate", mandate.slug)
    assert all_candidate_values() == expected


def test_export_to_standard_output(mandate, capsysbinary):
    run("import_candidates", str(sample_path(SAMPLE_FILES[0])), "--mandate", mandate.slug)
    capsysbinary.readouterr()
    call_command("export_candidates", "--mandate", mandate.slug)
    data = capsysbinary.readouterr().out
    assert data.startswith(b"\xef\xbb\xbfNom;")
    assert len(data.decode("utf-8-sig").strip().split("\r\n")) == 9


def test_export_unknown_mandate_is_a_command_error(db):
    with pytest.raises(CommandError, match="No mandate"):
        run("export_candidates", "--mandate", "nulle-part")


# --------------------------------------------------------------------------- seed_demo


def snapshot():
    """Row count and highest id of every model (history tables included)."""
    state = {}
    for model in apps.get_models():
        qs = model._default_manager.all()
        state[model._meta.label] = (qs.count(), qs.aggregate(top=Max("pk"))["top"])
    return state


def test_seed_demo_refuses_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        run("seed_demo")
    assert not Mandate.objects.exists()


def test_seed_demo_creates_the_demo_and_a_second_run_changes_nothing(db, settings):
    settings.DEBUG = True
    out, _err = run("seed_demo")
    assert "Demo data ready (created)." in out
    assert f"password “{DEMO_PASSWORD}”" in out
    first = snapshot()

    out, _err = run("seed_demo")

    assert "Demo data ready (already there, unchanged)." in out
    assert snapshot() == first
    # the eight of the demo mandate, plus the start kit's hire in a second mandate (onboarding.demo):
    # her creation and her move to "hired"
    assert first["candidates.Candidate"][0] == 8 + 1
    assert first["candidates.Application"][0] == 8 + 1
    assert first["candidates.HistoricalCandidate"][0] == 8 + 1
    # + 2: Anne-Sophie moved on to offer (offers.demo), Claire to decision (decisions.demo);
    # + 2: the start kit's hire, created then moved to "hired" (onboarding.demo)
    assert first["candidates.StageTransition"][0] == 8 + sum(len(steps) for steps in PATHS.values()) + 4


def test_seed_demo_content(db, settings):
    settings.DEBUG = True
    run("seed_demo")
    mandate = Mandate.objects.get(slug=MANDATE_SLUG)
    assert mandate.ceo.username == "dg"
    assert sorted(mandate.recruiters.values_list("username", flat=True)) == ["recruteur", "recruteur2"]
    assert list(mandate.mediators.values_list("username", flat=True)) == ["mediateur"]
    assert mandate.ceo.groups.filter(name="ceo").exists()
    stages = dict(Application.objects.filter(mandate=mandate).values_list("candidate__email", "stage"))
    expected = {email: (steps[-1] if steps else Stage.SOURCED) for email, steps in PATHS.items()}
    expected["as.roux-lambert@example.org"] = Stage.OFFER  # her offer awaits the CEO (offers.demo)
    expected["claire.dubois@example.org"] = Stage.DECISION  # her meeting is half-voted (decisions.demo)
    assert stages == expected
    rejected = Application.objects.get(stage=Stage.REJECTED)
    assert rejected.rejection_reason == "too_specialised"
    assert rejected.transitions.get(to_stage=Stage.REJECTED).reason
    assert all(email.endswith(("@example.org", "@example.com")) for email in stages)
    assert Candidate.objects.get(email="thomas.ndiaye@example.com").city == "Lyon; Villeurbanne"


def test_demo_recruiter_logs_in_and_sees_eight_applications_on_the_pipeline(client, settings):
    settings.DEBUG = True
    run("seed_demo")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(reverse("login"), {"username": "recruteur", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("candidates:mandate_list")

    response = client.get(reverse("candidates:pipeline", kwargs={"slug": MANDATE_SLUG}))
    assert response.status_code == 200
    assert response.context["total"] == 8
    on_board = [a for column in response.context["columns"] for a in column.applications]
    assert len(on_board) == 7 and response.context["closed"].count == 1
    assert "8 applications" in response.content.decode()
    counts_by_stage = {column.stage: column.count for column in response.context["columns"]}
    assert counts_by_stage[Stage.OFFER] == 1  # Anne-Sophie: decided "hire", her offer awaits the CEO
    assert counts_by_stage[Stage.DECISION] == 1  # Claire Dubois, her meeting half-voted
    assert counts_by_stage[Stage.WORKING_SESSIONS] == 1
    assert counts_by_stage[Stage.ASSESSMENT] == 2
    assert counts_by_stage[Stage.SCREENING] == 1
    assert counts_by_stage[Stage.SOURCED] == 1


def test_seed_demo_keeps_every_date_in_the_past_whatever_the_ids(db, settings):
    """The demo's history spreads the moves by a few hours per application: with large ids (a
    database that has seen many rows, as in CI) it once pushed "entered the stage" into the
    future, and the decision recorded "now" looked older than the stay at "decision"."""
    from django.db import connection
    from django.utils import timezone

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('candidates_application', 'id'), 5000)")
    else:
        ApplicationFactory()  # SQLite: ids follow the rows; the rule is checked all the same
    settings.DEBUG = True
    run("seed_demo")
    now = timezone.now()
    assert Application.objects.filter(stage_entered_at__gt=now).count() == 0
    assert StageTransition.objects.filter(at__gt=now).count() == 0
    stages = dict(Application.objects.values_list("candidate__email", "stage"))
    assert stages["as.roux-lambert@example.org"] == Stage.OFFER
    assert stages["claire.dubois@example.org"] == Stage.DECISION
