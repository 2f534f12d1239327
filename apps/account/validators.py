from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.deconstruct import deconstructible

RESERVED_USERNAMES = frozenset(
    {"admin", "root", "staff", "support", "portal", "www", "instance", "actor", "actors", "inbox", "outbox"}
    | {"blog", "market", "cart", "events", "account", "federation"}
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
