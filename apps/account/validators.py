from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.deconstruct import deconstructible

RESERVED_USERNAMES = frozenset(
    {"admin", "root", "staff", "support", "portal", "www", "instance", "actor", "actors", "inbox", "outbox"}
    | {"blog", "market", "cart", "events", "account", "federation"}
)

# The officially assigned ISO 3166-1 alpha-2 codes (249).
COUNTRY_CODES = frozenset(
    " ".join(
        (
            "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL",
            "BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV",
            "CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD",
            "GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM",
            "IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK",
            "LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW",
            "MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR",
            "PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS",
            "ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY",
            "UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW",
        )
    ).split()
)


@deconstructible
class HandleValidator(RegexValidator):
    """A username is also the member's fediverse handle (``@name@federation.<domain>``)."""

    regex = r"^[A-Za-z0-9_]{1,30}\Z"
    message = "Use 1 to 30 letters, digits or underscores: the username is also your fediverse handle."
    flags = 0


@deconstructible
class NotReservedValidator:
    """Site actors live at ``/actors/<site>``: a member may not take a site's or the platform's name."""

    def __call__(self, value):
        if value.lower() in RESERVED_USERNAMES:
            raise ValidationError("This username is reserved for the platform.", code="reserved")

    def __eq__(self, other):
        return isinstance(other, NotReservedValidator)


@deconstructible
class CountryCodeValidator:
    """A country is its ISO 3166-1 alpha-2 code, which carriers and payment providers expect."""

    def __call__(self, value):
        if (value or "").upper() not in COUNTRY_CODES:
            raise ValidationError(
                "Give the country as its two-letter ISO 3166 code, e.g. GB, FR or DE.", code="country_invalid"
            )

    def __eq__(self, other):
        return isinstance(other, CountryCodeValidator)
