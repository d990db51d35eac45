"""Start-up checks of the PDF engine: WeasyPrint needs fonts, and without any (no font package,
an empty fontconfig) Pango crashes the process with a segmentation fault in the middle of a render
— the worker child dies and its report would stay "rendering". So the engine is tried before work
starts, in a child process (a crash there cannot take the caller down):

* ``manage.py check`` (and ``runserver``, ``migrate``…): a warning when fontconfig lists no font
  (``fc-list``, milliseconds); ``manage.py check --deploy``: an error when a one-line PDF does not
  render;
* a Celery worker refuses to start (exit status 1, the reason on stderr and in the log) when the
  one-line render fails.

A render that crashes anyway later (fonts removed under a running worker) is redelivered and
capped (``reports.services``): the report fails with a reason instead of staying "rendering".
"""

import logging
import shutil
import signal
import subprocess
import sys

from django.core import checks

logger = logging.getLogger(__name__)

#: Seconds the one-line render may take (WeasyPrint's import included).
PROBE_TIMEOUT = 60
FONT_HINT = "install a font package (Debian: fonts-dejavu-core) or point FONTCONFIG_FILE at a configuration with fonts"
_PROBE = (
    "import weasyprint, sys; "
    "pdf = weasyprint.HTML(string='<p>CSO Recruit — vérification</p>').write_pdf(); "
    "sys.exit(0 if pdf.startswith(b'%PDF') else 3)"
)


def fonts_problem() -> str | None:
    """``None`` when fontconfig lists at least one font (or ``fc-list`` is not installed: then only
    the render probe can tell); otherwise the reason, with what to do."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        listed = subprocess.run(  # noqa: S603 — fixed argv
            [fc_list, "--format", "%{file}\\n"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"fc-list could not run ({exc}); {FONT_HINT}"
    if not listed.strip():
        return f"No fonts are available to fontconfig (fc-list lists none): {FONT_HINT}."
    return None


def render_problem() -> str | None:
    """``None`` when WeasyPrint renders a one-line PDF in a child process; otherwise the reason
    (a crash by a signal — the fonts, usually —, an error, a time-out)."""
    try:
        done = subprocess.run(  # noqa: S603 — fixed argv
            [sys.executable, "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"WeasyPrint did not render a one-line PDF within {PROBE_TIMEOUT} seconds."
    if done.returncode == 0:
        return None
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        reason = fonts_problem() or f"Check the fonts: {FONT_HINT}."
        return f"WeasyPrint crashed ({name}) rendering a one-line PDF. {reason}"
    last = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return f"WeasyPrint could not render a one-line PDF (exit status {done.returncode}): {last}"


@checks.register("reports")
def check_fonts(app_configs=None, **kwargs):
    """System check ``reports.W001`` (a warning: the pages work without fonts, the PDFs do not):
    fontconfig lists no font."""
    problem = fonts_problem()
    return [checks.Warning(problem, id="reports.W001")] if problem else []


@checks.register("reports", deploy=True)
def check_pdf_render(app_configs=None, **kwargs):
    """Deployment check ``reports.E002`` (``check --deploy``): a one-line PDF renders."""
    problem = render_problem()
    return [checks.Error(problem, id="reports.E002")] if problem else []


def refuse_to_start_without_pdf_engine(**kwargs):
    """``celery.signals.worker_init`` receiver: exit (status 1) with the reason when the PDF engine
    cannot render, before the worker takes any task."""
    problem = render_problem()
    if problem:
        logger.critical("Worker not started: %s", problem)
        print(f"CSO Recruit worker not started: {problem}", file=sys.stderr)  # noqa: T201
        raise SystemExit(1)
