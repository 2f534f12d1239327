"""The one error type users see: a stable code for programs and a sentence for people."""

__all__ = ["RoseAshError"]


class RoseAshError(Exception):
    """
    Raise from a service when a request cannot be done as asked.

    ``code`` is stable and machine-readable (``"fragment_unknown"``); ``message`` tells a person
    what went wrong and, where possible, what to do. ``status`` is the HTTP status a view answers.
    """

    def __init__(self, code, message, *, status=400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def as_dict(self):
        return {"error": self.code, "message": self.message}
