"""Candidate CSV file format: decode, sniff, parse and validate, write. Pure: no ORM, no database.

Two dialects are read and written:

* ``"fr"`` — French Excel "CSV UTF-8": UTF-8 with BOM, ``;`` delimiter, CRLF, decimal comma
  (``2,5``), dates ``dd/mm/yyyy``, ``Oui``/``Non``, French headers (``FR_HEADERS``).
* ``"en"`` — UTF-8 without BOM, ``,`` delimiter, ISO dates ``yyyy-mm-dd``, decimal point,
  ``Yes``/``No``, English headers (``EN_HEADERS``).

The reader is tolerant on the *shape* of the file: encoding (UTF-8 with or without BOM, else
cp1252), delimiter (sniffed), header spelling (case, accents, spaces, "E-mail"/"Email"/"Courriel",
"(ans)"/"(years)"), line endings, blank lines. It is strict on *values*: every cell is validated
and every problem is reported with the physical line where its record starts and the column
header as written in the file. Both date styles, both decimal separators and both boolean
vocabularies are accepted whatever the header language.

Decisions (documented here because the service and the UI rely on them):

* **Empty years cell → error.** None of the sample rows leaves a years cell empty (every
  domain without experience is written ``0``), so an empty cell is treated as a forgotten
  value, not as zero: "write 0 if none". A missing years *column* is a file-level error too.
* **Years**: ``0`` to ``50`` per domain, ``,`` or ``.`` as decimal separator, at most one
  significant decimal place (``2,5`` and ``2,50`` are accepted, ``2,55`` is an error). Returned as
  ``Decimal`` quantized to ``0.1`` (fits ``DecimalField(max_digits=3, decimal_places=1)``).
* **Career years** (optional column "Expérience professionnelle (ans)" / "Career (years)"): the
  same number rules, ``0`` to ``60``; an empty cell means "not given" (``None``). When given, no
  domain may count more years than the career: each such domain cell is an error on its line.
* **Consent**: ``gdpr_consent`` true without ``consent_date`` → error (the database has the
  same check constraint); false *with* a date → warning only (the date is kept).
* **Booleans**: Oui/Non/Yes/No/True/False/Vrai/Faux/1/0/O/N/Y, case-insensitive; empty → False.
* **Dates**: ``dd/mm/yyyy`` (day and month may have one digit) or ``yyyy-mm-dd``; impossible
  dates (31/02/2026) are errors; empty → ``None``.
* **Duplicates**: the same e-mail twice in one file (case-insensitive) → error on the second
  occurrence, naming the line of the first.
* **Formula injection** (OWASP "CSV injection"): on export, a cell starting with ``=``, ``+``,
  ``-``, ``@``, tab or carriage return gets a leading apostrophe, so ``+33 6 98 76 54 32`` is
  written ``'+33 6 98 76 54 32``. To keep the round trip exact, a cell that starts with
  apostrophes followed by one of those characters also gets one more apostrophe on export, and
  the importer removes exactly one leading apostrophe from any cell matching
  ``'+[=+\\-@\\t\\r]...``. A value that legitimately starts with ``'=`` therefore survives
  export → import unchanged.
* **Values dict**: ``ParsedRow.values`` holds the fields whose column is in the file (all
  required fields always are, otherwise the file is rejected); absent optional columns are not
  filled in, so an import never blanks a value it was not given.
* **File-level errors** (missing or duplicated columns): rows are still checked so that every
  problem is reported at once, but ``ParseResult.rows`` is then empty.

Messages are English msgids passed through ``gettext`` (French comes from the catalogue) once
Django is set up (``apps.ready``), so the module also works without settings (scripts, tests).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import filetype
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_noop


def _(message: str) -> str:
    """Translate ``message`` (an English msgid) once Django is set up; unchanged before that.

    ``gettext`` needs configured settings and, with ``USE_I18N``, a ready app registry; checking
    ``apps.ready`` keeps this module usable from plain scripts and settings-free tests.
    """
    if apps.ready:
        return gettext(message)
    return message


#: The encodings ``decode_csv_bytes`` reports, as the import preview names them: the kind of file a
#: user knows (what Excel writes), not the codec.
ENCODING_LABELS: dict[str, str] = {
    "utf-8-sig": gettext_noop("UTF-8 (Excel)"),  # "CSV UTF-8" of Excel: UTF-8 with a byte-order mark
    "utf-8": "UTF-8",
    "cp1252": gettext_noop("Windows (older Excel)"),  # "CSV (separator: semicolon)" of Excel for Windows
}


def encoding_label(encoding: str | None) -> str:
    """The user's name of ``encoding`` (``"utf-8-sig"`` → "UTF-8 (Excel)", ``"cp1252"`` →
    "Windows (older Excel)", ``"utf-8"`` → "UTF-8"), translated; an unknown codec name comes back
    as given, and ``None`` or ``""`` as ``""``."""
    if not encoding:
        return ""
    label = ENCODING_LABELS.get(encoding)
    return _(label) if label else encoding


# --------------------------------------------------------------------------- fields and headers

YEARS_FIELDS: tuple[str, ...] = (
    "years_finance",
    "years_hr",
    "years_legal",
    "years_it",
    "years_sales_admin",
    "years_purchasing",
    "years_general_services",
    "years_communication",
    "years_quality",
)

FIELDS: tuple[str, ...] = (
    "last_name",
    "first_name",
    "email",
    "phone",
    "city",
    "linkedin_url",
    "source",
    "gdpr_consent",
    "consent_date",
    *YEARS_FIELDS,
    "education",
    "career_years",
)
"""Canonical field names, in export column order (the optional career column last, so that files
written before it existed keep their column positions)."""

REQUIRED_FIELDS: tuple[str, ...] = ("last_name", "first_name", "email", *YEARS_FIELDS)
"""Columns a file must have (file-level error otherwise). Other columns may be absent."""

STRING_FIELDS: tuple[str, ...] = ("last_name", "first_name", "phone", "city", "source", "education")

MAX_LENGTHS: dict[str, int] = {
    "last_name": 100,
    "first_name": 100,
    "email": 254,
    "phone": 40,
    "city": 100,
    "linkedin_url": 200,
    "source": 60,
    "education": 200,
}

MAX_YEARS = Decimal("50")
MAX_CAREER_YEARS = Decimal("60")

FR_HEADERS: dict[str, str] = {
    "last_name": "Nom",
    "first_name": "Prénom",
    "email": "E-mail",
    "phone": "Téléphone",
    "city": "Ville",
    "linkedin_url": "Profil LinkedIn",
    "source": "Source",
    "gdpr_consent": "Consentement RGPD",
    "consent_date": "Date du consentement",
    "years_finance": "Finance (ans)",
    "years_hr": "RH (ans)",
    "years_legal": "Juridique (ans)",
    "years_it": "Informatique (ans)",
    "years_sales_admin": "ADV (ans)",
    "years_purchasing": "Achats (ans)",
    "years_general_services": "Services généraux (ans)",
    "years_communication": "Communication (ans)",
    "years_quality": "Qualité et procédures (ans)",
    "education": "Formation initiale",
    "career_years": "Expérience professionnelle (ans)",
}

EN_HEADERS: dict[str, str] = {
    "last_name": "Last name",
    "first_name": "First name",
    "email": "Email",
    "phone": "Phone",
    "city": "City",
    "linkedin_url": "LinkedIn profile",
    "source": "Source",
    "gdpr_consent": "GDPR consent",
    "consent_date": "Consent date",
    "years_finance": "Finance (years)",
    "years_hr": "HR (years)",
    "years_legal": "Legal (years)",
    "years_it": "IT (years)",
    "years_sales_admin": "Sales administration (years)",
    "years_purchasing": "Purchasing (years)",
    "years_general_services": "General services (years)",
    "years_communication": "Communication (years)",
    "years_quality": "Quality and procedures (years)",
    "education": "Education",
    "career_years": "Career (years)",
}

DIALECTS = ("fr", "en")

# Extra spellings accepted on import, by language ("fr", "en"), as *normalised* keys
# (see ``normalize_header``). The official headers above are added automatically.
_FR_ALIASES: dict[str, tuple[str, ...]] = {
    "last_name": ("nom de famille", "nom famille"),
    "first_name": (),
    "email": ("email", "courriel", "mail", "adresse e mail", "adresse email", "adresse mail"),
    "phone": ("tel", "telephone portable", "portable", "mobile", "numero de telephone"),
    "city": ("localisation", "lieu"),
    "linkedin_url": ("linkedin", "url linkedin", "lien linkedin", "profil linked in"),
    "source": ("origine", "provenance"),
    "gdpr_consent": ("rgpd", "consentement", "consentement rgpd oui non"),
    "consent_date": (
        "date de consentement",
        "date consentement",
        "date du consentement rgpd",
        "date consentement rgpd",
    ),
    "career_years": ("experience", "experience totale", "carriere", "annees d experience", "anciennete"),
    "years_finance": (),
    "years_hr": ("ressources humaines",),
    "years_legal": ("droit",),
    "years_it": ("si", "systemes d information"),
    "years_sales_admin": ("administration des ventes",),
    "years_purchasing": ("achat",),
    "years_general_services": (),
    "years_communication": (),
    "years_quality": ("qualite", "qualite procedures", "qualite et procedure", "qualite and procedures"),
    "education": ("formation", "diplome"),
}
_EN_ALIASES: dict[str, tuple[str, ...]] = {
    "last_name": ("lastname", "surname", "family name"),
    "first_name": ("firstname", "given name"),
    "email": ("e mail", "mail", "email address", "e mail address"),
    "phone": ("phone number", "telephone", "mobile"),
    "city": ("town", "location"),
    "linkedin_url": ("linkedin", "linkedin url", "linkedin profile url"),
    "source": ("origin",),
    "gdpr_consent": ("gdpr", "consent"),
    "consent_date": ("date of consent", "gdpr consent date"),
    "career_years": ("career length", "professional experience", "total experience", "experience total"),
    "years_finance": (),
    "years_hr": ("human resources",),
    "years_legal": (),
    "years_it": ("information technology",),
    "years_sales_admin": ("sales admin",),
    "years_purchasing": ("procurement",),
    "years_general_services": (),
    "years_communication": ("communications",),
    "years_quality": ("quality", "quality procedures", "quality and procedure"),
    "education": ("degree",),
}

# Unit suffixes dropped from a normalised header: "Finance (ans)", "Finance (years)",
# "Finance (en années)", "Finance yrs" and "Finance" all name years_finance.
_UNIT_SUFFIX = re.compile(r"(?:\s+(?:en|in|nb|nombre d|number of))?\s+(?:ans?|annees?|years?|yrs?)$")


def normalize_header(text: str) -> str:
    """Normalise a header cell for matching: ``"  Services Généraux (ANS) "`` → ``"services generaux"``.

    Accents removed (NFKD), case folded, every run of non-alphanumeric characters turned into
    one space, a trailing unit ("ans", "années", "years"...) dropped. Returns ``""`` for an
    empty cell. Never raises.
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ")
    text = re.sub(r"[^0-9a-z]+", " ", text).strip()
    stripped = _UNIT_SUFFIX.sub("", text).strip()
    return stripped or text


