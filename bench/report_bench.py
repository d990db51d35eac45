"""Benchmark of the compatibility report: render time and worker memory.

    .venv/bin/python bench/report_bench.py [--reports 20] [--renders 200] [--keep]

Runs on a throw-away SQLite database and media folder (nothing else needed): migrates, loads the
demo data (``seed_demo``), picks the demo application with the most working sessions, then runs
the worker's code path in this one process, exactly as ``reports.tasks.render_report`` does:

1. **time** — ``--reports`` full reports (``report_request`` without a task, then
   ``report_render``: snapshot → HTML → WeasyPrint → pypdf page count → file stored); the median,
   mean, min and max wall-clock seconds per report are printed, plus the HTML + PDF part alone;
2. **memory** — ``--renders`` more renders in a loop; the resident set size (RSS, from
   ``/proc/self/status``, MB) is read after a 5-render warm-up and at the end. A growth above the
   target means the worker leaks and ``CELERY_WORKER_MAX_TASKS_PER_CHILD`` must be lowered.

Targets (issue 5): median ≤ 2 s per full report; RSS growth ≤ 50 MB over 200 renders. Exit code 1
when a target is missed. The machine (CPU, cores, memory) is printed with the table.
"""

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MEDIAN_S = 2.0
TARGET_RSS_GROWTH_MB = 50.0
WARM_UP = 5


def rss_mb() -> float:
    """Current resident set size of this process in MB (VmRSS; peak RSS where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    """CPU model, cores, memory and Python version of this machine, on one line."""
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return f"{cpu} · {os.cpu_count()} cores · {memory} RAM · Python {platform.python_version()}"


def setup(workdir: Path):
    """Point Django at a scratch SQLite database and media folder, migrate and load the demo."""
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["DJANGO_MEDIA_ROOT"] = str(workdir / "media")
    os.environ.pop("CELERY_BROKER_URL", None)  # eager: nothing is sent anywhere
    # Like a production worker: DEBUG off (with DEBUG on, Django keeps every SQL query in memory).
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cso_recruit.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--force", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


def pick_application():
    """The demo application with the most working sessions (annotated with ``n``)."""
    from django.db.models import Count

    from candidates.models import Application

    return (
        Application.objects.select_related("candidate", "mandate")
        .annotate(n=Count("working_sessions"))
        .order_by("-n", "pk")
        .first()
    )


def one_report(application):
    """One full report through the worker's code; returns (wall seconds, wall seconds of HTML+PDF,
    pages, CPU seconds of this process)."""
    from reports import rendering, services

    cpu = time.process_time()
    started = time.perf_counter()
    report = services.report_request(application=application, enqueue=False)
    original = rendering.render_pdf
    timing = {}

    def timed(snapshot):
        t0 = time.perf_counter()
        try:
            return original(snapshot)
        finally:
            timing["pdf"] = time.perf_counter() - t0

    rendering.render_pdf = timed
    try:
        report = services.report_render(report_id=report.pk)
    finally:
        rendering.render_pdf = original
    if not report.is_ready:
        raise SystemExit(f"render failed: {report.error}")
    return time.perf_counter() - started, timing["pdf"], report.page_count, time.process_time() - cpu


def row(label, value, target=""):
    """Print one line of the result table."""
    print(f"| {label:<52} | {value:>18} | {target:>8} |")


def main():
    """Run the benchmark; exit code 0 when both targets are met, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=20, help="reports timed (median)")
    parser.add_argument("--renders", type=int, default=200, help="renders for the memory growth")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="cso-report-bench-"))
    setup(workdir)
    application = pick_application()
    print(f"Machine: {machine()}")
    print(
        f"Application: #{application.pk} {application.candidate.full_name} "
        f"({application.n} working sessions) — scratch folder {workdir}"
    )

    load_before = os.getloadavg()
    totals, pdf_only, cpus, pages = [], [], [], 0
    for _ in range(args.reports):
        total, pdf, pages, cpu = one_report(application)
        totals.append(total)
        pdf_only.append(pdf)
        cpus.append(cpu)

    for _ in range(WARM_UP):
        one_report(application)
    rss_start = rss_mb()
    started = time.perf_counter()
    for _ in range(args.renders):
        one_report(application)
    loop_seconds = time.perf_counter() - started
    rss_end = rss_mb()
    growth = rss_end - rss_start

    median = statistics.median(totals)
    print()
    row("measure", "value", "target")
    print(f"|{'-' * 54}|{'-' * 20}|{'-' * 10}|")
    row(f"full report, median of {args.reports} (s)", f"{median:.3f}", f"≤ {TARGET_MEDIAN_S:g}")
    row(
        "full report, mean / min / max (s)",
        f"{statistics.mean(totals):.2f} / {min(totals):.2f} / {max(totals):.2f}",
    )
    row("HTML + PDF only, median (s)", f"{statistics.median(pdf_only):.3f}")
    row("full report, CPU time of this process, median (s)", f"{statistics.median(cpus):.3f}")
    row("pages per report", str(pages))
    row(f"RSS after {WARM_UP} warm-up renders (MB)", f"{rss_start:.1f}")
    row(f"RSS after {args.renders} more renders (MB)", f"{rss_end:.1f}")
    row(f"RSS growth over {args.renders} renders (MB)", f"{growth:+.1f}", f"≤ {TARGET_RSS_GROWTH_MB:g}")
    row(f"{args.renders} renders, mean (s)", f"{loop_seconds / max(args.renders, 1):.3f}")
    load = os.getloadavg()
    row("load average (1 min) at start / end", f"{load_before[0]:.2f} / {load[0]:.2f}")
    ok = median <= TARGET_MEDIAN_S and growth <= TARGET_RSS_GROWTH_MB
    print("\n" + ("All targets met." if ok else "TARGET MISSED."))
    if not args.keep:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
