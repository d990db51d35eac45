"""``manage.py erase_candidate ID [--reason TEXT] [--by USERNAME] [--yes]``: erase one candidate
everywhere (GDPR art. 17) through ``privacy.services.candidate_erase``, the service the admin uses."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from candidates.models import Candidate
from privacy import services


class Command(BaseCommand):
    help = "Erase a candidate everywhere (GDPR art. 17): anonymised rows, history, files, e-mails."

    def add_arguments(self, parser):
        parser.add_argument("candidate_id", type=int)
        parser.add_argument("--reason", default="", help="Why (must not name the person).")
        parser.add_argument("--by", default="", help="Username of the person erasing.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, candidate_id, reason, by, yes, **options):
        candidate = Candidate.objects.filter(pk=candidate_id).first()
        if candidate is None:
            raise CommandError(f"No candidate with id {candidate_id}.")
        actor = None
        if by:
            actor = get_user_model().objects.filter(username=by).first()
            if actor is None:
                raise CommandError(f"No user named {by!r}.")
        if not yes:
            answer = input(f"Erase candidate #{candidate_id} everywhere? This cannot be undone. [y/N] ")
            if answer.strip().lower() not in ("y", "yes", "o", "oui"):
                raise CommandError("Nothing erased.")
        erasure = services.candidate_erase(candidate, actor, reason)
        self.stdout.write(f"Candidate #{candidate_id} erased ({erasure.at:%Y-%m-%d %H:%M}): {erasure.counts}")
