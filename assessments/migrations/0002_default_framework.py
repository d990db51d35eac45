"""Seed the default competency framework "CSO 5.0" v1 (DESIGN.md §1 and §4).

Sixteen criteria, four per group: the three CSO roles (conductor, business partner, entrepreneur)
and posture & mindset. Each criterion has behaviourally anchored levels 1, 3 and 5 (BARS, Smith &
Kendall 1963): level 1 = the behaviour is absent or counter-productive, 3 = present but partial or
only when prompted, 5 = spontaneous, complete and with a visible effect. Anchors describe what a
rater can see or hear in an interview or a working session, never a bare adjective.

The migration is idempotent: the framework is fetched or created by (name, version) and each
criterion is updated or created by code. A framework already used by a scorecard is frozen and left
untouched.
"""

from django.db import migrations

FRAMEWORK_NAME = "CSO 5.0"
FRAMEWORK_VERSION = 1
FRAMEWORK_NOTES = (
    "Default framework: three roles played at once (conductor, business partner, entrepreneur) "
    "plus posture and mindset. Anchors at levels 1, 3 and 5 (BARS)."
)

CRITERIA = (
    # ---- Conductor -----------------------------------------------------------------------------
    {
        "group": "conductor",
        "code": "cond_tools",
        "label_fr": "Maîtrise des outils juridiques, financiers, informatiques et procéduraux",
        "label_en": "Command of legal, financial, IT and procedural tools",
        "description_fr": (
            "On observe comment la personne candidate mobilise le droit, la finance, l’informatique, "
            "la réglementation et les procédures pour traiter un problème opérationnel, et si ces "
            "outils correspondent aux besoins réels des opérations."
        ),
        "description_en": (
            "How the candidate uses law, finance, IT, regulation and procedures to deal with an "
            "operational problem, and whether those tools match what operations actually need."
        ),
        "anchor_1_fr": (
            "Traite chaque cas avec l’outil de son seul domaine d’origine et ne sait pas dire quel "
            "levier juridique, financier ou informatique pourrait s’appliquer en dehors."
        ),
        "anchor_1_en": (
            "Handles every case with the one tool from their home field and cannot say which legal, "
            "financial or IT lever could apply outside it."
        ),
        "anchor_3_fr": (
            "Cite les outils pertinents quand on le lui demande (une clause de contrat, une ligne "
            "budgétaire, un paramétrage logiciel), sans vérifier qu’ils s’accordent avec le "
            "fonctionnement des opérations."
        ),
        "anchor_3_en": (
            "Names the relevant tools when asked (a contract clause, a budget line, a software "
            "setting) without checking that they fit the way operations work."
        ),
        "anchor_5_fr": (
            "Combine spontanément au moins deux outils (par exemple une procédure revue, appuyée par "
            "un avenant au contrat et un paramétrage du système) et vérifie avec les opérations que "
            "le résultat fonctionne."
        ),
        "anchor_5_en": (
            "Combines at least two tools unprompted (e.g. a revised procedure backed by a contract "
            "amendment and a system setting) and checks with operations that the result works."
        ),
    },
    {
        "group": "conductor",
        "code": "cond_resources",
        "label_fr": "Mobilise des ressources internes et externes et pilote les projets avec elles",
        "label_en": "Brings in internal and external resources and runs projects with them",
        "description_fr": (
            "On observe si la personne candidate repère les collègues et les prestataires qui "
            "détiennent l’expérience utile, noue avec eux un véritable partenariat et conduit le "
            "projet conjointement."
        ),
        "description_en": (
            "Whether the candidate identifies the colleagues and providers who hold the experience "
            "needed, builds a real partnership with them and runs the project jointly."
        ),
        "anchor_1_fr": (
            "Prévoit de tout faire sans aide, ou confie le projet à un prestataire sans en assurer "
            "le suivi. Ne cite aucun expert interne ni aucun partenaire."
        ),
        "anchor_1_en": (
            "Plans to do everything without help, or hands the project to a provider with no "
            "follow-up. Names no internal expert and no partner."
        ),
        "anchor_3_fr": (
            "Énumère des contributeurs internes ou externes possibles quand on l’y invite, mais les "
            "présente comme des fournisseurs à qui donner des consignes plutôt que comme des "
            "partenaires, sans plan commun."
        ),
        "anchor_3_en": (
            "Lists possible internal or external contributors when prompted, but treats them as "
            "suppliers to be given instructions rather than partners, with no shared plan."
        ),
        "anchor_5_fr": (
            "Identifie qui détient l’expérience utile dans et hors de l’entreprise, explique comment "
            "l’associer (rôles, jalons, critères de réussite partagés) et cite un projet passé mis "
            "en œuvre de cette façon, avec son résultat."
        ),
        "anchor_5_en": (
            "Maps who holds the experience needed inside and outside the company, explains how to "
            "involve them (roles, milestones, shared success criteria) and cites a past project run "
            "this way, with its outcome."
        ),
    },
    {
        "group": "conductor",
        "code": "cond_cross_dept",
        "label_fr": "Dialogue permanent avec les autres directions",
        "label_en": "Constant dialogue with the other departments",
        "description_fr": (
            "On observe comment la personne candidate informe les directions opérationnelles, "
            "recueille leurs besoins et obtient leur adhésion aux projets qu’elle conduit."
        ),
        "description_en": (
            "How the candidate keeps the operational departments informed, gathers their needs and "
            "wins their support for the projects he or she leads."
        ),
        "anchor_1_fr": (
            "Conçoit ou annonce un changement sans consulter les directions concernées et traite "
            "leurs objections comme des résistances à vaincre."
        ),
        "anchor_1_en": (
            "Designs or announces a change without consulting the departments concerned and treats "
            "their objections as resistance to be overcome."
        ),
        "anchor_3_fr": (
            "Consulte les directions quand on le lui rappelle, ou seulement au lancement. Recueille "
            "les besoins sans rendre compte de la suite qui leur a été donnée."
        ),
        "anchor_3_en": (
            "Consults the departments when reminded to, or only at kick-off. Collects their needs "
            "but never reports back on what was done with them."
        ),
        "anchor_5_fr": (
            "Organise de sa propre initiative un échange régulier avec chaque direction, rend compte "
            "de ce qui a changé grâce à leurs retours et cite un projet que les utilisateurs ont "
            "adopté pour cette raison."
        ),
        "anchor_5_en": (
            "Sets up a regular exchange with each department on their own initiative, reports back "
            "on what changed thanks to their input and cites a project users adopted for that reason."
        ),
    },
    {
        "group": "conductor",
        "code": "cond_meaning",
        "label_fr": "Porte le sens et la vision, et corrige la trajectoire en cours de projet",
        "label_en": "Carries meaning and vision, and corrects course during a project",
        "description_fr": (
            "On observe si la personne candidate explique pourquoi un projet compte, laisse les "
            "équipes exprimer leur talent et leur créativité, et intervient pour redresser la "
            "trajectoire ou lever les obstacles."
        ),
        "description_en": (
            "Whether the candidate explains why a project matters, lets teams use their talent and "
            "creativity, and steps in to correct course or clear obstacles."
        ),
        "anchor_1_fr": (
            "Présente le projet comme une liste de tâches et d’échéances. Face à un problème, "
            "reprend le travail à son compte ou laisse le projet dériver."
        ),
        "anchor_1_en": (
            "Presents the project as a list of tasks and deadlines. When a problem arises, either "
            "takes the work over personally or lets the project drift."
        ),
        "anchor_3_fr": (
            "Explique la finalité du projet quand on la lui demande. N’intervient qu’une fois le "
            "problème devenu visible de tous, avec une solution décidée sans l’équipe."
        ),
        "anchor_3_en": (
            "Explains the purpose of the project when asked. Steps in only once the problem is "
            "visible to everyone, with a fix decided without the team."
        ),
        "anchor_5_fr": (
            "Commence par expliquer l’enjeu du projet pour l’entreprise et pour les équipes, laisse "
            "place à leurs propositions, repère tôt une dérive à partir de signaux concrets et "
            "recadre la trajectoire avec l’équipe."
        ),
        "anchor_5_en": (
            "Opens with what the project means for the company and for the teams, leaves room for "
            "their proposals, spots a drift early from concrete signals and resets the course with "
            "the team."
        ),
    },
    # ---- Business partner ----------------------------------------------------------------------
    {
        "group": "business_partner",
        "code": "bp_profitability",
        "label_fr": "Identifie des leviers d’amélioration de la rentabilité",
        "label_en": "Identifies ways to improve profitability",
        "description_fr": (
            "On observe si la personne candidate repère, dans toute l’entreprise, des sources "
            "concrètes de marge ou d’économies, et si elle en estime l’ampleur."
        ),
        "description_en": (
            "Whether the candidate spots concrete sources of margin or savings across the whole "
            "company, and sizes them."
        ),
        "anchor_1_fr": (
            "Ne propose aucun levier de rentabilité, ou seulement des coupes uniformes, sans chiffre "
            "ni analyse de l’effet sur les opérations."
        ),
        "anchor_1_en": (
            "Offers no profitability lever, or only across-the-board cuts, with no figure and no "
            "analysis of the effect on operations."
        ),
        "anchor_3_fr": (
            "Cite des leviers plausibles quand on l’y invite (achats, retards de paiement, "
            "gaspillages dans les process), avec des ordres de grandeur approximatifs ou non "
            "vérifiés."
        ),
        "anchor_3_en": (
            "Names plausible levers when prompted (purchasing, late payments, waste in processes), "
            "with rough or unchecked orders of magnitude."
        ),
        "anchor_5_fr": (
            "Avance spontanément deux ou trois leviers chiffrés (gain, coût, délai), les classe "
            "selon l’impact et l’effort, et précise le risque que chacun fait courir aux opérations."
        ),
        "anchor_5_en": (
            "Puts forward two or three costed levers unprompted (gain, cost, time to effect), ranks "
            "them by impact and effort, and states the risk each one carries for operations."
        ),
    },
    {
        "group": "business_partner",
        "code": "bp_information",
        "label_fr": "Fournit vite l’information pertinente et utile",
        "label_en": "Provides relevant, useful information quickly",
        "description_fr": (
            "On observe la rapidité et la justesse avec lesquelles la personne candidate apporte au "
            "CEO l’information nécessaire à une décision, filtrée sur l’essentiel."
        ),
        "description_en": (
            "How quickly and accurately the candidate gives the CEO the information a decision "
            "needs, filtered down to what matters."
        ),
        "anchor_1_fr": (
            "Ne parvient pas à fournir le chiffre ou le fait demandé, ou le noie dans des données non "
            "triées, sans en indiquer la source ni le délai d’obtention."
        ),
        "anchor_1_en": (
            "Cannot produce the figure or fact asked for, or buries it in unsorted data, without "
            "saying where it comes from or when it will be available."
        ),
        "anchor_3_fr": (
            "Apporte l’information demandée dans le délai convenu, mais brute ou incomplète. C’est "
            "au CEO d’en tirer la conclusion."
        ),
        "anchor_3_en": (
            "Brings the requested information within the agreed time, but raw or incomplete. The CEO "
            "is left to draw the conclusion."
        ),
        "anchor_5_fr": (
            "Fournit les chiffres clés avant ou au moment où ils deviennent utiles, avec leur "
            "source, leur fiabilité et la conclusion à en tirer en deux ou trois lignes, et signale "
            "ce qui manque encore."
        ),
        "anchor_5_en": (
            "Delivers the key figures before or just as they are needed, with source, reliability "
            "and the conclusion to draw in two or three lines, and flags what is still missing."
        ),
    },
    {
        "group": "business_partner",
        "code": "bp_sparring_swot",
        "label_fr": "Sparring-partner du CEO, avec des analyses SWOT fondées sur des faits",
        "label_en": "Sparring partner to the CEO, with fact-based SWOT analyses",
        "description_fr": (
            "On observe si la personne candidate met à l’épreuve les idées du CEO par une analyse "
            "des forces, faiblesses, opportunités et menaces fondée sur des faits vérifiés plutôt "
            "que sur des opinions."
        ),
        "description_en": (
            "Whether the candidate tests the CEO’s ideas with a strengths, weaknesses, opportunities "
            "and threats analysis grounded in verified facts rather than opinion."
        ),
        "anchor_1_fr": (
            "Approuve le plan du CEO sans discussion, ou s’y oppose sur la foi d’impressions ou de "
            "ouï-dire."
        ),
        "anchor_1_en": (
            "Agrees with the CEO’s plan without discussion, or opposes it on the strength of "
            "impressions or hearsay."
        ),
        "anchor_3_fr": (
            "Produit une matrice SWOT quand on la lui demande, mais avec des points génériques ou non "
            "étayés par des données, et sans en tirer de recommandation."
        ),
        "anchor_3_en": (
            "Produces a SWOT matrix when asked, but with generic points or points not backed by "
            "data, and draws no recommendation from it."
        ),
        "anchor_5_fr": (
            "Conteste le plan du CEO avec une SWOT construite sur des chiffres vérifiés "
            "personnellement, et propose une solution de rechange argumentée."
        ),
        "anchor_5_en": (
            "Challenges the CEO’s plan with a SWOT built on figures he or she has checked, and "
            "proposes a reasoned alternative."
        ),
    },
    {
        "group": "business_partner",
        "code": "bp_modelling",
        "label_fr": "Modélise les idées sur les plans juridique et financier",
        "label_en": "Models ideas in legal and financial terms",
        "description_fr": (
            "On observe si la personne candidate traduit une idée (nouvelle activité, "
            "réorganisation, partenariat) en montage juridique et en modèle financier sur lesquels "
            "le CEO peut trancher."
        ),
        "description_en": (
            "Whether the candidate turns an idea (new business line, reorganisation, partnership) "
            "into a legal structure and a financial model the CEO can decide on."
        ),
        "anchor_1_fr": (
            "Commente l’idée en termes généraux, sans pouvoir dire quelle forme juridique, quel "
            "contrat ou quel impact financier elle implique."
        ),
        "anchor_1_en": (
            "Comments on the idea in general terms, unable to say which legal form, contract or "
            "financial impact it implies."
        ),
        "anchor_3_fr": (
            "Esquisse les options juridiques ou une estimation financière simple quand on l’y "
            "invite, mais traite les deux séparément et sans expliciter ses hypothèses."
        ),
        "anchor_3_en": (
            "Outlines the legal options or a simple financial estimate when prompted, but treats "
            "the two separately and leaves the assumptions implicit."
        ),
        "anchor_5_fr": (
            "Construit en séance un premier modèle reliant montage juridique, trésorerie et "
            "hypothèses clés, teste un ou deux scénarios et désigne les points à faire valider par "
            "un spécialiste."
        ),
        "anchor_5_en": (
            "Builds a first model during the session that links legal structure, cash flow and key "
            "assumptions, tests one or two scenarios and names the points a specialist must confirm."
        ),
    },
    # ---- Entrepreneur --------------------------------------------------------------------------
    {
        "group": "entrepreneur",
        "code": "ent_service_catalogue",
        "label_fr": "Gère le support comme un catalogue d’offres de service",
        "label_en": "Runs support as a catalogue of service offers",
        "description_fr": (
            "On observe si la personne candidate décrit les fonctions support comme des prestations, "
            "avec leurs clients, leur périmètre, leurs niveaux de service et leur coût, plutôt que "
            "comme une suite de départements."
        ),
        "description_en": (
            "Whether the candidate describes the support functions as services, each with its "
            "clients, scope, service levels and cost, rather than as a set of departments."
        ),
        "anchor_1_fr": (
            "Décrit le support uniquement par ses services et ses effectifs, sans pouvoir dire "
            "quelle prestation chacun rend, à qui, ni avec quel niveau d’exigence."
        ),
        "anchor_1_en": (
            "Describes support only by its departments and headcount, unable to say what service "
            "each one provides, to whom, or to what standard."
        ),
        "anchor_3_fr": (
            "Énumère les principales prestations quand on le lui demande, mais sans niveau de "
            "service, coût ni client identifié pour chacune."
        ),
        "anchor_3_en": (
            "Lists the main services when asked, but with no service level, cost or identified "
            "client for each."
        ),
        "anchor_5_fr": (
            "Présente, ou rédige sur le moment, un catalogue indiquant pour chaque offre les "
            "clients, le périmètre, les engagements et le coût, et explique comment décider d’en "
            "arrêter une ou d’en ajouter une."
        ),
        "anchor_5_en": (
            "Presents, or drafts on the spot, a catalogue giving clients, scope, commitments and "
            "cost for each offer, and explains how to decide to drop one or add one."
        ),
    },
    {
        "group": "entrepreneur",
        "code": "ent_client_satisfaction",
        "label_fr": "Suit la satisfaction des clients internes et externes, réagit en temps réel",
        "label_en": "Tracks internal and external client satisfaction and reacts in real time",
        "description_fr": (
            "On observe si la personne candidate mesure la façon dont les clients internes et "
            "externes vivent les fonctions support, et si elle agit sur les problèmes dès qu’ils "
            "surviennent."
        ),
        "description_en": (
            "Whether the candidate measures how internal and external clients experience the "
            "support functions, and acts on problems as soon as they arise."
        ),
        "anchor_1_fr": (
            "Ne dispose d’aucune mesure de la satisfaction. Découvre les problèmes au fil des "
            "escalades et traite les réclamations comme des exceptions."
        ),
        "anchor_1_en": (
            "Has no measure of satisfaction. Learns of problems through escalations and treats "
            "complaints as one-offs."
        ),
        "anchor_3_fr": (
            "Mentionne une enquête ou un indicateur, mais le consulte ponctuellement et réagit au "
            "cas par cas, sans suivi des problèmes récurrents."
        ),
        "anchor_3_en": (
            "Mentions a survey or an indicator, but looks at it now and then and reacts case by "
            "case, with no follow-up of recurring problems."
        ),
        "anchor_5_fr": (
            "Décrit les indicateurs et les canaux qui permettent d’écouter les clients en continu, "
            "donne l’exemple d’un problème repéré et réglé en quelques jours, puis de sa cause de "
            "fond traitée ensuite."
        ),
        "anchor_5_en": (
            "Describes the indicators and channels used to hear clients continuously, and gives an "
            "example of a problem spotted and fixed within days, then of its root cause addressed."
        ),
    },
    {
        "group": "entrepreneur",
        "code": "ent_new_offers",
        "label_fr": "Crée de nouvelles offres qui donnent un avantage à l’entreprise",
        "label_en": "Creates new service offers that give the company an edge",
        "description_fr": (
            "On observe si la personne candidate conçoit de nouveaux services support qui élèvent le "
            "niveau de fonctionnement de l’entreprise ou lui procurent un avantage concurrentiel."
        ),
        "description_en": (
            "Whether the candidate designs new support services that raise the company’s level of "
            "operation or give it a competitive advantage."
        ),
        "anchor_1_fr": (
            "Voit le support comme le maintien de l’existant. Ne propose aucun nouveau service, ou "
            "en reprend un tel quel sans le relier à un besoin de l’entreprise."
        ),
        "anchor_1_en": (
            "Sees support as keeping things as they are. Proposes no new service, or copies one as "
            "is without linking it to a business need."
        ),
        "anchor_3_fr": (
            "Suggère une nouvelle offre quand on l’y invite, reliée à un besoin, mais sans plan de "
            "lancement, coût ni mesure de réussite."
        ),
        "anchor_3_en": (
            "Suggests a new offer when prompted, tied to a need, but with no launch plan, cost or "
            "measure of success."
        ),
        "anchor_5_fr": (
            "Propose spontanément une nouvelle offre tirée d’un besoin client observé pendant la "
            "séance, avec ses utilisateurs cibles, son coût, ses étapes de lancement et l’avantage "
            "attendu pour l’entreprise."
        ),
        "anchor_5_en": (
            "Proposes unprompted a new offer drawn from a client need seen during the session, with "
            "target users, cost, launch steps and the expected advantage for the company."
        ),
    },
    {
        "group": "entrepreneur",
        "code": "ent_change_innovation",
        "label_fr": "Pilote le changement continu et la veille sur les bonnes pratiques",
        "label_en": "Drives continuous change and keeps watch on best practice",
        "description_fr": (
            "On observe si la personne candidate conduit une évolution permanente des process et "
            "des habitudes, suit les bonnes pratiques d’autres organisations et les traduit en "
            "améliorations concrètes."
        ),
        "description_en": (
            "Whether the candidate leads ongoing change in processes and habits, follows best "
            "practice in other organisations and turns it into concrete improvements."
        ),
        "anchor_1_fr": (
            "Défend les process actuels tels quels. Ne cite aucune pratique ni aucun outil récent "
            "observé ailleurs, ou les balaie d’un revers de main."
        ),
        "anchor_1_en": (
            "Defends current processes as they stand. Cites no recent practice or tool seen "
            "elsewhere, or brushes them aside."
        ),
        "anchor_3_fr": (
            "Cite des bonnes pratiques ou des tendances quand on l’y invite et a déjà mené un "
            "changement ponctuel, mais sans méthode pour embarquer les équipes ni pour l’ancrer dans "
            "la durée."
        ),
        "anchor_3_en": (
            "Cites best practices or trends when prompted and has led a one-off change, but with no "
            "method to bring people along or to make it last."
        ),
        "anchor_5_fr": (
            "Cite une pratique repérée hors de l’entreprise, explique comment elle a été adaptée et "
            "introduite (pilote, formation, mesure) et comment les habitudes des équipes ont changé "
            "en conséquence."
        ),
        "anchor_5_en": (
            "Cites a practice spotted outside the company, explains how it was adapted and "
            "introduced (pilot, training, measurement) and how the teams’ habits changed as a result."
        ),
    },
    # ---- Posture and mindset -------------------------------------------------------------------
    {
        "group": "posture",
        "code": "post_entrepreneurial",
        "label_fr": "Posture d’entrepreneur",
        "label_en": "Entrepreneurial stance",
        "description_fr": (
            "On observe si la personne candidate se comporte en responsable à part entière des "
            "fonctions support, prend des initiatives, s’engage sur des résultats et accepte un "
            "risque calculé."
        ),
        "description_en": (
            "Whether the candidate acts as the owner of the support functions, takes initiative, "
            "commits to results and accepts calculated risk."
        ),
        "anchor_1_fr": (
            "Attend les consignes, attribue les problèmes aux autres ou au manque de moyens, et ne "
            "s’engage sur aucun résultat."
        ),
        "anchor_1_en": (
            "Waits for instructions, blames problems on others or on a lack of resources, and "
            "commits to no result."
        ),
        "anchor_3_fr": (
            "Prend des initiatives dans un périmètre clairement délimité et s’engage sur des "
            "résultats une fois l’objectif fixé par le CEO."
        ),
        "anchor_3_en": (
            "Takes initiative within a clearly bounded remit and commits to results once the CEO has "
            "set the objective."
        ),
        "anchor_5_fr": (
            "Propose ses propres objectifs et s’engage d’emblée sur des résultats mesurables, assume "
            "un échec passé et les leçons qui en ont été tirées, et pèse les risques comme un chef "
            "d’entreprise."
        ),
        "anchor_5_en": (
            "Proposes their own objectives and commits to measurable results unprompted, owns a "
            "past failure and the lessons drawn from it, and weighs risks as a business owner would."
        ),
    },
    {
        "group": "posture",
        "code": "post_data_process",
        "label_fr": "Aisance avec les données et les process",
        "label_en": "Ease with data and processes",
        "description_fr": (
            "On observe la facilité avec laquelle la personne candidate lit des chiffres, interroge "
            "des données et décrit ou redessine un process étape par étape."
        ),
        "description_en": (
            "How readily the candidate reads figures, questions data and describes or redesigns a "
            "process step by step."
        ),
        "anchor_1_fr": (
            "Évite les chiffres ou lit mal un tableau simple. Décrit les process de façon vague, "
            "sans étapes, responsables ni contrôles."
        ),
        "anchor_1_en": (
            "Avoids figures or misreads a simple table. Describes processes vaguely, with no steps, "
            "owners or controls."
        ),
        "anchor_3_fr": (
            "Lit correctement les chiffres présentés et décrit un process quand on le lui demande, "
            "sans interroger la qualité des données ni repérer le goulet d’étranglement."
        ),
        "anchor_3_en": (
            "Reads the figures presented correctly and describes a process when asked, without "
            "questioning data quality or finding the bottleneck."
        ),
        "anchor_5_fr": (
            "Demande d’où vient un chiffre et relève une incohérence, dessine le process avec ses "
            "étapes, ses responsables et ses contrôles, et montre l’endroit où il se grippe."
        ),
        "anchor_5_en": (
            "Asks where a figure comes from and points out an inconsistency, sketches the process "
            "with its steps, owners and controls, and shows where it breaks down."
        ),
    },
    {
        "group": "posture",
        "code": "post_communication",
        "label_fr": "Aisance dans la communication",
        "label_en": "Ease in communication",
        "description_fr": (
            "On observe la clarté avec laquelle la personne candidate explique, écoute et adapte son "
            "message à son public (CEO, équipes, partenaires externes), à l’oral comme à l’écrit."
        ),
        "description_en": (
            "How clearly the candidate explains, listens and adapts the message to the audience "
            "(CEO, teams, external partners), orally and in writing."
        ),
        "anchor_1_fr": (
            "Emploie le jargon de son métier, coupe la parole ou répond à côté. L’interlocuteur doit "
            "reposer sa question pour comprendre."
        ),
        "anchor_1_en": (
            "Uses the jargon of their own field, interrupts or answers beside the point. The other "
            "person has to ask again to understand."
        ),
        "anchor_3_fr": (
            "S’exprime clairement dans un échange structuré, mais vérifie rarement la compréhension "
            "et garde le même registre quel que soit le public."
        ),
        "anchor_3_en": (
            "Speaks clearly in a structured exchange, but rarely checks understanding and keeps the "
            "same register whatever the audience."
        ),
        "anchor_5_fr": (
            "Adapte le message au public (des chiffres pour le CEO, des conséquences pratiques pour "
            "une équipe), reformule le point de vue de l’autre avant de répondre et récapitule les "
            "décisions en fin d’échange."
        ),
        "anchor_5_en": (
            "Tailors the message to the audience (figures for the CEO, practical consequences for a "
            "team), restates the other person’s view before replying and sums up the decisions at "
            "the end."
        ),
    },
    {
        "group": "posture",
        "code": "post_innovation",
        "label_fr": "Passion pour l’innovation",
        "label_en": "Passion for innovation",
        "description_fr": (
            "On observe si la personne candidate manifeste un intérêt durable et concret pour les "
            "nouveaux outils, méthodes et idées, et si elle les met à l’essai."
        ),
        "description_en": (
            "Whether the candidate shows a lasting, concrete interest in new tools, methods and "
            "ideas, and tries them out."
        ),
        "anchor_1_fr": (
            "Ne montre aucun intérêt pour les nouveaux outils ou méthodes, ou parle d’innovation par "
            "slogans, sans aucun exemple."
        ),
        "anchor_1_en": (
            "Shows no interest in new tools or methods, or talks about innovation in slogans, with "
            "no example."
        ),
        "anchor_3_fr": (
            "Suit l’actualité des nouveautés et sait en citer quelques-unes, mais en a peu essayé "
            "en pratique."
        ),
        "anchor_3_en": (
            "Follows what is new and can name a few examples, but has tried few of them in "
            "practice."
        ),
        "anchor_5_fr": (
            "Décrit des outils ou des méthodes testés personnellement, avec ce qui a marché et ce "
            "qui a échoué, et propose en séance une expérimentation adaptée au problème de "
            "l’entreprise."
        ),
        "anchor_5_en": (
            "Describes tools or methods tried out personally, with what worked and what did not, "
            "and proposes during the session an experiment suited to the company’s problem."
        ),
    },
)

