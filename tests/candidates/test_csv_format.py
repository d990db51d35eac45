"""Tests of the pure candidate CSV format layer (``candidates.csv_format``): no database.

Runs with or without pytest-django:
``python -m pytest -p no:django -p no:cacheprovider tests/candidates/test_csv_format.py -q``.
"""

import codecs
import datetime
import re
import sys
import types
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from candidates import csv_format
from candidates.csv_format import (
    EN_HEADERS,
    FIELDS,
    FR_HEADERS,
    YEARS_FIELDS,
    CsvFormatError,
    decode_csv_bytes,
    parse_candidates_csv,
    sniff_dialect,
    write_candidates_csv,
)

if "pytest_django.plugin" not in sys.modules:
    # Standalone run (-p no:django). tests/conftest.py has an autouse fixture asking for
    # pytest-django's ``settings`` fixture; this stand-in lets these pure tests run without it.
    # csv_format needs no settings: its messages stay untranslated until Django is set up.
    @pytest.fixture
    def settings():
        return types.SimpleNamespace()


#: The samples' columns: every field but the optional career column, which came later (last).
SAMPLE_FIELDS = tuple(name for name in FIELDS if name != "career_years")
FR_SAMPLE_HEADERS = {name: FR_HEADERS[name] for name in SAMPLE_FIELDS}
EN_SAMPLE_HEADERS = {name: EN_HEADERS[name] for name in SAMPLE_FIELDS}

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "tests" / "fixtures"
SHARED_SAMPLES = REPO_ROOT.parent / "shared" / "samples"
FR_SAMPLES = ("candidates_fr_utf8_bom.csv", "candidates_fr_cp1252.csv")


def sample_path(name: str) -> Path:
    """The shared sample when ../shared/samples exists, else the copy in tests/fixtures."""
    shared = SHARED_SAMPLES / name
    return shared if shared.exists() else FIXTURES / name


def sample_bytes(name: str) -> bytes:
    return sample_path(name).read_bytes()


def by_email(result):
    return {row.values["email"]: row.values for row in result.rows}


def error_positions(result):
    return [(e.line, e.column) for e in result.errors]


D = Decimal


# --------------------------------------------------------------------------- the French samples


@pytest.mark.parametrize("name", FR_SAMPLES)
def test_fixture_copies_are_byte_identical_to_shared_samples(name):
    shared = SHARED_SAMPLES / name
    if not shared.exists():
        pytest.skip("../shared/samples is absent; the tests use the fixture copies")
    assert (FIXTURES / name).read_bytes() == shared.read_bytes()


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("candidates_fr_utf8_bom.csv", "utf-8-sig"),
        ("candidates_fr_cp1252.csv", "cp1252"),
    ],
)
def test_french_samples_parse_to_exact_values(name, encoding):
    result = parse_candidates_csv(sample_bytes(name))

    assert result.ok, result.errors
    assert result.errors == []
    assert result.warnings == []
    assert result.encoding == encoding
    assert result.delimiter == ";"
    assert result.dialect_name == "fr"
    assert result.header_line == 1
    assert result.headers == FR_SAMPLE_HEADERS
    assert len(result.rows) == 8
    assert [row.line for row in result.rows] == list(range(2, 10))
    assert [row.values["last_name"] for row in result.rows] == [
        "Dubois",
        "Lefèvre",
        "Benali",
        "Moreau",
        "Garnier",
        "N'Diaye",
        "Roux-Lambert",
        "Haddad",
    ]

    rows = by_email(result)
    claire = rows["claire.dubois@example.org"]
    assert claire == {
        "last_name": "Dubois",
        "first_name": "Claire",
        "email": "claire.dubois@example.org",
        "phone": "06 12 34 56 78",
        "city": "Lyon",
        "linkedin_url": "https://www.linkedin.com/in/claire-dubois-example",
        "source": "Cooptation",
        "gdpr_consent": True,
        "consent_date": datetime.date(2026, 11, 3),
        "years_finance": D("4"),
        "years_hr": D("3"),
        "years_legal": D("3"),
        "years_it": D("2"),
        "years_sales_admin": D("3"),
        "years_purchasing": D("2"),
        "years_general_services": D("2"),
        "years_communication": D("2.5"),
        "years_quality": D("1"),
        "education": "École de commerce (généraliste)",
    }
    assert all(isinstance(claire[name], Decimal) for name in YEARS_FIELDS)

    marc = rows["marc.lefevre@example.org"]
    assert (marc["last_name"], marc["first_name"]) == ("Lefèvre", "Marc")
    assert marc["phone"] == "+33 6 98 76 54 32"
    assert marc["years_finance"] == D("14")
    assert marc["years_quality"] == D("0.5")
    assert marc["linkedin_url"] == ""
    assert marc["consent_date"] == datetime.date(2026, 11, 5)

    sofia = rows["s.benali@example.com"]
    assert (sofia["last_name"], sofia["first_name"]) == ("Benali", "Sofia")
    assert sofia["gdpr_consent"] is True  # written "oui" in lower case
    assert sofia["consent_date"] == datetime.date(2026, 11, 7)
    assert sofia["years_finance"] == D("0.5")
    assert sofia["years_hr"] == D("10")

    elodie = rows["elodie.garnier@example.org"]
    assert (elodie["last_name"], elodie["first_name"]) == ("Garnier", "Élodie")
    assert elodie["years_legal"] == D("6")

    thomas = rows["thomas.ndiaye@example.com"]
    assert (thomas["last_name"], thomas["first_name"]) == ("N'Diaye", "Thomas")
    assert thomas["city"] == "Lyon; Villeurbanne"
    assert thomas["years_it"] == D("8")
    assert thomas["consent_date"] == datetime.date(2026, 11, 12)
    assert thomas["education"] == "Ingénieur informatique"

    karim = rows["karim.haddad@example.org"]
    assert (karim["last_name"], karim["first_name"]) == ("Haddad", "Karim")
    assert karim["gdpr_consent"] is False
    assert karim["consent_date"] is None

    anne = rows["as.roux-lambert@example.org"]
    assert anne["first_name"] == "Anne-Sophie"
    assert all(anne[name] == D("3") for name in YEARS_FIELDS)

    julien = rows["julien.moreau@example.org"]
    assert julien["years_legal"] == D("0.5")
    assert julien["years_sales_admin"] == D("5")


