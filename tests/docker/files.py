"""Read the packaging files as Docker and Compose would: compose.yml as YAML, the Dockerfile as instructions."""

import json
import re

import yaml

from tests.docker.processes import DOCKER


def compose():
    return yaml.safe_load((DOCKER / "compose.yml").read_text())


def dockerfile_instructions():
    """Return the Dockerfile's ``(INSTRUCTION, arguments)`` pairs, continuation lines joined."""
    text = (DOCKER / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [tuple(line.split(None, 1)) for line in joined.splitlines() if line.strip()]


def exec_form(arguments):
    """Return the argument list of an exec-form instruction such as ``CMD ["gunicorn", ...]``."""
    return json.loads(arguments)
