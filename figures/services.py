"""Writes of the stored figures — the one place they are computed and saved.

* :func:`figures_refresh` recomputes the figures rows of the applications whose inputs changed,
  **in the transaction of the change** (it is connected to ``cso_recruit.events.inputs_changed``,
  which every service that changes an input sends: scorecard submit/revise, candidate create/update
  and import, application create and stage move, mandate settings, framework versions, session
  schedule/reschedule/cancel/status, observation submit/revise, CEO and candidate debriefs). The
  applications are locked first (``select_for_update``, in id order), so two simultaneous writes on
  one application serialise and the second recomputes with the first one's data.
* When counted ratings changed, the mandate's agreement statistics (α, rater flags) are marked
  stale (``inputs_version`` + 1) and :func:`mandate_statistics_refresh` runs in a Celery task
  enqueued on commit (``figures.tasks.refresh_mandate_statistics``). The task is idempotent and
  coalesced: it computes at the latest ``inputs_version`` and every task queued behind it for
  inputs it already covered returns at once.
* A framework change marks every row stale in the same transaction (one ``UPDATE``) and enqueues a
  background rebuild; readers recompute a stale row before they use it (``figures.selectors``).
* :func:`figures_rebuild` recomputes everything (``manage.py rebuild_figures``): for data written
  outside the services, and after an upgrade that changed ``FORMULAS_VERSION``.
"""

import logging

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from candidates.models import Application, Mandate
from outbox.services import publish

from . import compute
from .models import FORMULAS_VERSION, ApplicationFigures, MandateStatistics

logger = logging.getLogger(__name__)

#: Applications recomputed per batch (bounds memory and the size of ``IN`` lists).
BATCH = 500
_UPDATE_FIELDS = [f.name for f in ApplicationFigures._meta.concrete_fields if f.name != "application"]


def _save_rows(rows) -> None:
    ApplicationFigures.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["application"], update_fields=_UPDATE_FIELDS
    )


def _resolve(*, application_ids=(), candidate_ids=(), mandate_ids=()) -> list[int]:
    ids = set(application_ids)
    if candidate_ids or mandate_ids:
        ids |= (
            set(Application.objects.filter(candidate_id__in=list(candidate_ids)).values_list("pk", flat=True))
            if candidate_ids
            else set()
        )
        ids |= (
            set(Application.objects.filter(mandate_id__in=list(mandate_ids)).values_list("pk", flat=True))
            if mandate_ids
            else set()
        )
    return sorted(ids)


@transaction.atomic
def figures_refresh(*, application_ids=(), candidate_ids=(), mandate_ids=(), ratings=False) -> list[int]:
    """Recompute and store the figures of the given applications (and of every application of the
    given candidates and mandates), inside the caller's transaction.

    Args:
        application_ids, candidate_ids, mandate_ids: iterables of ids (missing ones are ignored).
        ratings: counted ratings changed — the mandates of these applications get their agreement
            statistics recomputed by a task enqueued on commit.

    Returns:
        The ids of the applications recomputed, sorted.
    """
    ids = _resolve(application_ids=application_ids, candidate_ids=candidate_ids, mandate_ids=mandate_ids)
    if not ids:
        return []
    now = timezone.now()
    mandate_ids = set()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        # Serialise with any other write on these applications (fixed order: no deadlock).
        mandate_ids |= set(
            Application.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("mandate_id", flat=True)
        )
        _save_rows(compute.compute_application_figures(chunk, now=now))
    if ratings:
        mandates_stale(mandate_ids=mandate_ids, existing=True)
    return ids


def mandates_stale(*, mandate_ids, existing=False) -> None:
    """Mark the agreement statistics of ``mandate_ids`` stale and enqueue their recomputation on
    commit (one task per mandate; the tasks coalesce). Ids of mandates deleted meanwhile are
    skipped, unless the caller knows they exist (``existing``)."""
    if not existing:
        mandate_ids = set(Mandate.objects.filter(pk__in=list(set(mandate_ids))).values_list("pk", flat=True))
    for mandate_id in sorted(set(mandate_ids)):
        updated = MandateStatistics.objects.filter(pk=mandate_id).update(
            inputs_version=F("inputs_version") + 1
        )
        if not updated:
            MandateStatistics.objects.get_or_create(mandate_id=mandate_id, defaults={"inputs_version": 1})
        transaction.on_commit(lambda m=mandate_id: _enqueue_statistics(m))


def _send(task, *args) -> None:
    """Send a task after the commit; when the broker cannot be reached the write has committed all
    the same: the row stays stale and the periodic sweep (``figures.tasks.refresh_stale_figures``,
    every few minutes from beat) recomputes it once the broker is back (the stale rows are this
    app's own outbox). Never raises (``outbox.services.publish``)."""
    publish(task, args=list(args))


def _enqueue_statistics(mandate_id) -> None:
    from .tasks import refresh_mandate_statistics

    _send(refresh_mandate_statistics, mandate_id)