def test_both_french_samples_give_the_same_rows():
    utf8 = parse_candidates_csv(sample_bytes("candidates_fr_utf8_bom.csv"))
    cp1252 = parse_candidates_csv(sample_bytes("candidates_fr_cp1252.csv"))
    assert [(r.line, r.values) for r in utf8.rows] == [(r.line, r.values) for r in cp1252.rows]


@pytest.mark.parametrize("name", FR_SAMPLES)
def test_sniffer_is_not_fooled_by_quoted_semicolon_or_decimal_commas(name):
    text, _ = decode_csv_bytes(sample_bytes(name))
    assert sniff_dialect(text).delimiter == ";"


# --------------------------------------------------------------------------- the English fixture


def test_english_fixture_parses_to_the_same_kind_of_values():
    data = (FIXTURES / "candidates_en.csv").read_bytes()
    result = parse_candidates_csv(data)

    assert result.ok, result.errors
    assert result.warnings == []
    assert (result.encoding, result.delimiter, result.dialect_name) == ("utf-8", ",", "en")
    assert result.headers == EN_SAMPLE_HEADERS
    assert [row.line for row in result.rows] == [2, 3, 4, 5]
    rows = by_email(result)
    assert rows["olivia.hartley@example.org"] == {
        "last_name": "Hartley",
        "first_name": "Olivia",
        "email": "olivia.hartley@example.org",
        "phone": "+44 20 7946 0321",
        "city": "London",
        "linkedin_url": "https://www.linkedin.com/in/olivia-hartley-example",
        "source": "Referral",
        "gdpr_consent": True,
        "consent_date": datetime.date(2026, 10, 2),
        "years_finance": D("6"),
        "years_hr": D("2.5"),
        "years_legal": D("1"),
        "years_it": D("0"),
        "years_sales_admin": D("3"),
        "years_purchasing": D("2"),
        "years_general_services": D("1.5"),
        "years_communication": D("0"),
        "years_quality": D("2"),
        "education": "MBA",
    }
    liam = rows["liam.oconnor@example.org"]  # written Liam.OConnor@Example.org
    assert liam["last_name"] == "O'Connor"
    assert liam["city"] == "Dublin, Leinster"
    assert liam["gdpr_consent"] is True  # "true"
    assert liam["consent_date"] == datetime.date(2026, 10, 5)
    aiko = rows["aiko.nakamura@example.org"]
    assert aiko["gdpr_consent"] is False and aiko["consent_date"] is None
    assert aiko["phone"] == ""
    assert aiko["education"] == "Law degree, University of Leeds"
    jonas = rows["jonas.mueller@example.org"]
    assert jonas["last_name"] == "Müller"
    assert jonas["gdpr_consent"] is False  # "false"
    assert jonas["years_finance"] == D("12")
    assert jonas["years_quality"] == D("0.5")

    text, _ = decode_csv_bytes(data)
    assert sniff_dialect(text).delimiter == ","


# --------------------------------------------------------------------------- decoding


