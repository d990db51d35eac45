"""Demo scorecards for ``seed_demo``: three raters, realistic spreads and disagreements.

Deterministic (no randomness): each candidate has a "true" level per group; each rater adds a
small, fixed pattern; a few planted disagreements give amber and red flags on the demo.
"""

from assessments import services
from assessments.models import RoleGroup, Scorecard
from candidates.models import Stage

# Level per group (conductor, business partner, entrepreneur, posture) by candidate e-mail.
PROFILES = {
    "as.roux-lambert@example.org": (4, 4, 4, 4),
    "claire.dubois@example.org": (4, 4, 3, 4),
    "julien.moreau@example.org": (4, 3, 2, 3),
    "elodie.garnier@example.org": (3, 4, 3, 3),
    "thomas.ndiaye@example.com": (3, 2, 4, 4),
}
GROUP_INDEX = {
    RoleGroup.CONDUCTOR: 0,
    RoleGroup.BUSINESS_PARTNER: 1,
    RoleGroup.ENTREPRENEUR: 2,
    RoleGroup.POSTURE: 3,
}
# Per rater: a pattern added criterion by criterion (cycled), and the criteria left NE.
RATER_PATTERNS = {
    "recruteur": ((0, 1, 0, -1), {"bp_modelling"}),
    "recruteur2": ((1, 0, 1, 0), set()),  # a little lenient
    "dg": ((0, 0, -1, 0), {"cond_tools"}),
}
# Planted disagreements: (candidate e-mail, rater, criterion code) → rating.
PLANTED = {
    ("claire.dubois@example.org", "dg", "ent_new_offers"): 1,
    ("julien.moreau@example.org", "recruteur2", "ent_service_catalogue"): 4,
    ("thomas.ndiaye@example.com", "dg", "bp_sparring_swot"): 4,
    ("elodie.garnier@example.org", "recruteur", "post_communication"): 5,
}
RECOMMENDATIONS = {
    4: Scorecard.Recommendation.STRONG_YES,
    3: Scorecard.Recommendation.YES,
    2: Scorecard.Recommendation.NO,
}
EVIDENCE = {
    1: "Aucun exemple concret malgré deux relances ; la question a été renvoyée vers l’équipe.",
    2: "Un exemple cité, mais sans résultat mesurable ni rôle personnel clair.",
    3: "Exemple pertinent donné après relance ; résultat décrit en termes généraux.",
    4: "Exemple précis donné spontanément, avec le rôle tenu et le résultat obtenu.",
    5: "Exemple détaillé et chiffré, vérifiable, avec l’impact mesuré sur l’entreprise.",
}


def seed_scorecards(*, mandate, users):
    """Submit a screening scorecard from each of the three demo raters for the profiled candidates
    that reached the assessment stage or beyond. Returns the number of scorecards made."""
    if Scorecard.objects.filter(application__mandate=mandate).exists():
        return 0
    made = 0
    later = {Stage.ASSESSMENT, Stage.WORKING_SESSIONS, Stage.DECISION, Stage.OFFER, Stage.HIRED}
    for application in mandate.applications.select_related("candidate"):
        profile = PROFILES.get(application.candidate.email)
        if profile is None or application.stage not in later:
            continue
        for username, (pattern, skipped) in RATER_PATTERNS.items():
            rater = users[username]
            card = services.scorecard_start(application=application, rater=rater)
            ratings = {}
            for index, rating in enumerate(card.ratings.select_related("criterion")):
                code = rating.criterion.code
                if code in skipped:
                    ratings[rating.criterion_id] = (None, "")
                    continue
                base = profile[GROUP_INDEX[rating.criterion.group]]
                value = PLANTED.get(
                    (application.candidate.email, username, code),
                    max(1, min(5, base + pattern[index % len(pattern)])),
                )
                ratings[rating.criterion_id] = (value, EVIDENCE[value])
            services.scorecard_save(
                scorecard=card,
                ratings=ratings,
                by=rater,
                recommendation=RECOMMENDATIONS.get(min(profile[:3]), Scorecard.Recommendation.NO),
                summary="Entretien de présélection (données de démonstration).",
            )
            services.scorecard_submit(scorecard=card, by=rater)
            made += 1
    return made
