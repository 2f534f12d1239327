"""
A mail backend that writes each message to its own file, so a test can count what left a worker
process (Django's file backend writes one file per connection, and locmem stays in the process).

``ROSEASH_TEST_MAIL_DIR`` names the folder. ``ROSEASH_TEST_MAIL_HANG_AFTER=n`` makes the process
stop for good right after writing its n-th message: a worker caught there has handed the mail over
but not yet recorded it, the window in which a crash tests "at most once".
``ROSEASH_TEST_MAIL_REFUSE_FIRST=n`` refuses the process's first n connections, as a mail server
that is down for a while, and leaves a ``refused-<i>`` file for each.
"""

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend

_counts = {"written": 0, "refused": 0}  # per process, as the hang and the refusals are


class RecordingBackend(BaseEmailBackend):
    def open(self):
        folder = Path(os.environ["ROSEASH_TEST_MAIL_DIR"])
        if _counts["refused"] < int(os.environ.get("ROSEASH_TEST_MAIL_REFUSE_FIRST", "0")):
            _counts["refused"] += 1
            (folder / f"refused-{_counts['refused']}").touch()
            raise ConnectionRefusedError("the mail server is down")
        return True

    def send_messages(self, email_messages):
        self.open()
        folder = Path(os.environ["ROSEASH_TEST_MAIL_DIR"])
        hang_after = int(os.environ.get("ROSEASH_TEST_MAIL_HANG_AFTER", "0"))
        for message in email_messages:
            name = folder / f"{uuid.uuid4().hex}.eml"
            partial = name.with_suffix(".part")
            partial.write_bytes(message.message().as_bytes())
            partial.rename(name)  # whole files only: a reader never sees half a message
            _counts["written"] += 1
            if hang_after and _counts["written"] == hang_after:
                time.sleep(3600)
        return len(email_messages)


def recipients(folder):
    """Return the ``To`` of every message written to ``folder``, one entry per message."""
    found = []
    for path in Path(folder).glob("*.eml"):
        for line in path.read_text().splitlines():
            if line.startswith("To: "):
                found.append(line[4:].strip())
                break
    return found