def test_decode_utf8_with_bom_strips_it():
    assert decode_csv_bytes(codecs.BOM_UTF8 + "Nom;Prénom".encode()) == ("Nom;Prénom", "utf-8-sig")


def test_decode_plain_utf8():
    assert decode_csv_bytes("Nom;Prénom".encode()) == ("Nom;Prénom", "utf-8")


def test_decode_cp1252():
    assert decode_csv_bytes("Nom;Prénom;€".encode("cp1252")) == ("Nom;Prénom;€", "cp1252")


def test_decode_rejects_bytes_undefined_in_cp1252():
    with pytest.raises(CsvFormatError):
        decode_csv_bytes(b"Nom;Pr\xe9nom;\x81")


def test_decode_rejects_utf16():
    with pytest.raises(CsvFormatError):
        decode_csv_bytes("Nom;Prénom\r\n".encode("utf-16"))


def test_decode_rejects_invalid_utf8_after_a_bom():
    with pytest.raises(CsvFormatError):
        decode_csv_bytes(codecs.BOM_UTF8 + b"Nom;Pr\xe9nom")


@pytest.mark.parametrize("data", [b"", codecs.BOM_UTF8, b"\r\n\r\n", b" ;;\r\n;\r\n"])
def test_empty_file_is_a_format_error(data):
    with pytest.raises(CsvFormatError):
        parse_candidates_csv(data)


def test_file_without_header_row_is_a_format_error():
    with pytest.raises(CsvFormatError):
        parse_candidates_csv(b"Dubois;Claire;claire.dubois@example.org\r\n")


# --------------------------------------------------------------------------- sniffing


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("Nom;Prénom;E-mail\r\n", ";"),
        ("Last name,First name,Email\n", ","),
        ("Nom\tPrénom\tE-mail\nDubois\tClaire\tc@example.org\n", "\t"),
        # The data rows are full of commas (decimal commas, quoted text): the header decides.
        ('Nom;Ville\r\n"a, b, c";"1,5, 2,5"\r\n"d, e";"3,5, 4,5"\r\n', ";"),
        ("Email\n", ","),  # one column: any delimiter works
    ],
)
def test_sniff_dialect(text, delimiter):
    assert sniff_dialect(text).delimiter == delimiter


# --------------------------------------------------------------------------- headers


def test_header_matching_is_tolerant():
    header = ";".join(
        [
            "  NOM ",
            "prenom",
            "Courriel",
            "Tél.",
            "ville",
            "LinkedIn",
            "source",
            "RGPD",
            "date du consentement",
            "FINANCE (ANS)",
            "Rh (years)",
            "juridique",
            "Informatique ( ans )",
            "adv (années)",
            "ACHATS(ans)",
            "Services generaux (ans)",
            "Communication",
            "Qualité & procédures (ans)",
            "Formation",
        ]
    )
    row = "Dubois;Claire;c@example.org;;;;;Non;;1;2;3;4;5;6;7;8;9;"
    result = parse_candidates_csv(f"{header}\r\n{row}\r\n".encode())
    assert result.ok, result.errors
    assert set(result.headers) == set(SAMPLE_FIELDS)
    assert result.headers["email"] == "Courriel"
    assert result.headers["last_name"] == "NOM"
    values = result.rows[0].values
    assert [values[name] for name in YEARS_FIELDS] == [D(n) for n in range(1, 10)]


@pytest.mark.parametrize(
    "spelling", ["E-mail", "Email", "e-mail", "EMAIL", "Courriel", " courriel ", "E mail"]
)
def test_email_header_spellings(spelling):
    assert csv_format.match_header(spelling) == "email"


def test_unknown_columns_are_warnings_and_ignored():
    header = ";".join([*FR_SAMPLE_HEADERS.values(), "Commentaire"])
    row = "Dubois;Claire;c@example.org;;;;;Non;;1;2;3;4;5;6;7;8;9;;un commentaire"
    result = parse_candidates_csv(f"{header}\r\n{row}\r\n".encode())
    assert result.ok
    assert [(w.line, w.column) for w in result.warnings] == [(1, "Commentaire")]
    assert set(result.rows[0].values) == set(SAMPLE_FIELDS)


def test_missing_required_columns_are_file_level_errors():
    kept = [name for name in FIELDS if name not in ("email", "years_quality", "phone", "city")]
    header = ";".join(FR_HEADERS[name] for name in kept)
    cells = {"last_name": "Dubois", "first_name": "Claire", "gdpr_consent": "Non"}
    row = ";".join(cells.get(name, "1" if name in YEARS_FIELDS else "") for name in kept)
    result = parse_candidates_csv(f"{header}\r\n{row}\r\n".encode())
    assert not result.ok
    assert error_positions(result) == [(1, "email"), (1, "years_quality")]
    assert result.rows == []


