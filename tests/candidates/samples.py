"""Expected values of the eight sample candidates (``../shared/samples/candidates_fr_*.csv``),
written out by hand from the files so that an import is compared with exact values."""

import datetime
from decimal import Decimal

from candidates.models import Candidate

SAMPLE_FILES = ("candidates_fr_utf8_bom.csv", "candidates_fr_cp1252.csv")

YEARS_ORDER = (
    "finance",
    "hr",
    "legal",
    "it",
    "sales_admin",
    "purchasing",
    "general_services",
    "communication",
    "quality",
)


def _row(last, first, email, phone, city, linkedin, source, consent, day, years, education):
    values = {
        "last_name": last,
        "first_name": first,
        "email": email,
        "phone": phone,
        "city": city,
        "linkedin_url": linkedin,
        "source": source,
        "gdpr_consent": consent,
        "consent_date": datetime.date(2026, 11, day) if day else None,
        "education": education,
    }
    values.update({f"years_{code}": Decimal(y) for code, y in zip(YEARS_ORDER, years.split(), strict=True)})
    return values


EXPECTED = {
    row["email"]: row
    for row in [
        _row(
            "Dubois",
            "Claire",
            "claire.dubois@example.org",
            "06 12 34 56 78",
            "Lyon",
            "https://www.linkedin.com/in/claire-dubois-example",
            "Cooptation",
            True,
            3,
            "4 3 3 2 3 2 2 2.5 1",
            "École de commerce (généraliste)",
        ),
        _row(
            "Lefèvre",
            "Marc",
            "marc.lefevre@example.org",
            "+33 6 98 76 54 32",
            "Paris",
            "",
            "Annonce",
            True,
            5,
            "14 0 1 1 0 0 0 0 0.5",
            "Expertise comptable",
        ),
        _row(
            "Benali",
            "Sofia",
            "s.benali@example.com",
            "07 11 22 33 44",
            "Lille",
            "https://www.linkedin.com/in/sofia-benali-example",
            "Chasse",
            True,
            7,
            "0.5 10 2 0 0 0 1 3 0",
            "Master RH",
        ),
        _row(
            "Moreau",
            "Julien",
            "julien.moreau@example.org",
            "06 55 44 33 22",
            "Nantes",
            "",
            "Chasse",
            True,
            8,
            "2 1 0.5 3 5 4 4 0 2",
            "Ingénieur généraliste",
        ),
        _row(
            "Garnier",
            "Élodie",
            "elodie.garnier@example.org",
            "06 01 02 03 04",
            "Bordeaux",
            "",
            "Annonce",
            True,
            10,
            "1 2 6 0 0 0 0 5 1",
            "Master droit des affaires",
        ),
        _row(
            "N'Diaye",
            "Thomas",
            "thomas.ndiaye@example.com",
            "06 10 20 30 40",
            "Lyon; Villeurbanne",
            "https://www.linkedin.com/in/thomas-ndiaye-example",
            "Cooptation",
            True,
            12,
            "0 0 0 8 2 1 0 4 0.5",
            "Ingénieur informatique",
        ),
        _row(
            "Roux-Lambert",
            "Anne-Sophie",
            "as.roux-lambert@example.org",
            "06 77 88 99 00",
            "Toulouse",
            "",
            "Chasse",
            True,
            14,
            "3 3 3 3 3 3 3 3 3",
            "Sciences Po (généraliste)",
        ),
        _row(
            "Haddad",
            "Karim",
            "karim.haddad@example.org",
            "07 66 55 44 33",
            "Marseille",
            "",
            "Annonce",
            False,
            None,
            "1 0 0 1 1 0 0 0 0",
            "BTS gestion",
        ),
    ]
}

FIELDS = tuple(next(iter(EXPECTED.values())).keys())


def candidate_values(candidate: Candidate) -> dict:
    """The CSV-level values of a saved candidate, re-read from the database."""
    candidate = Candidate.objects.get(pk=candidate.pk)
    return {name: getattr(candidate, name) for name in FIELDS}


def all_candidate_values() -> dict:
    """``{email: values}`` for every candidate in the database."""
    return {c.email: candidate_values(c) for c in Candidate.objects.all()}