def _build_header_index() -> dict[str, tuple[str, str]]:
    """``{normalised header: (field, language)}``; "both" when French and English agree."""
    index: dict[str, tuple[str, str]] = {}

    def add(key: str, name: str, lang: str) -> None:
        previous = index.get(key)
        if previous is None:
            index[key] = (name, lang)
        elif previous[0] != name:  # pragma: no cover - guards the alias tables themselves
            raise AssertionError(f"header alias {key!r} maps to {previous[0]} and {name}")
        elif previous[1] != lang:
            index[key] = (name, "both")

    for lang, headers, aliases in (("fr", FR_HEADERS, _FR_ALIASES), ("en", EN_HEADERS, _EN_ALIASES)):
        for name in FIELDS:
            add(normalize_header(headers[name]), name, lang)
            for alias in aliases[name]:
                add(normalize_header(alias), name, lang)
    return index


_HEADER_INDEX = _build_header_index()


def match_header(text: str) -> str | None:
    """Canonical field named by a header cell (``"Courriel"`` → ``"email"``), or ``None``."""
    found = _HEADER_INDEX.get(normalize_header(text))
    return found[0] if found else None


# --------------------------------------------------------------------------- results


class CsvFormatError(Exception):
    """The file cannot be read at all: undecodable bytes, empty file, no header row.

    ``str(exc)`` is a user-facing (translated when settings are configured) message.
    """