def test_optional_columns_may_be_absent_and_are_not_filled_in():
    kept = ["last_name", "first_name", "email", *YEARS_FIELDS]
    header = ",".join(EN_HEADERS[name] for name in kept)
    result = parse_candidates_csv(f"{header}\nDoe,Jane,jane@example.org,0,0,0,0,0,0,0,0,0\n".encode())
    assert result.ok, result.errors
    assert set(result.rows[0].values) == set(kept)


def test_two_columns_for_the_same_field_is_a_file_level_error():
    header = ";".join([*FR_HEADERS.values(), "Courriel"])
    result = parse_candidates_csv(f"{header}\r\n".encode())
    assert error_positions(result) == [(1, "Courriel")]


def test_excel_sep_hint_line_is_honoured_and_counted():
    header = ";".join(FR_SAMPLE_HEADERS.values())
    row = "Dubois;Claire;c@example.org;;;;;Non;;1;2;3;4;5;6;7;8;9;"
    result = parse_candidates_csv(f"sep=;\r\n{header}\r\n{row}\r\n".encode())
    assert result.ok, result.errors
    assert result.header_line == 2
    assert [r.line for r in result.rows] == [3]


# --------------------------------------------------------------------------- bad rows


FR_BASE = {
    "last_name": "Dubois",
    "first_name": "Claire",
    "email": "claire.dubois@example.org",
    "phone": "06 12 34 56 78",
    "city": "Lyon",
    "linkedin_url": "",
    "source": "Cooptation",
    "gdpr_consent": "Oui",
    "consent_date": "03/11/2026",
    **dict.fromkeys(YEARS_FIELDS, "1"),
    "education": "Master",
    "career_years": "",
}


def fr_line(**overrides) -> str:
    cells = {**FR_BASE, **overrides}
    out = []
    for name in FIELDS:
        value = cells[name]
        out.append(f'"{value}"' if any(c in value for c in ';"\r\n') else value)
    return ";".join(out)


def fr_file(*lines: str) -> bytes:
    return codecs.BOM_UTF8 + "\r\n".join([";".join(FR_HEADERS.values()), *lines, ""]).encode()


def test_every_error_is_reported_with_line_and_column():
    data = fr_file(
        fr_line(),  # 2 valid
        fr_line(email="a@example.org", consent_date="31/02/2026"),  # 3
        fr_line(email="b@example.org", years_finance="abc"),  # 4
        fr_line(email="c@example.org", years_hr="-2"),  # 5
        fr_line(email="not-an-email"),  # 6
        fr_line(email="Claire.DUBOIS@example.org"),  # 7 duplicate of line 2
        fr_line(email="d@example.org", consent_date=""),  # 8 consent without date
        fr_line(
            email="e@example.org",
            first_name="",
            last_name="X" * 101,
            linkedin_url="linkedin.com/in/x",
            gdpr_consent="peut-être",
            years_legal="",
            years_it="2,55",
            years_sales_admin="61",
            years_purchasing="1e3",
            phone="0" * 41,
            source="S" * 61,
        ),  # 9 many at once
        fr_line(email="f@example.org", years_quality="2,50", consent_date="2026-11-04"),  # 10 valid
    )
    result = parse_candidates_csv(data)

    assert not result.ok
    assert error_positions(result) == [
        (3, "Date du consentement"),
        (4, "Finance (ans)"),
        (5, "RH (ans)"),
        (6, "E-mail"),
        (7, "E-mail"),
        (8, "Date du consentement"),
        (9, "Nom"),
        (9, "Prénom"),
        (9, "Téléphone"),
        (9, "Profil LinkedIn"),
        (9, "Source"),
        (9, "Consentement RGPD"),
        (9, "Juridique (ans)"),
        (9, "Informatique (ans)"),
        (9, "ADV (ans)"),
        (9, "Achats (ans)"),
    ]
    assert all(e.message for e in result.errors)
    # Only valid rows are returned; the first occurrence of the duplicated e-mail stays valid.
    assert [row.line for row in result.rows] == [2, 10]
    assert result.rows[1].values["years_quality"] == D("2.5")
    assert result.rows[1].values["consent_date"] == datetime.date(2026, 11, 4)


def test_duplicate_email_message_names_the_first_line():
    data = fr_file(fr_line(), fr_line(email="x@example.org"), fr_line(email="CLAIRE.dubois@example.org"))
    result = parse_candidates_csv(data)
    assert error_positions(result) == [(4, "E-mail")]
    assert re.search(r"\b2\b", result.errors[0].message)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("0", D("0")),
        ("50", D("50")),
        ("2,5", D("2.5")),
        ("2.5", D("2.5")),
        ("2,50", D("2.5")),
        (" 3 ", D("3")),
        ("0,0", D("0")),
    ],
)
def test_years_accepted(cell, expected):
    result = parse_candidates_csv(fr_file(fr_line(years_finance=cell)))
    assert result.ok, result.errors
    assert result.rows[0].values["years_finance"] == expected


