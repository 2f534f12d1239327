#!/usr/bin/env bash
# Entrypoint of every Rose Ash container: wait for the database, then run the command.
#
#   migrate [options]   apply migrations and exit: the one-shot `migrate` service, so that migrations
#                       run once per deployment and not in every web or worker container
#   anything else       run as given (gunicorn, celery worker, celery beat, python manage.py ...)
set -euo pipefail
cd "$(dirname "$0")/.."

python manage.py wait_for_db --timeout "${DB_WAIT_TIMEOUT:-60}"

if [[ "${1:-}" == "migrate" ]]; then
    shift
    exec python manage.py migrate --no-input "$@"
fi
exec "$@"