CODES = tuple(c["code"] for c in CRITERIA)


def create_default_framework(apps, schema_editor):
    CompetencyFramework = apps.get_model("assessments", "CompetencyFramework")
    Criterion = apps.get_model("assessments", "Criterion")
    Scorecard = apps.get_model("assessments", "Scorecard")

    # Only one active version per name: do not activate v1 if another version already is.
    other_active = CompetencyFramework.objects.filter(name=FRAMEWORK_NAME, is_active=True).exclude(
        version=FRAMEWORK_VERSION
    )
    framework, created = CompetencyFramework.objects.get_or_create(
        name=FRAMEWORK_NAME,
        version=FRAMEWORK_VERSION,
        defaults={"is_active": not other_active.exists(), "notes": FRAMEWORK_NOTES},
    )
    if not created and Scorecard.objects.filter(framework=framework).exists():
        return  # frozen: in use by a scorecard, never edited in place
    for position, data in enumerate(CRITERIA, start=1):
        values = {key: value for key, value in data.items() if key != "code"}
        values.update(order=position * 10, weight=1)
        Criterion.objects.update_or_create(framework=framework, code=data["code"], defaults=values)


def remove_default_framework(apps, schema_editor):
    CompetencyFramework = apps.get_model("assessments", "CompetencyFramework")
    Criterion = apps.get_model("assessments", "Criterion")
    Scorecard = apps.get_model("assessments", "Scorecard")

    framework = CompetencyFramework.objects.filter(name=FRAMEWORK_NAME, version=FRAMEWORK_VERSION).first()
    if framework is None or Scorecard.objects.filter(framework=framework).exists():
        return  # absent, or in use (scorecards PROTECT it): keep it
    Criterion.objects.filter(framework=framework, code__in=CODES).delete()
    if not Criterion.objects.filter(framework=framework).exists():
        framework.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_default_framework, remove_default_framework)]