@pytest.mark.parametrize(
    "cell", ["", "abc", "-1", "-0,5", "50,5", "51", "60", "2,55", "1e3", "2,5,1", "1/2", "NaN", "+3"]
)
def test_years_rejected(cell):
    result = parse_candidates_csv(fr_file(fr_line(years_finance=cell)))
    assert error_positions(result) == [(2, "Finance (ans)")]


def test_career_years_are_optional_and_cap_every_domain():
    """9 domains × 20 years with a 15-year career: every domain over the career is an error on its
    own line and column; an empty career cell is "not given"."""
    twenty = dict.fromkeys(YEARS_FIELDS, "20")
    data = fr_file(
        fr_line(**twenty, career_years="15"),  # 2: nine errors
        fr_line(email="b@example.org", **twenty, career_years="20"),  # 3 valid: equal is fine
        fr_line(email="c@example.org", **twenty),  # 4 valid: no career given
        fr_line(email="d@example.org", years_hr="12,5", career_years="12"),  # 5: HR over the career
        fr_line(email="e@example.org", career_years="61"),  # 6: career over 60
        fr_line(email="f@example.org", career_years="beaucoup"),  # 7: not a number
    )
    result = parse_candidates_csv(data)
    assert error_positions(result) == [
        *[(2, FR_HEADERS[name]) for name in YEARS_FIELDS],
        (5, "RH (ans)"),
        (6, "Expérience professionnelle (ans)"),
        (7, "Expérience professionnelle (ans)"),
    ]
    assert "20" in result.errors[0].message and "15" in result.errors[0].message
    assert "12,5" in result.errors[9].message and "12" in result.errors[9].message


def test_career_years_values():
    result = parse_candidates_csv(fr_file(fr_line(career_years="22,5"), fr_line(email="x@example.org")))
    assert result.ok, result.errors
    assert [row.values["career_years"] for row in result.rows] == [D("22.5"), None]


@pytest.mark.parametrize(
    "header",
    [
        "Expérience professionnelle (ans)",
        "Career (years)",
        "Expérience totale",
        "career length",
        "Ancienneté (ans)",
    ],
)
def test_career_header_spellings(header):
    assert csv_format.match_header(header) == "career_years"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Oui", True),
        ("oui", True),
        ("OUI", True),
        ("O", True),
        ("Yes", True),
        ("y", True),
        ("TRUE", True),
        ("1", True),
        ("Non", False),
        ("n", False),
        ("No", False),
        ("false", False),
        ("0", False),
        ("", False),
    ],
)
def test_booleans(cell, expected):
    date_cell = "03/11/2026" if expected else ""
    result = parse_candidates_csv(fr_file(fr_line(gdpr_consent=cell, consent_date=date_cell)))
    assert result.ok, result.errors
    assert result.rows[0].values["gdpr_consent"] is expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("03/11/2026", datetime.date(2026, 11, 3)),
        ("3/1/2026", datetime.date(2026, 1, 3)),
        ("2026-11-03", datetime.date(2026, 11, 3)),
        ("29/02/2028", datetime.date(2028, 2, 29)),
    ],
)
def test_dates_accepted(cell, expected):
    result = parse_candidates_csv(fr_file(fr_line(consent_date=cell)))
    assert result.ok, result.errors
    assert result.rows[0].values["consent_date"] == expected


@pytest.mark.parametrize(
    "cell", ["31/02/2026", "29/02/2027", "2026-13-01", "11/03/26", "2026/11/03", "03-11-2026", "demain"]
)
def test_dates_rejected(cell):
    result = parse_candidates_csv(fr_file(fr_line(consent_date=cell)))
    assert error_positions(result) == [(2, "Date du consentement")]


def test_consent_no_with_a_date_is_only_a_warning():
    result = parse_candidates_csv(fr_file(fr_line(gdpr_consent="Non", consent_date="03/11/2026")))
    assert result.ok
    assert [(w.line, w.column) for w in result.warnings] == [(2, "Date du consentement")]
    assert result.rows[0].values["consent_date"] == datetime.date(2026, 11, 3)


def test_row_with_extra_cells_is_an_error():
    result = parse_candidates_csv(fr_file(fr_line() + ";surplus", fr_line(email="x@example.org") + ";;"))
    assert [e.line for e in result.errors] == [2]
    assert [row.line for row in result.rows] == [3]


