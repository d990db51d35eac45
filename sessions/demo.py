"""Demo working sessions for ``seed_demo``: one candidate with four held and observed sessions,
one with three held (the CEO's debrief of the third still owed) and a fourth started but not yet
observed (the mediator's observation owed), one with two planned whose candidate has not yet
acknowledged the assessment notice. Sessions fall on weekdays in office hours; each has a plan
(roles and criteria targeted, a briefing); syntheses, incidents, debriefs and the three accounts
of the main disagreement differ from session to session. Deterministic."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from assessments.models import Criterion

from . import ipa, notices, scheduling, services
from .models import WorkingSession

PROBLEMS = [
    "Refonte du processus de clôture mensuelle : passer de 12 à 6 jours ouvrés.",
    "Choix d’un outil de gestion des contrats et plan de déploiement auprès des ventes.",
    "Préparation du comité d’investissement : modéliser l’ouverture d’un second site.",
    "Plan de réduction des délais de paiement fournisseurs sans tension de trésorerie.",
]
#: Per session number: the roles its plan targets, two criteria codes, and the briefing.
SESSION_PLANS = [
    (
        ["conductor", "posture"],
        ["cond_tools", "post_data_process"],
        "Lire la note sur le calendrier de clôture.",
    ),
    (
        ["business_partner", "posture"],
        ["bp_information", "post_communication"],
        "Comparatif des trois outils.",
    ),
    (["entrepreneur", "business_partner"], ["ent_new_offers", "bp_modelling"], "Hypothèses du second site."),
    (
        ["entrepreneur", "conductor"],
        ["ent_service_catalogue", "cond_resources"],
        "Balance âgée fournisseurs.",
    ),
]
SYNTHESES = [
    "Démarrage prudent : la personne candidate écoute beaucoup et reformule avant de proposer ; le "
    "dirigeant garde la main sur l’ordre du jour.",
    "Échanges plus équilibrés : désaccord franc sur le coût de l’outil, tranché sur des chiffres et "
    "non sur les personnes.",
    "Le duo construit à deux le modèle du second site ; la personne candidate ose contredire une "
    "hypothèse de croissance, le dirigeant l’accepte.",
    "Séance fluide : décisions explicites, responsables nommés, et un point de méthode posé en fin de "
    "séance sur la façon de se transmettre les mauvaises nouvelles.",
]
INCIDENTS = [
    [
        (
            12,
            "ceo",
            "disagreement",
            "Conteste le délai annoncé et demande la source du chiffre.",
            "Besoin de preuves avant d’accorder sa confiance.",
        ),
        (
            47,
            "candidate",
            "rally",
            "Reprend l’idée d’une pré-clôture et la complète par un rétroplanning.",
            "Construit sur l’idée de l’autre plutôt que de la remplacer.",
        ),
    ],
    [
        (
            20,
            "candidate",
            "disagreement",
            "Refuse l’outil le moins cher en montrant le coût caché de la migration.",
            "Tient sa position avec des faits, sans agressivité.",
        ),
        (
            58,
            "both",
            "decision",
            "Conviennent d’un pilote de trois mois avec deux commerciaux.",
            "Décision partagée, responsables et échéance nommés.",
        ),
    ],
    [
        (
            9,
            "ceo",
            "escalation",
            "Hausse le ton quand la croissance de 15 % est mise en doute.",
            "Tension sur un sujet qui lui tient à cœur.",
        ),
        (
            31,
            "candidate",
            "trust",
            "Reconnaît une erreur de calcul dans son propre tableau.",
            "Franchise qui détend l’échange.",
        ),
    ],
    [
        (
            25,
            "both",
            "rally",
            "Enchaînent trois propositions pour lisser les paiements sans pénalités.",
            "Les idées se répondent (« oui, et… »).",
        ),
        (
            70,
            "candidate",
            "trust",
            "Demande comment le dirigeant préfère recevoir les mauvaises nouvelles.",
            "Métacommunication explicite, bien accueillie.",
        ),
    ],
]
PUNCTUATIONS = {
    ipa.CEO: [
        "Le chiffre de 6 jours avancé sans source ; on a fini par le vérifier ensemble.",
        "Son refus de l’outil le moins cher ; ses chiffres m’ont convaincu.",
        "Sa remise en cause de notre croissance ; on a gardé une hypothèse prudente.",
        "Pas de vrai désaccord, juste un point de méthode bien réglé.",
    ],
    ipa.CANDIDATE: [
        "Ma question sur la source du délai ; le dirigeant a fini par accepter de vérifier.",
        "Le prix de l’outil ; nous avons trouvé un pilote qui convenait à tous les deux.",
        "Mon erreur de calcul, que j’ai reconnue ; la discussion s’est apaisée ensuite.",
        "Aucun vraiment ; nous avons parlé de notre façon de travailler.",
    ],
    "mediator": [
        "Le dirigeant conteste le délai ; la personne candidate propose de vérifier, accepté.",
        "La personne candidate refuse l’outil bon marché ; arbitrage sur chiffres, pilote décidé.",
        "Escalade sur la croissance lancée par le dirigeant ; désamorcée par l’aveu d’une erreur.",
        "Pas de désaccord notable ; échange explicite sur leur façon de travailler.",
    ],
}
CEO_COMMENTS = [
    "Séance utile, un peu trop à mon initiative.",
    "Échanges francs, j’ai apprécié qu’elle tienne sa position.",
    "Tendu au début, constructif à la fin.",
    "Nous avons fixé nos règles de travail : excellent signe.",
]
CANDIDATE_COMMENTS = [
    "J’ai pu exposer ma démarche.",
    "Discussion franche sur le budget.",
    "J’aurais dû vérifier mon tableau avant la séance.",
    "Je sais maintenant comment présenter les mauvaises nouvelles.",
]
# Per candidate e-mail: (days ago of the first session or None for future, held sessions, sessions
# started but not observed, planned sessions, per-session base level of the dimensions, per-session
# verdict, the held session numbers the CEO has not debriefed yet)
PLANS = {
    "as.roux-lambert@example.org": (
        40,
        4,
        0,
        0,
        [3, 4, 4, 5],
        ["to_confirm", "compatible", "compatible", "compatible"],
        set(),
    ),
    "claire.dubois@example.org": (30, 3, 1, 0, [4, 3, 3], ["compatible", "to_confirm", "to_confirm"], {3}),
    "julien.moreau@example.org": (None, 0, 0, 2, [], [], set()),
}
#: Added to the base level per dimension (``ipa.DIMENSIONS`` order), clamped to 1–5.
DIM_OFFSETS = [0, 1, -1, 0, 0, 1, 0, -1, 0]
TALLY_BASE = {
    "solidarity": 2,
    "tension_release": 3,
    "agrees": 8,
    "gives_suggestion": 6,
    "gives_opinion": 9,
    "gives_orientation": 12,
    "asks_orientation": 5,
    "asks_opinion": 4,
    "asks_suggestion": 2,
    "disagrees": 3,
    "shows_tension": 1,
    "antagonism": 0,
}


def _clamp(value):
    return max(1, min(5, value))


def _weekday(day):
    """``day`` moved forward to the next Monday–Friday (office days)."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _plan(session, recruiter, n):
    roles, codes, briefing = SESSION_PLANS[n % len(SESSION_PLANS)]
    criteria = list(Criterion.objects.filter(framework__is_active=True, code__in=codes))
    services.session_plan_update(
        session=session, by=recruiter, roles=roles, criteria=criteria, briefing=briefing
    )