@dataclass
class Issue:
    """One problem. ``line``: physical line (1-based) where the record starts (the header is
    line 1 unless blank lines precede it); ``column``: the header as written in the file, or the
    canonical field name when the column is absent (file-level errors); ``message``: user-facing
    text (English msgid, translated once Django is set up)."""

    line: int
    column: str
    message: str


@dataclass
class RowError(Issue):
    """An ``Issue`` that blocks the import (the row, or the whole file, is rejected)."""


@dataclass
class RowWarning(Issue):
    """An ``Issue`` that does not block the import (unknown column ignored, date without consent)."""


@dataclass
class ParsedRow:
    """A valid data row: ``line`` where the record starts; ``values`` ``{field: value}``.

    Value types: strings (stripped, NFC, ``""`` when empty) for names, phone, city, source,
    education, linkedin_url; ``email`` lowercased ``str``; ``gdpr_consent`` ``bool``;
    ``consent_date`` ``datetime.date | None``; ``years_*`` ``Decimal`` quantized to 0.1;
    ``career_years`` ``Decimal | None``.
    Only fields whose column is present in the file are included.
    """

    line: int
    values: dict[str, object]


@dataclass
class ParseResult:
    """Outcome of ``parse_candidates_csv``.

    ``rows``: valid rows only (empty when there is any file-level error); ``errors``: every
    file-level and row-level error, in file order; ``warnings``: non-blocking issues;
    ``encoding``: ``"utf-8-sig"``, ``"utf-8"`` or ``"cp1252"``; ``delimiter``: ``";"``, ``","``
    or ``"\\t"``; ``dialect_name``: ``"fr"`` or ``"en"``, the header set that matched best;
    ``headers``: ``{field: header as written}`` for the recognised columns; ``header_line``:
    physical line of the header row.
    """

    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    dialect_name: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    header_line: int = 1

    @property
    def ok(self) -> bool:
        """True when there is no error at all (file-level or row-level)."""
        return not self.errors