def test_short_row_missing_trailing_cells_counts_them_as_empty():
    short = fr_line().rsplit(";", 2)[0]  # no education nor career cell at all
    result = parse_candidates_csv(fr_file(short))
    assert result.ok, result.errors
    assert result.rows[0].values["education"] == ""
    assert result.rows[0].values["career_years"] is None


# --------------------------------------------------------------------------- line numbers


def test_blank_lines_are_skipped_and_line_numbers_stay_true():
    data = fr_file(
        fr_line(),  # 2
        "",  # 3
        ";;;;;;;;;;;;;;;;;;",  # 4 (Excel's empty row)
        "   ",  # 5
        fr_line(email="b@example.org"),  # 6
        "",  # 7
        fr_line(email="c@example.org", years_it="x"),  # 8
    )
    result = parse_candidates_csv(data)
    assert [row.line for row in result.rows] == [2, 6]
    assert error_positions(result) == [(8, "Informatique (ans)")]


def test_multiline_quoted_cell_keeps_line_numbers_of_following_rows():
    data = fr_file(
        fr_line(education="Master RH\r\nUniversité de Lille\r\npromotion 2010"),  # lines 2-4
        fr_line(email="b@example.org", city="Lyon\nVilleurbanne"),  # lines 5-6
        fr_line(email="c@example.org", years_hr="abc"),  # 7
        fr_line(email="d@example.org"),  # 8
    )
    result = parse_candidates_csv(data)
    assert [row.line for row in result.rows] == [2, 5, 8]
    assert result.rows[0].values["education"] == "Master RH\r\nUniversité de Lille\r\npromotion 2010"
    assert result.rows[1].values["city"] == "Lyon\nVilleurbanne"
    assert error_positions(result) == [(7, "RH (ans)")]


def test_leading_blank_lines_before_the_header_are_counted():
    result = parse_candidates_csv(b"\r\n\r\n" + fr_file(fr_line()).removeprefix(codecs.BOM_UTF8))
    assert result.header_line == 3
    assert [row.line for row in result.rows] == [4]


# --------------------------------------------------------------------------- writing and round trip


def test_french_export_format():
    rows = [row.values for row in parse_candidates_csv(sample_bytes("candidates_fr_cp1252.csv")).rows]
    data = write_candidates_csv(rows, dialect="fr")
    assert data.startswith(codecs.BOM_UTF8)
    text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
    lines = text.split("\r\n")
    assert lines[0] == ";".join(FR_HEADERS.values())
    # The samples' header, then the career column (empty: the samples do not give it).
    sample_header = sample_bytes("candidates_fr_utf8_bom.csv").decode("utf-8-sig").split("\r\n")[0]
    assert lines[0] == sample_header + ";Expérience professionnelle (ans)"
    assert lines[1] == (
        "Dubois;Claire;claire.dubois@example.org;06 12 34 56 78;Lyon;"
        "https://www.linkedin.com/in/claire-dubois-example;Cooptation;Oui;03/11/2026;"
        "4;3;3;2;3;2;2;2,5;1;École de commerce (généraliste);"
    )
    assert lines[2].startswith("Lefèvre;Marc;marc.lefevre@example.org;'+33 6 98 76 54 32;Paris;;Annonce;Oui;")
    assert ';"Lyon; Villeurbanne";' in lines[6]
    assert (
        lines[8]
        == "Haddad;Karim;karim.haddad@example.org;07 66 55 44 33;Marseille;;Annonce;Non;;1;0;0;1;1;0;0;0;0;BTS gestion;"
    )
    assert lines[-1] == ""  # CRLF after the last record
    assert "\n" not in text.replace("\r\n", "")


def test_english_export_format():
    rows = [row.values for row in parse_candidates_csv(sample_bytes("candidates_fr_utf8_bom.csv")).rows]
    data = write_candidates_csv(rows, dialect="en")
    assert not data.startswith(codecs.BOM_UTF8)
    lines = data.decode("utf-8").split("\r\n")
    assert lines[0] == ",".join(EN_HEADERS.values())
    assert lines[1] == (
        "Dubois,Claire,claire.dubois@example.org,06 12 34 56 78,Lyon,"
        "https://www.linkedin.com/in/claire-dubois-example,Cooptation,Yes,2026-11-03,"
        "4,3,3,2,3,2,2,2.5,1,École de commerce (généraliste),"
    )
    assert lines[8].startswith(
        "Haddad,Karim,karim.haddad@example.org,07 66 55 44 33,Marseille,,Annonce,No,,1,"
    )