def seed_sessions(*, mandate, users, now=None):
    """Create the demo sessions (once). Returns the number of sessions created."""
    if WorkingSession.objects.filter(application__mandate=mandate).exists():
        return 0
    now = now or timezone.now()
    today = timezone.localdate(now)
    mediator, ceo, recruiter = users["mediateur"], users["dg"], users["recruteur"]
    made = 0
    for index, (email, plan) in enumerate(PLANS.items()):
        days_ago, held, started, planned, levels, verdicts, undebriefed = plan
        application = mandate.applications.filter(candidate__email=email).first()
        if application is None:
            continue
        for n in range(held + started + planned):
            if n < held:
                day = _weekday(today - timedelta(days=days_ago - 7 * n))
            elif n < held + started:
                day = today - timedelta(days=2)
                while day.weekday() >= 5:
                    day -= timedelta(days=1)
            else:
                day = _weekday(today + timedelta(days=3 + 7 * (n - held) + index))
            hour = (9, 14, 10, 16)[(n + index) % 4]
            start = scheduling.localize(datetime.combine(day, time(hour, 30)), "Europe/Paris")
            session = services.session_schedule(
                application=application,
                starts_at=start,
                ends_at=start + timedelta(hours=1, minutes=30),
                mediator=mediator,
                problem=PROBLEMS[n % len(PROBLEMS)],
                location="Salle Lumière, 12 rue de l’Exemple, Lyon"
                if n % 2 == 0
                else "https://visio.example.org/seance",
                by=recruiter,
            )
            made += 1
            _plan(session, recruiter, n)
            if n == 0 and held:
                # The candidates with held sessions read the notice sent with their first one;
                # the one with planned sessions only has not yet (it shows on the sessions page).
                notice = application.assessment_notices.get()
                notices.notice_acknowledge(
                    token=notices.notice_token(notice), language="fr", now=start - timedelta(days=3)
                )
            if n >= held:
                continue
            _observe_and_debrief(
                session, n, levels[n], verdicts[n], mediator, ceo, now, n + 1 not in undebriefed
            )
    return made


