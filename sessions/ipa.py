"""Reference constants for the mediator's observation form.

Pure module: plain Python constants, no Django import, so the scoring code
(:mod:`sessions.compatibility`), forms, templates and the PDF report all read
the same codes and wording.

Two instruments are described here.

1. **Interaction Process Analysis (IPA)** — Bales, R. F. (1950). *Interaction
   Process Analysis: A Method for the Study of Small Groups.* Cambridge, MA:
   Addison-Wesley. Twelve categories of acts, in four groups: socio-emotional
   positive (1–3), task answers (4–6), task questions (7–9) and socio-emotional
   negative (10–12). The mediator tallies the acts of each party (CEO and
   candidate) during a working session; the software only counts the tallies
   (see :func:`sessions.compatibility.ipa_figures`).

2. **Meta-communication dimensions** — what the relationship between the two
   personalities looks like in the way they communicate, after Watzlawick, P.,
   Beavin, J. H. & Jackson, D. D. (1967). *Pragmatics of Human Communication:
   A Study of Interactional Patterns, Pathologies, and Paradoxes.* New York:
   W. W. Norton — notably the content/relationship levels of every message
   (meta-communication), the congruence of verbal and non-verbal channels, and
   symmetric vs complementary interaction (axiom 5), whose pathologies are
   symmetric escalation and rigid complementarity. Listening, turn-taking and
   agreement/disagreement also echo Bales' categories. Each dimension is rated
   1–5 by the mediator against behavioural anchors written for levels 1, 3 and 5
   (BARS, Smith & Kendall 1963); the anchors below are this product's wording.

The mediator observes and records; nothing here infers emotions automatically
(EU AI Act, art. 5(1)(f)).
"""

from __future__ import annotations

from dataclasses import dataclass

# --------------------------------------------------------------------------- parties

CEO = "ceo"
CANDIDATE = "candidate"
#: The two parties whose interaction is observed. Order is stable (used for display).
PARTIES: tuple[str, ...] = (CEO, CANDIDATE)
PARTY_LABELS_EN: dict[str, str] = {CEO: "CEO", CANDIDATE: "Candidate"}
PARTY_LABELS_FR: dict[str, str] = {CEO: "Dirigeant·e", CANDIDATE: "Candidat·e"}

# --------------------------------------------------------------------------- IPA groups

GROUP_POSITIVE = "socio_emotional_positive"
GROUP_TASK_ANSWERS = "task_answers"
GROUP_TASK_QUESTIONS = "task_questions"
GROUP_NEGATIVE = "socio_emotional_negative"


@dataclass(frozen=True, slots=True)
class IpaGroup:
    """One of Bales' four groups of categories."""

    code: str
    label_en: str
    label_fr: str


IPA_GROUPS: tuple[IpaGroup, ...] = (
    IpaGroup(
        GROUP_POSITIVE,
        "Socio-emotional area: positive reactions",
        "Registre socio-affectif : réactions positives",
    ),
    IpaGroup(GROUP_TASK_ANSWERS, "Task area: attempted answers", "Registre de la tâche : réponses"),
    IpaGroup(GROUP_TASK_QUESTIONS, "Task area: questions", "Registre de la tâche : questions"),
    IpaGroup(
        GROUP_NEGATIVE,
        "Socio-emotional area: negative reactions",
        "Registre socio-affectif : réactions négatives",
    ),
)
IPA_GROUP_CODES: tuple[str, ...] = tuple(g.code for g in IPA_GROUPS)


# --------------------------------------------------------------------------- IPA categories


@dataclass(frozen=True, slots=True)
class IpaCategory:
    """One of Bales' twelve IPA categories.

    ``number`` is Bales' category number (1–12); ``code`` is the stable key used in
    stored tallies (``{party: {code: count}}``) and must never be renamed.
    """

    code: str
    number: int
    group: str
    label_en: str
    label_fr: str


IPA_CATEGORIES: tuple[IpaCategory, ...] = (
    IpaCategory("solidarity", 1, GROUP_POSITIVE, "Shows solidarity", "Manifeste de la solidarité"),
    IpaCategory("tension_release", 2, GROUP_POSITIVE, "Shows tension release", "Détend l’atmosphère"),
    IpaCategory("agrees", 3, GROUP_POSITIVE, "Agrees", "Marque son accord"),
    IpaCategory("gives_suggestion", 4, GROUP_TASK_ANSWERS, "Gives suggestion", "Fait une suggestion"),
    IpaCategory("gives_opinion", 5, GROUP_TASK_ANSWERS, "Gives opinion", "Donne son avis"),
    IpaCategory(
        "gives_orientation",
        6,
        GROUP_TASK_ANSWERS,
        "Gives orientation, information",
        "Donne une orientation, une information",
    ),
    IpaCategory(
        "asks_orientation",
        7,
        GROUP_TASK_QUESTIONS,
        "Asks for orientation, information",
        "Demande une orientation, une information",
    ),
    IpaCategory("asks_opinion", 8, GROUP_TASK_QUESTIONS, "Asks for opinion", "Demande un avis"),
    IpaCategory("asks_suggestion", 9, GROUP_TASK_QUESTIONS, "Asks for suggestion", "Demande une suggestion"),
    IpaCategory("disagrees", 10, GROUP_NEGATIVE, "Disagrees", "Exprime un désaccord"),
    IpaCategory("shows_tension", 11, GROUP_NEGATIVE, "Shows tension", "Manifeste une tension"),
    IpaCategory("antagonism", 12, GROUP_NEGATIVE, "Shows antagonism", "Manifeste de l’antagonisme"),
)