@pytest.mark.parametrize("name", [*FR_SAMPLES, "candidates_en.csv"])
@pytest.mark.parametrize("dialect", ["fr", "en"])
def test_round_trip_parse_write_parse(name, dialect):
    path = FIXTURES / name if name == "candidates_en.csv" else sample_path(name)
    first = parse_candidates_csv(path.read_bytes())
    assert first.ok
    exported = write_candidates_csv([row.values for row in first.rows], dialect=dialect)
    second = parse_candidates_csv(exported)
    assert second.ok, second.errors
    assert second.warnings == []
    assert second.dialect_name == dialect
    assert second.delimiter == (";" if dialect == "fr" else ",")
    assert second.encoding == ("utf-8-sig" if dialect == "fr" else "utf-8")
    # The export adds the (empty) career column the samples do not have.
    assert [row.values for row in second.rows] == [{**row.values, "career_years": None} for row in first.rows]
    # Exporting again gives the very same bytes.
    assert write_candidates_csv([row.values for row in second.rows], dialect=dialect) == exported


@pytest.mark.parametrize(
    "value", ["=SUM(A1:A3)", "+33 6 12 34 56 78", "-x", "@cmd", "'=already quoted", "''+x", "'plain", "a=b"]
)
def test_formula_guard_round_trips_exactly(value):
    row = {
        **{name: D("0") for name in YEARS_FIELDS},
        "last_name": value,
        "first_name": "A",
        "email": "a@example.org",
        "education": value,
    }
    data = write_candidates_csv([row], dialect="fr")
    cells = data.decode("utf-8-sig").split("\r\n")[1].split(";")
    dangerous = value.lstrip("'")[:1] in "=+-@"
    assert cells[0] == ("'" + value if dangerous else value)
    result = parse_candidates_csv(data)
    assert result.ok, result.errors
    assert result.rows[0].values["last_name"] == value
    assert result.rows[0].values["education"] == value


def test_importer_strips_one_apostrophe_before_a_formula_character_only():
    data = fr_file(fr_line(phone="'+33 6 12 34 56 78", city="'Lyon", education="''=x"))
    values = parse_candidates_csv(data).rows[0].values
    assert (values["phone"], values["city"], values["education"]) == ("+33 6 12 34 56 78", "'Lyon", "'=x")


@pytest.mark.parametrize(
    ("value", "fr", "en"),
    [
        (D("4.0"), "4", "4"),
        (D("2.50"), "2,5", "2.5"),
        (D("14"), "14", "14"),
        (D("0.0"), "0", "0"),
        (D("-0"), "0", "0"),
        (10, "10", "10"),
        (D("1E+1"), "10", "10"),
        (0.5, "0,5", "0.5"),
        (None, "", ""),
    ],
)
def test_format_years(value, fr, en):
    assert csv_format.format_years(value) == fr
    assert csv_format.format_years(value, decimal_separator=".") == en


def test_writer_rejects_unknown_dialect_and_wrong_types():
    with pytest.raises(ValueError):
        write_candidates_csv([], dialect="de")
    with pytest.raises(TypeError):
        write_candidates_csv([{"consent_date": "2026-11-03"}])
    with pytest.raises(TypeError):
        write_candidates_csv([{"gdpr_consent": "Oui"}])
    with pytest.raises(TypeError):
        write_candidates_csv([{"years_it": True}])


def test_writer_with_no_rows_writes_the_header_only():
    assert (
        write_candidates_csv([], dialect="fr")
        == codecs.BOM_UTF8 + (";".join(FR_HEADERS.values()) + "\r\n").encode()
    )
    assert write_candidates_csv([], dialect="en") == (",".join(EN_HEADERS.values()) + "\r\n").encode()


# --------------------------------------------------------------------------- property: write → parse


def clean(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip())


_alphabet = st.one_of(
    st.characters(exclude_categories=("Cs", "Cc")),
    st.sampled_from(list(";,\"'\n\r\t=+-@ éÉèçœ€’")),
)


def clean_text(max_size: int, *, min_size: int = 0):
    return (
        st.text(_alphabet, max_size=max_size)
        .map(clean)
        .filter(lambda s: s == clean(s) and min_size <= len(s) <= max_size)
    )


_emails = st.builds(
    lambda local, domain: f"{local}@{domain}",
    st.from_regex(r"[A-Za-z0-9]{1,12}(\.[a-z0-9_-]{1,8})?", fullmatch=True),
    st.sampled_from(["example.org", "example.com", "Example.ORG", "sub.example.org"]),
)
_years = st.integers(min_value=0, max_value=500).map(lambda n: Decimal(n) / 10)
_dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 12, 31))


