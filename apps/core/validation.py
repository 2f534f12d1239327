"""Saving a model the way a form would have checked it, for services that build rows themselves."""

from django.core.exceptions import ValidationError

from .errors import RoseAshError

__all__ = ["save_validated"]


def save_validated(instance, code, *, about=""):
    """
    Run ``instance``'s validation (field validators, choices, uniqueness) and save it; refuse with
    ``RoseAshError(code)`` carrying every reason in one sentence, prefixed by ``about`` (a URL being
    imported, say) when given, so a service's caller learns what a form would have told a person.
    """
    try:
        instance.full_clean()
    except ValidationError as exc:
        reasons = " ".join(message for messages in exc.message_dict.values() for message in messages)
        raise RoseAshError(code, f"{about}: {reasons}" if about else reasons) from None
    instance.save()
    return instance