def _observe_and_debrief(session, n, level, verdict, mediator, ceo, now, ceo_debriefs):
    observation = services.observation_start(session=session, mediator=mediator)
    for party, factor in ((ipa.CEO, 1.0), (ipa.CANDIDATE, 0.8)):
        for code, base in TALLY_BASE.items():
            count = round(base * factor) + (n if code in ipa.POSITIVE_CODES else 0)
            for _ in range(count):
                services.observation_tally(
                    observation=observation, party=party, category=code, delta=1, by=mediator
                )
    ratings = {d.code: _clamp(level + DIM_OFFSETS[i]) for i, d in enumerate(ipa.DIMENSIONS)}
    services.observation_save(
        observation=observation,
        by=mediator,
        ratings=ratings,
        verdict=verdict,
        confidence=3 + (n % 2),
        synthesis=SYNTHESES[n % len(SYNTHESES)],
        punctuation=PUNCTUATIONS["mediator"][n % 4],
    )
    for minute, who, tag, behaviour, interpretation in INCIDENTS[n % len(INCIDENTS)]:
        services.incident_add(
            observation=observation,
            by=mediator,
            minute=minute,
            who=who,
            tag=tag,
            behaviour=behaviour,
            interpretation=interpretation,
        )
    services.observation_submit(observation=observation, by=mediator, now=now)
    if ceo_debriefs:
        services.debrief_submit_ceo(
            session=session,
            by=ceo,
            ratings={d.code: _clamp(level + 1) for d in ipa.DIMENSIONS},
            comment=CEO_COMMENTS[n % 4],
            punctuation=PUNCTUATIONS[ipa.CEO][n % 4],
        )
    token = services.debrief_invitation_create(session=session)
    services.debrief_submit_candidate(
        token=token,
        ratings={d.code: _clamp(level) for d in ipa.DIMENSIONS},
        comment=CANDIDATE_COMMENTS[n % 4],
        punctuation=PUNCTUATIONS[ipa.CANDIDATE][n % 4],
    )