@st.composite
def candidate_rows(draw):
    consent = draw(st.booleans())
    row = {
        "last_name": draw(clean_text(100, min_size=1)),
        "first_name": draw(clean_text(100, min_size=1)),
        "email": draw(_emails),
        "phone": draw(clean_text(40)),
        "city": draw(clean_text(100)),
        "linkedin_url": draw(
            st.one_of(
                st.just(""),
                st.from_regex(r"[a-z0-9-]{1,30}", fullmatch=True).map(
                    lambda s: f"https://www.linkedin.com/in/{s}"
                ),
            )
        ),
        "source": draw(clean_text(60)),
        "gdpr_consent": consent,
        "consent_date": draw(_dates if consent else st.one_of(st.none(), _dates)),
        **{name: draw(_years) for name in YEARS_FIELDS},
        "education": draw(clean_text(200)),
    }
    # The career, when given, covers every domain (no domain may exceed it).
    row["career_years"] = draw(
        st.one_of(
            st.none(),
            st.integers(min_value=0, max_value=100).map(
                lambda extra: min(Decimal(60), max(row[name] for name in YEARS_FIELDS) + Decimal(extra) / 10)
            ),
        )
    )
    return row


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(candidate_rows(), min_size=1, max_size=5, unique_by=lambda r: r["email"].lower()),
    dialect=st.sampled_from(["fr", "en"]),
)
def test_property_write_then_parse_gives_the_same_values(rows, dialect):
    result = parse_candidates_csv(write_candidates_csv(rows, dialect=dialect))

    assert result.errors == []
    assert result.delimiter == (";" if dialect == "fr" else ",")
    assert result.dialect_name == dialect
    expected = [{**row, "email": row["email"].lower()} for row in rows]
    assert [row.values for row in result.rows] == expected
    assert [(w.line, w.column) for w in result.warnings] == [
        (row.line, result.headers["consent_date"])
        for row, src in zip(result.rows, rows, strict=True)
        if not src["gdpr_consent"] and src["consent_date"] is not None
    ]


# --------------------------------------------------------------------------- non-text files


def _documents():
    from tests.candidates import documents

    return documents


@pytest.mark.parametrize(
    ("maker", "kind"),
    [
        ("make_xlsx", "excel"),
        ("make_ole2", "excel"),
        ("make_zip", "archive"),
        ("make_docx", "archive"),
        ("make_png", "image"),
        ("make_pdf", "pdf"),
    ],
)
def test_a_non_text_file_is_recognised_from_its_first_bytes(maker, kind):
    data = getattr(_documents(), maker)()
    assert csv_format.binary_kind(data) == kind
    with pytest.raises(CsvFormatError) as caught:
        decode_csv_bytes(data)
    assert str(caught.value) == csv_format.not_csv_message(kind)
    assert "CSV UTF-8" in str(caught.value)  # (the English wording: tests/candidates/test_views.py)


def test_each_non_text_kind_has_its_own_message():
    messages = [csv_format.not_csv_message(kind) for kind in csv_format.BINARY_KINDS]
    assert len(set(messages)) == len(messages) == 4


def test_a_truncated_xlsx_is_still_an_excel_workbook():
    data = _documents().make_xlsx()
    assert csv_format.binary_kind(data[: len(data) // 2]) == "excel"  # central directory cut off


@pytest.mark.parametrize("name", [*FR_SAMPLES, "candidates_en.csv"])
def test_the_real_samples_are_text(name):
    data = sample_path(name).read_bytes() if name in FR_SAMPLES else (FIXTURES / name).read_bytes()
    assert csv_format.binary_kind(data) is None
    assert parse_candidates_csv(data).ok


def test_utf16_text_keeps_its_own_message():
    data = "Nom;Prénom\r\n".encode("utf-16")
    assert csv_format.binary_kind(data) is None
    with pytest.raises(CsvFormatError, match="UTF-16"):
        decode_csv_bytes(data)


# --------------------------------------------------------------------------- encoding as the user knows it


@pytest.mark.parametrize(
    ("sample", "language", "label"),
    [
        ("candidates_fr_utf8_bom.csv", "en", "UTF-8 (Excel)"),
        ("candidates_fr_utf8_bom.csv", "fr", "UTF-8 (Excel)"),
        ("candidates_fr_cp1252.csv", "en", "Windows (older Excel)"),
        ("candidates_fr_cp1252.csv", "fr", "Windows (ancien Excel)"),
    ],
)
def test_the_encoding_of_a_sample_is_named_as_the_user_knows_it(sample, language, label):
    from django.utils import translation

    from tests.conftest import sample_path

    _text, encoding = decode_csv_bytes(sample_path(sample).read_bytes())
    with translation.override(language):
        assert csv_format.encoding_label(encoding) == label


def test_plain_utf8_and_unknown_codecs_keep_their_name():
    assert csv_format.encoding_label("utf-8") == "UTF-8"
    assert csv_format.encoding_label("latin-9") == "latin-9"
    assert csv_format.encoding_label("") == csv_format.encoding_label(None) == ""
