"""docker/compose.yml, the Dockerfile and .dockerignore, read as files: no Docker engine is needed."""

import re

import pytest
from django.conf import settings

from tests.docker.files import compose, dockerfile_instructions, exec_form
from tests.docker.processes import DOCKER, PROJECT

APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING = ("web", "worker", "beat")
REQUIRED = ("SECRET_KEY", "ROSEASH_DOMAIN", "POSTGRES_PASSWORD", "OIDC_RSA_PRIVATE_KEY")


@pytest.fixture(scope="module")
def services():
    return compose()["services"]


def instructions(op):
    return [arguments for name, arguments in dockerfile_instructions() if name == op]


# --- compose.yml -------------------------------------------------------------------------------


def test_the_services_are_the_databases_one_image_in_four_roles_and_a_media_server(services):
    assert set(services) == {"postgres", "redis", "media", *APP_SERVICES}
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    for name in APP_SERVICES:
        build = services[name]["build"]
        assert (DOCKER / build["context"]).resolve() == PROJECT
        assert (PROJECT / build["dockerfile"]).resolve() == DOCKER / "Dockerfile"
        assert services[name]["image"] == "roseash:${ROSEASH_VERSION:-latest}"


def test_the_databases_keep_their_data_in_volumes(services):
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "redis-data:/data" in services["redis"]["volumes"]
    assert "--appendonly" in services["redis"]["command"]  # queued tasks survive a restart
    assert {"postgres-data", "redis-data"} <= set(compose()["volumes"])