IPA_CODES: tuple[str, ...] = tuple(c.code for c in IPA_CATEGORIES)
IPA_BY_CODE: dict[str, IpaCategory] = {c.code: c for c in IPA_CATEGORIES}


def _codes_in(*groups: str) -> frozenset[str]:
    return frozenset(c.code for c in IPA_CATEGORIES if c.group in groups)


#: Categories 1–3.
POSITIVE_CODES: frozenset[str] = _codes_in(GROUP_POSITIVE)
#: Categories 4–6.
ANSWER_CODES: frozenset[str] = _codes_in(GROUP_TASK_ANSWERS)
#: Categories 7–9.
QUESTION_CODES: frozenset[str] = _codes_in(GROUP_TASK_QUESTIONS)
#: Categories 10–12.
NEGATIVE_CODES: frozenset[str] = _codes_in(GROUP_NEGATIVE)
#: Task area: categories 4–9.
TASK_CODES: frozenset[str] = ANSWER_CODES | QUESTION_CODES
#: Socio-emotional area: categories 1–3 and 10–12.
SOCIO_EMOTIONAL_CODES: frozenset[str] = POSITIVE_CODES | NEGATIVE_CODES


# --------------------------------------------------------------------------- meta-communication


@dataclass(frozen=True, slots=True)
class Anchor:
    """A behavioural anchor: what a rating of ``level`` looks like, in both languages."""

    level: int
    text_en: str
    text_fr: str


@dataclass(frozen=True, slots=True)
class Dimension:
    """A meta-communication dimension rated 1–5 by the mediator (and by each party in its debrief).

    ``anchors`` holds the written anchors for levels 1, 3 and 5 (in that order);
    2 and 4 are in-between levels without their own text.
    """

    code: str
    label_en: str
    label_fr: str
    anchors: tuple[Anchor, Anchor, Anchor]

    def anchor(self, level: int) -> Anchor | None:
        """The written anchor for ``level`` (1, 3 or 5), ``None`` for 2 and 4.

        Raises ``ValueError`` for a level outside 1–5.
        """
        if level not in RATING_LEVELS:
            raise ValueError(f"rating level must be 1–5, got {level!r}")
        for a in self.anchors:
            if a.level == level:
                return a
        return None


#: The rating scale of every dimension.
RATING_MIN = 1
RATING_MAX = 5
RATING_LEVELS: tuple[int, ...] = (1, 2, 3, 4, 5)
ANCHORED_LEVELS: tuple[int, ...] = (1, 3, 5)

DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        "listening",
        "Listening and reformulation",
        "Écoute et reformulation",
        (
            Anchor(
                1,
                "Each answers before the other has finished or replies to a point that was not made, "
                "and nobody checks what the other meant.",
                "Chacun répond avant que l’autre ait fini ou répond à côté de ce qui a été dit, "
                "et personne ne vérifie ce que l’autre voulait dire.",
            ),
            Anchor(
                3,
                "They let each other finish and sometimes reformulate, but mostly as a way back to their own point.",
                "Ils se laissent finir et reformulent parfois, mais surtout pour revenir à leur propre idée.",
            ),
            Anchor(
                5,
                "Each regularly restates the other's point in their own words and checks it "
                '("if I follow you…") before answering or building on it.',
                "Chacun reformule régulièrement le propos de l’autre avec ses mots et le vérifie "
                "(« si je vous suis bien… ») avant d’y répondre ou de le prolonger.",
            ),
        ),
    ),
    Dimension(
        "turn_taking",
        "Turn-taking balance",
        "Équilibre des tours de parole",
        (
            Anchor(
                1,
                "One party holds the floor for most of the session and cuts the other off, "
                "and the other ends up falling silent.",
                "L’un monopolise la parole pendant l’essentiel de la séance et coupe l’autre, "
                "qui finit par se taire.",
            ),
            Anchor(
                3,
                "Speaking time is uneven, but each gets the floor on the main points, "
                "sometimes only after asking for it.",
                "Le temps de parole est inégal, mais chacun s’exprime sur les points principaux, "
                "parfois après avoir dû demander la parole.",
            ),
            Anchor(
                5,
                "Speaking time is roughly balanced, turns change smoothly, "
                "and each invites the other in after a silence.",
                "Le temps de parole est à peu près équilibré, les tours s’enchaînent sans heurt, "
                "et chacun sollicite l’autre quand il est resté silencieux.",
            ),
        ),
    ),
    Dimension(
        "disagreement",
        "Handling disagreement",
        "Gestion du désaccord",
        (
            Anchor(
                1,
                "Disagreements are avoided, brushed aside or made personal, and a point of difference is "
                "dropped unsettled or comes back later as irritation.",
                "Les désaccords sont évités, balayés ou personnalisés, et un point de divergence est "
                "abandonné sans être tranché ou revient plus tard sous forme d’agacement.",
            ),
            Anchor(
                3,
                "Disagreements are voiced and argued on facts, but one party usually gives in "
                "before the difference has been explored.",
                "Les désaccords sont exprimés et argumentés sur des faits, mais l’un cède le plus souvent "
                "avant que la divergence ait été explorée.",
            ),
            Anchor(
                5,
                "Each states disagreement openly with reasons, asks what lies behind the other's position, "
                "and together they settle the point or explicitly park it.",
                "Chacun exprime ouvertement son désaccord en argumentant, cherche ce qui fonde la position "
                "de l’autre, et ensemble ils tranchent le point ou le mettent explicitement en attente.",
            ),
        ),
    ),
    Dimension(
        "pattern",
        "Symmetric vs complementary pattern (escalation or rigidity)",
        "Schéma symétrique ou complémentaire (escalade ou rigidité)",
        (
            Anchor(
                1,
                "The exchange locks into one pattern: an escalation where each answers the other's claim with a "
                "stronger one, or a fixed leader–follower split that never reverses.",
                "L’échange se fige dans un seul schéma : une surenchère où chacun répond à l’affirmation de "
                "l’autre par une plus forte, ou une répartition meneur–suiveur qui ne s’inverse jamais.",
            ),
            Anchor(
                3,
                "One pattern dominates most of the time, but the pair shifts it now and then, "
                "for instance when the topic moves into the other's field.",
                "Un schéma domine la plupart du temps, mais le duo en change de temps en temps, "
                "par exemple quand le sujet passe dans le domaine de l’autre.",
            ),
            Anchor(
                5,
                "The pair alternates flexibly, debating as equals on some points and letting the other lead "
                "where they know more, and a rising tension is defused rather than outbid.",
                "Le duo alterne avec souplesse, débat d’égal à égal sur certains points et laisse l’autre "
                "mener là où il en sait plus, et une tension qui monte est désamorcée plutôt qu’attisée.",
            ),
        ),
    ),
    Dimension(
        "congruence",
        "Verbal / non-verbal congruence",
        "Congruence verbal / non-verbal",
        (
            Anchor(
                1,
                "Words and behaviour often contradict each other, such as agreement voiced while looking away, "
                "checking a phone or in a curt tone.",
                "Les paroles et l’attitude se contredisent souvent, par exemple un accord donné en détournant "
                "le regard, en consultant son téléphone ou sur un ton sec.",
            ),
            Anchor(
                3,
                "Words and behaviour mostly match, with occasional mixed signals that are left unaddressed.",
                "Paroles et attitude concordent le plus souvent, avec quelques signaux contradictoires "
                "laissés sans suite.",
            ),
            Anchor(
                5,
                "Words, tone and posture consistently match, and when a mixed signal appears one of them "
                'names it ("you say yes, but you seem to hesitate").',
                "Paroles, ton et posture concordent de façon constante, et quand un signal contradictoire "
                "apparaît l’un des deux le nomme (« vous dites oui, mais vous semblez hésiter »).",
            ),
        ),
    ),
    Dimension(
        "shared_decision",
        "Shared decision-making",
        "Décision partagée",
        (
            Anchor(
                1,
                "Decisions are taken by one party alone or left hanging, and the other learns the outcome "
                "without having weighed in.",
                "Les décisions sont prises par l’un seul ou restent en suspens, et l’autre découvre la "
                "conclusion sans y avoir pris part.",
            ),
            Anchor(
                3,
                "The main decisions are reached together, but who does what and by when is left vague.",
                "Les décisions principales sont prises ensemble, mais qui fait quoi et pour quand reste flou.",
            ),
            Anchor(
                5,
                "Options are laid out and weighed by both, and the session ends with an explicit decision, "
                "owners and next steps that each of them restates.",
                "Les options sont posées et pesées à deux, et la séance se conclut par une décision explicite, "
                "des responsables et des prochaines étapes que chacun reformule.",
            ),
        ),
    ),
    Dimension(
        "trust",
        "Trust and candour",
        "Confiance et franchise",
        (
            Anchor(
                1,
                "Information is held back or embellished, and risks, mistakes or doubts surface only "
                "when the other digs them out.",
                "L’information est retenue ou enjolivée, et les risques, erreurs ou doutes n’apparaissent "
                "que lorsque l’autre les met au jour.",
            ),
            Anchor(
                3,
                "Facts are shared openly, but doubts, bad news or personal limits come up only when asked.",
                "Les faits sont partagés ouvertement, mais les doutes, mauvaises nouvelles ou limites "
                "personnelles ne sont évoqués que sur demande.",
            ),
            Anchor(
                5,
                'Each volunteers bad news, doubts and "I don\'t know", admits a mistake plainly, '
                "and the other takes it in without penalising it.",
                "Chacun signale spontanément mauvaises nouvelles, doutes et « je ne sais pas », reconnaît "
                "simplement une erreur, et l’autre l’accueille sans la sanctionner.",
            ),
        ),
    ),
    Dimension(
        "rally",
        "Rally: building on each other's ideas",
        "Rebond : construire sur les idées de l’autre",
        (
            Anchor(
                1,
                "Each pushes their own ideas, and the other's proposals are ignored, dismissed with "
                '"yes, but…" or replaced rather than developed.',
                "Chacun pousse ses propres idées, et les propositions de l’autre sont ignorées, écartées par "
                "des « oui, mais… » ou remplacées plutôt que développées.",
            ),
            Anchor(
                3,
                "Ideas are sometimes taken up and extended, but the exchange often runs as two parallel "
                "lines of thought.",
                "Les idées sont parfois reprises et prolongées, mais l’échange suit souvent deux raisonnements "
                "parallèles.",
            ),
            Anchor(
                5,
                'They keep picking up the other\'s idea and taking it further ("yes, and…"), so that the '
                "solution reached clearly owes something to both.",
                "Ils reprennent sans cesse l’idée de l’autre pour aller plus loin (« oui, et… »), si bien que "
                "la solution trouvée doit clairement quelque chose aux deux.",
            ),
        ),
    ),
)