@transaction.atomic
def figures_mark_stale(*, application_ids=None) -> int:
    """Mark figures rows stale (all of them when ``application_ids`` is None); readers recompute a
    stale row before using it, and a rebuild task is enqueued on commit. Returns the rows marked."""
    rows = ApplicationFigures.objects.all()
    if application_ids is not None:
        rows = rows.filter(pk__in=list(application_ids))
    count = rows.update(stale=True)
    transaction.on_commit(_enqueue_rebuild)
    return count


def _enqueue_rebuild() -> None:
    from .tasks import refresh_stale_figures

    _send(refresh_stale_figures)


def mandate_statistics_refresh(*, mandate_id, force=False) -> MandateStatistics | None:
    """Recompute the agreement statistics of one mandate (the Celery task's body).

    Idempotent and coalesced: reads the ``inputs_version`` first; when the row was already computed
    at that version (and with today's formulas) it returns at once, unless ``force``. Otherwise it
    computes from the raw counted ratings (``figures.compute.compute_mandate_statistics``) and
    stores the result with ``computed_version`` = the version read, never lowering it. A write that
    lands meanwhile bumps ``inputs_version`` again and enqueues another task, which recomputes.

    Returns the row, or ``None`` when the mandate does not exist (deleted since).
    """
    if not Mandate.objects.filter(pk=mandate_id).exists():
        return None
    row, _created = MandateStatistics.objects.get_or_create(mandate_id=mandate_id)
    version = row.inputs_version
    if row.computed_version >= version and row.formulas_version == FORMULAS_VERSION and not force:
        return row
    statistics = compute.compute_mandate_statistics(mandate_id)
    raters = {
        str(rater): {
            "flag": bias.flag,
            "mean_deviation": bias.mean_deviation,
            "n_compared": bias.n_compared,
            "n_ratings": bias.n_ratings,
            "sufficient": bias.sufficient,
        }
        for rater, bias in statistics.raters.items()
    }
    with transaction.atomic():
        locked = MandateStatistics.objects.select_for_update().get(pk=mandate_id)
        if locked.computed_version > version and locked.formulas_version == FORMULAS_VERSION and not force:
            return locked  # a later computation already landed
        locked.alpha = statistics.alpha
        locked.alpha_reading = statistics.alpha_reading
        locked.units = statistics.units
        locked.raters = raters
        locked.computed_version = max(version, locked.computed_version)
        locked.formulas_version = FORMULAS_VERSION
        locked.computed_at = timezone.now()
        locked.save()
    logger.info("mandate statistics recomputed", extra={"mandate": mandate_id, "version": version})
    return locked


def figures_rebuild(*, mandate=None, stale_only=False) -> int:
    """Recompute and store every figures row (of ``mandate`` when given) and the mandates'
    statistics. ``stale_only`` limits it to rows missing, stale or from older formulas. Each batch
    commits on its own, so a large rebuild does not hold one long transaction. Returns the number of
    application rows written."""
    applications = Application.objects.all()
    if mandate is not None:
        applications = applications.filter(mandate=mandate)
    if stale_only:
        applications = applications.filter(
            Q(figures__isnull=True) | Q(figures__stale=True) | ~Q(figures__formulas_version=FORMULAS_VERSION)
        )
    ids = list(applications.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        figures_refresh(application_ids=ids[start : start + BATCH])
    mandate_ids = (
        [mandate.pk]
        if mandate is not None
        else list(Application.objects.values_list("mandate_id", flat=True).distinct())
    )
    if not stale_only:
        for mandate_id in sorted(set(mandate_ids)):
            mandate_statistics_refresh(mandate_id=mandate_id, force=True)
    return len(ids)


def on_inputs_changed(
    sender,
    *,
    application_ids=(),
    candidate_ids=(),
    mandate_ids=(),
    statistics_mandate_ids=(),
    all_applications=False,
    ratings=False,
    **kwargs,
) -> None:
    """Receiver of ``cso_recruit.events.inputs_changed`` (connected in ``FiguresConfig.ready``).

    Lock order, as in every write: the applications first, then the mandate statistics rows."""
    if all_applications:
        figures_mark_stale()
    else:
        figures_refresh(
            application_ids=application_ids,
            candidate_ids=candidate_ids,
            mandate_ids=mandate_ids,
            ratings=ratings,
        )
    if statistics_mandate_ids:
        mandates_stale(mandate_ids=statistics_mandate_ids)


def stale_statistics_refresh() -> int:
    """Recompute every mandate's statistics that are behind their inputs or from older formulas (the
    periodic sweep's second half, for tasks that were never sent or were lost). Returns how many."""
    stale = MandateStatistics.objects.filter(
        Q(computed_version__lt=F("inputs_version"))
        | Q(formulas_version__lt=FORMULAS_VERSION)
        | Q(computed_at__isnull=True)
    )
    count = 0
    for mandate_id in list(stale.values_list("pk", flat=True)):
        if mandate_statistics_refresh(mandate_id=mandate_id) is not None:
            count += 1
    return count