def test_postgres_redis_and_web_have_health_checks(services):
    assert services["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    # compose probes web exactly as the image's own HEALTHCHECK does.
    (image_check,) = instructions("HEALTHCHECK")
    assert services["web"]["healthcheck"]["test"] == ["CMD", *exec_form(image_check.split(" CMD ", 1)[1])]
    assert services["web"]["healthcheck"]["test"][1:] == ["python", "docker/healthcheck.py"]


def test_uploaded_media_are_served_by_nginx_read_only_from_the_volume_web_and_worker_write(services):
    media = services["media"]
    assert media["image"].startswith("nginx:")
    assert "media:/srv/media:ro" in media["volumes"]
    assert "./media.conf:/etc/nginx/conf.d/default.conf:ro" in media["volumes"]
    assert settings.MEDIA_URL == "/media/"
    assert "location /media/" in (DOCKER / "media.conf").read_text()
    for name in ("web", "worker"):
        assert "media:/var/lib/roseash/media" in services[name]["volumes"]  # MEDIA_ROOT under ROSEASH_VAR_DIR
    assert media["ports"] == ["${MEDIA_PUBLISH:-127.0.0.1:8001}:8080"]
    assert "ROSEASH_SERVE_MEDIA" not in services["web"]["environment"]  # Django does not serve them there


def test_migrate_waits_for_a_healthy_postgres_only(services):
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_start_after_migrate_succeeded_and_the_databases_are_healthy(services, name):
    assert services[name]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert services[name]["restart"] == "unless-stopped"


def test_only_the_one_shot_migrate_service_migrates(services):
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["restart"] == "no"
    for name in LONG_RUNNING:
        assert not any("migrate" in part for part in services[name]["command"]), name
    (default_command,) = instructions("CMD")
    assert "migrate" not in default_command


def test_required_variables_stop_compose_when_unset(services):
    text = (DOCKER / "compose.yml").read_text()
    for variable in REQUIRED:
        assert f"${{{variable}:?set {variable}}}" in text
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_app_container_runs_in_production_mode_on_the_compose_services(services, name):
    env = services[name]["environment"]
    assert env["DEBUG"] == "false"
    assert env["ROSEASH_SCHEME"] == "https"
    assert env["SECRET_KEY"] == "${SECRET_KEY:?set SECRET_KEY}"
    assert env["ROSEASH_DOMAIN"] == "${ROSEASH_DOMAIN:?set ROSEASH_DOMAIN}"
    assert env["DATABASE_URL"].startswith(
        "postgresql://roseash:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}@postgres:5432/"
    )
    # The cache and the broker share one Redis, in separate databases.
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["CELERY_BROKER_URL"] == "redis://redis:6379/1"


def test_web_runs_gunicorn_on_the_wsgi_application_published_to_the_proxy_only(services):
    web = services["web"]
    (default_command,) = instructions("CMD")
    assert web["command"] == exec_form(default_command)
    assert web["command"][0] == "gunicorn"
    assert web["command"][-1] == "roseash.wsgi"
    config = web["command"][web["command"].index("--config") + 1]
    assert (PROJECT / config).is_file()
    assert web["ports"] == ["${WEB_PUBLISH:-127.0.0.1:8000}:8000"]


def test_the_worker_consumes_every_queue_the_settings_declare(services):
    command = services["worker"]["command"]
    assert command[:4] == ["celery", "-A", "roseash", "worker"]
    queues = command[command.index("-Q") + 1].split(",")
    assert sorted(queues) == sorted(queue.name for queue in settings.CELERY_TASK_QUEUES)


def test_beat_keeps_its_schedule_in_a_volume(services):
    command = services["beat"]["command"]
    assert command[:4] == ["celery", "-A", "roseash", "beat"]
    (schedule,) = [part.split("=", 1)[1] for part in command if part.startswith("--schedule=")]
    mounts = dict(volume.split(":")[::-1] for volume in services["beat"]["volumes"])
    assert mounts[schedule.rsplit("/", 1)[0]] in compose()["volumes"]
    assert "deploy" not in services["beat"]  # never scaled: two beats send every periodic task twice


def test_every_variable_compose_reads_is_documented_in_env_example():
    used = set(re.findall(r"\$\{(\w+)", (DOCKER / "compose.yml").read_text()))
    documented = set(re.findall(r"^#?(\w+)=", (DOCKER / "env.example").read_text(), re.MULTILINE))
    assert used
    assert used <= documented, used - documented


def test_env_example_leaves_the_settings_compose_fixes_alone(services):
    set_in_example = set(re.findall(r"^(\w+)=", (DOCKER / "env.example").read_text(), re.MULTILINE))
    assert set(REQUIRED) <= set_in_example
    assert not set_in_example & set(services["web"]["environment"]) - set(REQUIRED)


# --- Dockerfile --------------------------------------------------------------------------------


def test_every_stage_starts_from_python_3_11_slim():
    stages = instructions("FROM")
    assert stages
    assert all(stage.split()[0] == "python:3.11-slim" for stage in stages)


def test_the_processes_run_as_an_unprivileged_user():
    users = instructions("USER")
    assert users
    assert users[-1] not in ("root", "0")
    ops = [op for op, _ in dockerfile_instructions()]
    assert ops.index("USER") < ops.index("CMD")


def test_pinned_requirements_are_installed():
    assert any("requirements.txt" in step for step in instructions("RUN") + instructions("COPY"))
    requirements = [line.split("#")[0].strip() for line in (PROJECT / "requirements.txt").read_text().splitlines()]
    assert all("==" in line for line in requirements if line)


def test_static_files_are_collected_with_a_key_that_lives_for_that_command_only():
    (step,) = [step for step in instructions("RUN") if "collectstatic" in step]
    assert re.search(r"\bDEBUG=false SECRET_KEY=\S+ python manage.py collectstatic --no-input\b", step)
    assert not [args for args in instructions("ENV") + instructions("ARG") if "SECRET_KEY" in args]


def test_the_image_serves_gunicorn_on_8000_through_the_entrypoint():
    assert instructions("EXPOSE") == ["8000"]
    (entrypoint,) = instructions("ENTRYPOINT")
    assert exec_form(entrypoint) == ["docker/entrypoint.sh"]
    (command,) = instructions("CMD")
    assert exec_form(command)[0] == "gunicorn"
    assert exec_form(command)[-1] == "roseash.wsgi"


def test_secrets_and_local_state_stay_out_of_the_image():
    ignored = set((PROJECT / ".dockerignore").read_text().split())
    assert {".git", "**/.env", ".venv", "var"} <= ignored