# Explicit meta-communication (Watzlawick, Beavin & Jackson 1967, ch. 2 and 7: communicating
# about the communication itself) — added after the first eight: observations and debriefs made
# before it leave it unrated (``None``), never zero.
DIMENSIONS = DIMENSIONS + (
    Dimension(
        "metacommunication",
        "Explicit meta-communication: talking about how they work together",
        "Métacommunication explicite : parler de la façon dont ils travaillent ensemble",
        (
            Anchor(
                1,
                "Neither ever comments on how the exchange is going, even when it visibly stalls or "
                "tenses; misunderstandings about who does what stay implicit.",
                "Aucun des deux ne commente jamais la façon dont l’échange se passe, même quand il "
                "s’enlise ou se tend visiblement ; les malentendus sur qui fait quoi restent implicites.",
            ),
            Anchor(
                3,
                "They name how they work together only when a problem forces it "
                '("we are going round in circles"), without agreeing on how to proceed differently.',
                "Ils parlent de leur façon de travailler ensemble seulement quand un problème les y "
                "oblige (« on tourne en rond »), sans convenir d’une autre façon de faire.",
            ),
            Anchor(
                5,
                'They regularly and calmly step back to discuss their way of working ("how do you '
                'prefer I bring you bad news?"), and agree on explicit rules they then apply.',
                "Ils prennent régulièrement et calmement du recul pour parler de leur façon de "
                "travailler (« comment préférez-vous que je vous apporte une mauvaise nouvelle ? ») et "
                "conviennent de règles explicites qu’ils appliquent ensuite.",
            ),
        ),
    ),
)

DIMENSION_CODES: tuple[str, ...] = tuple(d.code for d in DIMENSIONS)
DIMENSIONS_BY_CODE: dict[str, Dimension] = {d.code: d for d in DIMENSIONS}

# --------------------------------------------------------------------------- session verdicts

COMPATIBLE = "compatible"
TO_CONFIRM = "to_confirm"
NOT_COMPATIBLE = "not_compatible"
#: The mediator's verdict on one session, and the derived overall verdict.
VERDICTS: tuple[str, ...] = (COMPATIBLE, TO_CONFIRM, NOT_COMPATIBLE)
VERDICT_LABELS_EN: dict[str, str] = {
    COMPATIBLE: "Compatible",
    TO_CONFIRM: "To confirm",
    NOT_COMPATIBLE: "Not compatible",
}
VERDICT_LABELS_FR: dict[str, str] = {
    COMPATIBLE: "Compatible",
    TO_CONFIRM: "À confirmer",
    NOT_COMPATIBLE: "Non compatible",
}
