"""
``EMAIL_URL``: the whole mail configuration in one environment variable, as ``DATABASE_URL`` is.

    smtp://user:password@host:25            plain SMTP (add ?tls=true for STARTTLS)
    submission://user:password@host:587     SMTP with STARTTLS (port 587 by default)
    smtps://user:password@host:465          SMTP over TLS (port 465 by default)
    console://                              print mails (development)
    file:///var/mail/roseash                one file per connection in that folder
    locmem://                               keep mails in memory (tests)

User and password are percent-decoded, so ``p%40ss`` is ``p@ss``.
"""

from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
SMTP = "django.core.mail.backends.smtp.EmailBackend"
SMTP_PORTS = {"smtp": 25, "submission": 587, "smtps": 465}
TRUE = ("1", "true", "yes", "on")


def parse_email_url(url: str) -> dict:
    """Return the ``EMAIL_*`` settings ``url`` names; raise ImproperlyConfigured saying what is wrong."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme in BACKENDS:
        settings = {"EMAIL_BACKEND": BACKENDS[scheme]}
        if scheme == "file":
            if not parts.path:
                raise ImproperlyConfigured("EMAIL_URL=file:// needs a folder: file:///var/mail/roseash")
            settings["EMAIL_FILE_PATH"] = unquote(parts.path)
        return settings
    if scheme not in SMTP_PORTS:
        raise ImproperlyConfigured(
            f"EMAIL_URL has the scheme {scheme!r}; use smtp://, submission://, smtps://, console://, file:// or locmem://."
        )
    if not parts.hostname:
        raise ImproperlyConfigured("EMAIL_URL names no host: give e.g. submission://user:password@mail.example.org")
    try:
        port = parts.port or SMTP_PORTS[scheme]
    except ValueError:
        raise ImproperlyConfigured("EMAIL_URL has a port that is not a number.") from None
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": scheme == "submission" or query.get("tls", "").lower() in TRUE,
        "EMAIL_USE_SSL": scheme == "smtps" or query.get("ssl", "").lower() in TRUE,
    }