# --------------------------------------------------------------------------- decoding & sniffing

#: First bytes of an OLE2 compound file: legacy Excel ``.xls`` (and Word ``.doc``) files.
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: ``filetype`` MIME types that are archives (a ZIP is looked into: an Excel .xlsx is one).
_ARCHIVE_MIMES = frozenset(
    {
        "application/zip",
        "application/x-tar",
        "application/x-rar-compressed",
        "application/gzip",
        "application/x-bzip2",
        "application/x-7z-compressed",
        "application/x-xz",
        "application/zstd",
        "application/x-compress",
        "application/x-lzip",
        "application/x-lz4",
        "application/x-lzop",
        "application/x-brotli",
        "application/vnd.ms-cab-compressed",
    }
)
_EXCEL_MIMES = frozenset(
    {
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)
_ZIP_MAGIC = b"PK\x03\x04"

#: Kinds of non-text file ``binary_kind`` recognises.
BINARY_KINDS = ("excel", "archive", "image", "pdf")


def _zip_is_workbook(data: bytes) -> bool:
    """True when a ZIP holds a spreadsheet: an Excel workbook's ``xl/`` folder (or an OpenDocument
    spreadsheet's MIME type). A damaged ZIP is judged by its local headers' names."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names and archive.read("mimetype").startswith(
                b"application/vnd.oasis.opendocument.spreadsheet"
            ):
                return True
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError):
        return b"xl/" in data
    return any(name.startswith("xl/") for name in names)


def binary_kind(data: bytes) -> str | None:
    """What a non-text upload looks like, from its first bytes (``filetype``'s signatures).

    Returns ``"excel"`` (an .xlsx — a ZIP holding ``xl/`` —, an OpenDocument spreadsheet, or an
    OLE2 compound file such as a legacy .xls), ``"archive"`` (any other ZIP, gzip, 7z, RAR…),
    ``"image"``, ``"pdf"``, or ``None`` for anything else — every text file, CSV or not, and
    binary kinds not listed (the decoder then says what it can). Never raises.
    """
    if data.startswith(_OLE2_MAGIC):
        return "excel"
    kind = filetype.guess(data[:8192])
    mime = kind.mime if kind is not None else ""
    if mime in _EXCEL_MIMES:
        return "excel"
    if (
        data.startswith(_ZIP_MAGIC)
        or mime in _ARCHIVE_MIMES
        or mime.endswith("+zip")
        or mime.startswith("application/vnd.openxmlformats-officedocument.")
        or mime.startswith("application/vnd.oasis.opendocument.")
    ):
        return "excel" if _zip_is_workbook(data) else "archive"
    if mime == "application/pdf":
        return "pdf"
    if mime.startswith("image/"):
        return "image"
    return None


def not_csv_message(kind: str) -> str:
    """The user-facing message for a file of ``kind`` (see ``binary_kind``), translated."""
    messages = {
        "excel": _(
            "This is not a CSV file (it looks like an Excel workbook): export it from Excel as CSV UTF-8."
        ),
        "archive": _("This is not a CSV file (it looks like an archive): export it from Excel as CSV UTF-8."),
        "image": _("This is not a CSV file (it looks like an image): export it from Excel as CSV UTF-8."),
        "pdf": _("This is not a CSV file (it looks like a PDF): export it from Excel as CSV UTF-8."),
    }
    return messages[kind]


def check_is_text(data: bytes) -> None:
    """Raise ``CsvFormatError`` with ``not_csv_message`` when ``data`` is a workbook, an archive,
    an image or a PDF (see ``binary_kind``); return ``None`` otherwise."""
    kind = binary_kind(data)
    if kind is not None:
        raise CsvFormatError(not_csv_message(kind))


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """Decode uploaded CSV bytes.

    Tries strict UTF-8 (a leading UTF-8 BOM is removed), then cp1252 — nothing else, no
    guessing. Returns ``(text, encoding)`` with ``encoding`` one of ``"utf-8-sig"`` (BOM was
    present), ``"utf-8"``, ``"cp1252"``.

    Raises ``CsvFormatError`` when the bytes are a workbook, an archive, an image or a PDF
    (``check_is_text``: "this is not a CSV file…"), UTF-16/UTF-32 (BOM or NUL bytes: Excel's
    "Unicode text" export) or when cp1252 fails too (bytes 0x81, 0x8D, 0x8F, 0x90, 0x9D).
    """
    check_is_text(data)
    if (
        data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        or b"\x00" in data
    ):
        raise CsvFormatError(
            _(
                "This file is in UTF-16 or another unsupported encoding. "
                "Save it from Excel as “CSV UTF-8 (comma delimited)”."
            )
        )
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise CsvFormatError(
                _(
                    "The file starts with a UTF-8 marker but byte %(position)s is not valid UTF-8. "
                    "Save it again as “CSV UTF-8”."
                )
                % {"position": exc.start + len(codecs.BOM_UTF8) + 1}
            ) from exc
    try:
        return data.decode("utf-8", errors="strict"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252", errors="strict"), "cp1252"
    except UnicodeDecodeError as exc:
        raise CsvFormatError(
            _(
                "The file encoding is not recognised (byte %(position)s is neither UTF-8 nor Windows-1252). "
                "Save it from Excel as “CSV UTF-8 (comma delimited)”."
            )
            % {"position": exc.start + 1}
        ) from exc


_DELIMITERS = ";,\t"
_SNIFF_LINES = 20


class _CandidateDialect(csv.Dialect):
    delimiter = ";"
    quotechar = '"'
    doublequote = True
    skipinitialspace = False
    lineterminator = "\r\n"
    quoting = csv.QUOTE_MINIMAL
    strict = False


def _make_dialect(delimiter: str) -> csv.Dialect:
    cls = type("SniffedDialect", (_CandidateDialect,), {"delimiter": delimiter})
    return cls()


def _physical_lines(text: str) -> list[str]:
    """Lines as the csv module sees them (``\\n``, ``\\r\\n`` or ``\\r``), endings kept."""
    return io.StringIO(text, newline="").readlines()


def sniff_dialect(text: str) -> csv.Dialect:
    """Find the delimiter (``;``, ``,`` or tab) of decoded CSV text.

    Runs ``csv.Sniffer().sniff(sample, delimiters=";,\\t")`` on the first 20 lines. The result
    is kept only if that delimiter occurs in the header line; otherwise (or when sniffing
    fails) the delimiter occurring most often in the header line wins (``,`` if none does,
    i.e. a one-column file). Only the delimiter is taken from the sniffer: the returned dialect
    always uses ``"`` quoting with doubled quotes, no initial-space skipping, CRLF on output.
    Never raises.
    """
    lines = _physical_lines(text)
    header = next((line for line in lines if line.strip()), "")
    try:
        sniffed = csv.Sniffer().sniff("".join(lines[:_SNIFF_LINES]), delimiters=_DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed is not None and len(sniffed) == 1 and sniffed in _DELIMITERS and sniffed in header:
        return _make_dialect(sniffed)
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])  # ties: first in ";,\t" order
    return _make_dialect(best if counts[best] else ",")


# --------------------------------------------------------------------------- value parsing

_FORMULA_TRIGGERS = "=+-@\t\r"
_ESCAPED_FORMULA = re.compile(r"'+[=+\-@\t\r]")
_NEEDS_ESCAPE = re.compile(r"'*[=+\-@\t\r]")

_TRUE = frozenset({"oui", "o", "yes", "y", "true", "vrai", "1"})
_FALSE = frozenset({"non", "n", "no", "false", "faux", "0"})

_DATE_FR = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_DATE_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_TENTH = Decimal("0.1")

_url_validator = URLValidator(schemes=["http", "https"])


class _CellError(Exception):
    """Internal: a cell value is invalid; ``args[0]`` is the user-facing message."""


def _clean_cell(raw: str) -> str:
    """Strip whitespace, NFC-normalise, remove the export's anti-formula apostrophe."""
    value = unicodedata.normalize("NFC", raw.strip())
    if _ESCAPED_FORMULA.match(value):
        value = value[1:]
    return value


def _parse_bool(value: str) -> bool:
    if not value:
        return False
    folded = value.casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise _CellError(_("“%(value)s” is not a yes/no value: write Oui/Non or Yes/No.") % {"value": value})


def _parse_date(value: str) -> date | None:
    if not value:
        return None
    if m := _DATE_FR.fullmatch(value):
        day, month, year = (int(g) for g in m.groups())
    elif m := _DATE_ISO.fullmatch(value):
        year, month, day = (int(g) for g in m.groups())
    else:
        raise _CellError(_("“%(value)s” is not a date: write dd/mm/yyyy or yyyy-mm-dd.") % {"value": value})
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise _CellError(_("“%(value)s” is not an existing date.") % {"value": value}) from exc


def _parse_years(value: str, maximum: Decimal = MAX_YEARS) -> Decimal:
    if not value:
        raise _CellError(_("Number of years required: write 0 if none."))
    compact = value.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    if re.fullmatch(r"[-\u2212]\s*" + _NUMBER.pattern, compact):
        raise _CellError(_("The number of years cannot be negative (“%(value)s”).") % {"value": value})
    if not _NUMBER.fullmatch(compact):
        raise _CellError(_("“%(value)s” is not a number of years (e.g. 3 or 2,5).") % {"value": value})
    number = Decimal(compact.replace(",", "."))
    quantized = number.quantize(_TENTH)
    if quantized != number:
        raise _CellError(_("“%(value)s”: at most one decimal place (e.g. 2,5).") % {"value": value})
    if quantized > maximum:
        raise _CellError(_("“%(value)s” years is more than %(max)s.") % {"value": value, "max": maximum})
    return quantized


def _parse_email(value: str) -> str:
    if not value:
        raise _CellError(_("The e-mail address is required."))
    email = value.lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise _CellError(_("“%(value)s” is not a valid e-mail address.") % {"value": value}) from exc
    return email


def _parse_url(value: str) -> str:
    if not value:
        return ""
    try:
        _url_validator(value)
    except ValidationError as exc:
        raise _CellError(
            _("“%(value)s” is not a valid web address (it must start with https://).") % {"value": value}
        ) from exc
    return value


def _check_length(name: str, value: str) -> None:
    limit = MAX_LENGTHS.get(name)
    if limit is not None and len(value) > limit:
        raise _CellError(
            _("Too long: %(length)s characters, at most %(limit)s.") % {"length": len(value), "limit": limit}
        )


def _parse_value(name: str, value: str) -> object:
    if name == "email":
        result: object = _parse_email(value)
    elif name == "linkedin_url":
        result = _parse_url(value)
    elif name == "gdpr_consent":
        return _parse_bool(value)
    elif name == "consent_date":
        return _parse_date(value)
    elif name in YEARS_FIELDS:
        return _parse_years(value)
    elif name == "career_years":
        return _parse_years(value, MAX_CAREER_YEARS) if value else None
    else:
        if name in ("last_name", "first_name") and not value:
            raise _CellError(_("This value is required."))
        result = value
    _check_length(name, value)
    return result


# --------------------------------------------------------------------------- parsing


def _number(value: int) -> str:
    """``value`` with the active language's thousands separator once Django is set up."""
    if apps.ready:
        return number_format(value, force_grouping=True)
    return str(value)


def _records(text: str, dialect: csv.Dialect, offset: int = 0) -> Iterable[tuple[int, list[str]]]:
    """Yield ``(line where the record starts, cells)`` for every record, blank ones included;
    ``offset`` lines precede ``text`` in the file (a ``sep=`` line).

    Raises ``CsvFormatError`` naming the line where the record starts when Python's reader gives
    up on it: a cell longer than ``csv.field_size_limit()`` (131,072 characters — no cell of a
    candidates file is anywhere near that; it is almost always a quote never closed, which runs
    to the end of the file) or any other ``csv.Error``. The whole file is refused (all-or-nothing)."""
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    previous_end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = previous_end + 1 + offset
            if "field larger than field limit" in str(exc):
                message = _(
                    "Line %(line)d: a cell is longer than %(max)s characters, probably because a "
                    'quotation mark (") is never closed. Nothing was imported; correct the file and '
                    "upload it again."
                ) % {"line": line, "max": _number(csv.field_size_limit())}
            else:
                message = _(
                    "Line %(line)d cannot be read as CSV (%(error)s). Nothing was imported; correct "
                    "the file and upload it again."
                ) % {"line": line, "error": exc}
            raise CsvFormatError(message) from exc
        yield previous_end + 1 + offset, cells
        previous_end = reader.line_num


def _is_blank(cells: list[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def parse_candidates_csv(data: bytes) -> ParseResult:
    """Parse and validate an uploaded candidates CSV (French Excel or English format).

    Args: the raw file bytes. Returns a ``ParseResult`` (see its docstring): valid rows, every
    error and warning with line and column, the detected encoding, delimiter and header
    language. An optional first line ``sep=;`` (Excel hint) is honoured and skipped.

    File-level errors (in ``errors``, ``line`` = header line, ``column`` = canonical field
    name or header text): a required column missing (names, e-mail, the nine years columns),
    two columns naming the same field. Unknown columns are warnings and are ignored.

    Raises ``CsvFormatError`` when the file cannot be decoded, is empty (only blank lines) or
    its first non-blank row names none of the expected columns (no header row).
    """
    text, encoding = decode_csv_bytes(data)
    if not text.strip():
        raise CsvFormatError(_("The file is empty."))

    line_offset = 0
    first_line = _physical_lines(text)[0]
    if sep := re.fullmatch(r"sep=(.)\s*", first_line, flags=re.IGNORECASE):
        delimiter = sep.group(1)
        if delimiter not in _DELIMITERS:
            raise CsvFormatError(
                _("Unsupported delimiter “%(delimiter)s”: use ; or ,.") % {"delimiter": delimiter}
            )
        dialect = _make_dialect(delimiter)
        text = text[len(first_line) :]
        line_offset = 1
    else:
        dialect = sniff_dialect(text)

    result = ParseResult(encoding=encoding, delimiter=dialect.delimiter)
    records = _records(text, dialect, offset=line_offset)

    # Header row: the first non-blank record.
    for line, cells in records:
        if not _is_blank(cells):
            header_line, header_cells = line, cells
            break
    else:
        raise CsvFormatError(_("The file is empty."))
    result.header_line = header_line

    columns: dict[int, str] = {}  # cell index -> field
    votes = {"fr": 0, "en": 0}
    for index, raw in enumerate(header_cells):
        header = raw.strip()
        if not header:
            continue
        found = _HEADER_INDEX.get(normalize_header(header))
        if found is None:
            result.warnings.append(
                RowWarning(
                    line=header_line,
                    column=header,
                    message=_("Unknown column “%(column)s”: it is ignored.") % {"column": header},
                )
            )
            continue
        name, lang = found
        if name in result.headers:
            result.errors.append(
                RowError(
                    line=header_line,
                    column=header,
                    message=_(
                        "Columns “%(first)s” and “%(second)s” both give the same information; keep only one."
                    )
                    % {"first": result.headers[name], "second": header},
                )
            )
            continue
        columns[index] = name
        result.headers[name] = header
        if lang in votes:
            votes[lang] += 1
    if not columns:
        raise CsvFormatError(
            _(
                "The first line of the file is not a header row: none of the expected "
                "column names (Nom, Prénom, E-mail…) was found."
            )
        )
    if votes["fr"] != votes["en"]:
        result.dialect_name = "fr" if votes["fr"] > votes["en"] else "en"
    else:
        result.dialect_name = "fr" if dialect.delimiter == ";" else "en"

    for name in REQUIRED_FIELDS:
        if name not in result.headers:
            wanted = FR_HEADERS[name] if result.dialect_name == "fr" else EN_HEADERS[name]
            result.errors.append(
                RowError(
                    line=header_line,
                    column=name,
                    message=_("Required column “%(column)s” is missing.") % {"column": wanted},
                )
            )
    file_level_ok = not result.errors

    first_line_of_email: dict[str, int] = {}
    width = len(header_cells)
    for line, cells in records:
        if _is_blank(cells):
            continue
        row_errors: list[RowError] = []
        extra = [i for i in range(width, len(cells)) if cells[i].strip()]
        if extra:
            row_errors.append(
                RowError(
                    line=line,
                    column=_("column %(number)s") % {"number": extra[0] + 1},
                    message=_(
                        "This row has %(cells)s cells but the header has %(columns)s: a value probably "
                        "contains an unquoted delimiter."
                    )
                    % {"cells": len(cells), "columns": width},
                )
            )
        values: dict[str, object] = {}
        failed: set[str] = set()
        for index, name in columns.items():
            raw = cells[index] if index < len(cells) else ""
            try:
                values[name] = _parse_value(name, _clean_cell(raw))
            except _CellError as exc:
                failed.add(name)
                row_errors.append(RowError(line=line, column=result.headers[name], message=str(exc.args[0])))

        # Cross-field rules (skipped when one of the cells involved is already wrong).
        consent_column = result.headers.get("consent_date", "consent_date")
        if (
            values.get("gdpr_consent") is True
            and "consent_date" not in failed
            and values.get("consent_date") is None
        ):
            row_errors.append(
                RowError(
                    line=line,
                    column=consent_column,
                    message=_("GDPR consent is “yes” but the consent date is missing."),
                )
            )
        if values.get("gdpr_consent") is False and values.get("consent_date") is not None:
            result.warnings.append(
                RowWarning(
                    line=line,
                    column=consent_column,
                    message=_("A consent date is given but GDPR consent is “no”."),
                )
            )
        career = values.get("career_years")
        separator = "," if result.dialect_name == "fr" else "."
        if career is not None:
            for name in YEARS_FIELDS:
                years = values.get(name)
                if years is not None and name not in failed and years > career:
                    row_errors.append(
                        RowError(
                            line=line,
                            column=result.headers[name],
                            message=_(
                                "%(years)s years is more than the career (%(career)s years): no domain may "
                                "exceed it."
                            )
                            % {
                                "years": format_years(years, decimal_separator=separator),
                                "career": format_years(career, decimal_separator=separator),
                            },
                        )
                    )
        email = values.get("email")
        if isinstance(email, str):
            first = first_line_of_email.get(email)
            if first is None:
                first_line_of_email[email] = line
            else:
                row_errors.append(
                    RowError(
                        line=line,
                        column=result.headers["email"],
                        message=_("The e-mail address %(email)s already appears on line %(line)s.")
                        % {"email": email, "line": first},
                    )
                )

        if row_errors:
            result.errors.extend(row_errors)
        elif file_level_ok:
            result.rows.append(ParsedRow(line=line, values=values))
    return result


# --------------------------------------------------------------------------- writing


def _escape_formula(cell: str) -> str:
    return "'" + cell if _NEEDS_ESCAPE.match(cell) else cell


def format_years(value: object, *, decimal_separator: str = ",") -> str:
    """``Decimal("4.0")`` → ``"4"``, ``Decimal("2.5")`` → ``"2,5"``; ``None``/``""`` → ``""``.

    Accepts ``Decimal``, ``int``, ``float`` or a numeric string. Raises ``TypeError`` for other
    types (``bool`` included) and ``ValueError`` for NaN/infinity.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise TypeError(f"years must be a number, not {type(value).__name__}")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).replace(",", "."))
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    if number == 0:
        return "0"
    text = format(number.normalize(), "f")
    return text.replace(".", decimal_separator)


def _format_date(value: object, dialect: str) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        raise TypeError(f"consent_date must be a date, not {type(value).__name__}")
    if dialect == "fr":
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _format_bool(value: object, dialect: str) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, bool):
        raise TypeError(f"gdpr_consent must be a bool, not {type(value).__name__}")
    if dialect == "fr":
        return "Oui" if value else "Non"
    return "Yes" if value else "No"


def write_candidates_csv(rows: Iterable[Mapping[str, object]], *, dialect: str = "fr") -> bytes:
    """Export candidates as CSV bytes that ``parse_candidates_csv`` reads back to the same values.

    Args: ``rows`` mappings keyed by canonical field names (missing keys → empty cell, extra keys
    ignored; values as in ``ParsedRow.values``: str, bool, date, Decimal/int); ``dialect``
    ``"fr"`` (UTF-8 with BOM, ``;``, decimal comma, dd/mm/yyyy, Oui/Non, ``FR_HEADERS``) or
    ``"en"`` (UTF-8, ``,``, decimal point, yyyy-mm-dd, Yes/No, ``EN_HEADERS``). Both use CRLF
    line endings (RFC 4180) and minimal quoting; columns in ``FIELDS`` order; years without
    trailing zeros ("4", "2,5"); cells starting with = + - @ tab CR get a leading apostrophe
    (see the module docstring).

    Raises ``ValueError`` for an unknown dialect, ``TypeError`` for a value of the wrong type
    (e.g. a string as ``consent_date``).
    """
    if dialect not in DIALECTS:
        raise ValueError(f"unknown CSV dialect {dialect!r}; expected one of {DIALECTS}")
    headers = FR_HEADERS if dialect == "fr" else EN_HEADERS
    out = io.StringIO(newline="")
    writer = csv.writer(out, _make_dialect(";" if dialect == "fr" else ","))
    writer.writerow([headers[name] for name in FIELDS])
    separator = "," if dialect == "fr" else "."
    for row in rows:
        cells = []
        for name in FIELDS:
            value = row.get(name)
            if name == "gdpr_consent":
                cell = _format_bool(value, dialect)
            elif name == "consent_date":
                cell = _format_date(value, dialect)
            elif name in YEARS_FIELDS or name == "career_years":
                cell = format_years(value, decimal_separator=separator)
            else:
                cell = "" if value is None else str(value)
            cells.append(_escape_formula(cell))
        writer.writerow(cells)
    encoded = out.getvalue().encode("utf-8")
    return codecs.BOM_UTF8 + encoded if dialect == "fr" else encoded
