"""The offers' rules on stage moves (connected in ``OffersConfig.ready``)."""

from django.core.exceptions import ValidationError

from candidates.models import Stage

from . import services


def hired_needs_accepted_offer(sender, *, application, from_stage, to_stage, by, **kwargs):
    """``stage_move_checked``: "hired" only with an approved offer accepted by the candidate."""
    if to_stage != Stage.HIRED:
        return
    message = services.hired_refusal(application)
    if message:
        raise ValidationError({"to_stage": message})


def withdraw_on_leaving_offer(sender, *, application, from_stage, to_stage, by, **kwargs):
    """``stage_moved``: an application rejected, withdrawn or moved back from "offer" has its live
    offer withdrawn (in the move's transaction)."""
    if to_stage == Stage.HIRED:
        return
    if from_stage == Stage.OFFER or to_stage in (Stage.REJECTED, Stage.WITHDRAWN):
        services.offer_withdraw_on_move(application=application, by=by, to_stage=to_stage)
