"""docker-compose.yml (services mode) read with PyYAML: services, dependencies, and environment names that
match `app.config.Settings`. Docker does not run here, so this is the check that keeps the file honest."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.config import Settings

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = ("migrate", "api", "worker", "scheduler", "worker-gpu")
SETTINGS_NAMES = {field.alias or name for name, field in Settings.model_fields.items()}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _interpolate(value: str) -> str:
    """Compose-style ``${VAR:-default}`` -> default, ``${VAR:?message}`` -> a stand-in value."""
    value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)
    return re.sub(r"\$\{[A-Z_]+:\?[^}]*\}", "a-stand-in-secret-of-enough-length", value)


def test_services_present(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"db", "redis", *APP_SERVICES}
    assert compose["services"]["db"]["image"] == "pgvector/pgvector:pg17"
    assert compose["services"]["redis"]["image"].startswith("redis:")


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_environment_names_are_settings(compose: dict[str, Any], service: str) -> None:
    environment = compose["services"][service]["environment"]
    assert environment, f"{service} has no environment"
    unknown = set(environment) - SETTINGS_NAMES
    assert not unknown, f"{service} sets {sorted(unknown)}, which Settings does not read"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_environment_validates_as_settings(compose: dict[str, Any], service: str) -> None:
    environment = {k: _interpolate(str(v)) for k, v in compose["services"][service]["environment"].items()}
    settings = Settings(_env_file=None, **environment)  # type: ignore[arg-type]
    assert settings.env == "production"
    assert settings.database_url and "@db:5432/" in settings.database_url
    assert settings.redis_url == "redis://redis:6379/0"


def test_database_url_matches_db_service(compose: dict[str, Any]) -> None:
    db_env = compose["services"]["db"]["environment"]
    url = _interpolate(compose["services"]["api"]["environment"]["DATABASE_URL"])
    user, password = db_env["POSTGRES_USER"], _interpolate(db_env["POSTGRES_PASSWORD"])
    assert f"{user}:{password}@db:5432/{db_env['POSTGRES_DB']}" in url


AFTER_MIGRATION = {
    "db": "service_healthy",
    "redis": "service_healthy",
    "migrate": "service_completed_successfully",
}


@pytest.mark.parametrize(
    ("service", "needs"),
    [
        ("migrate", {"db": "service_healthy"}),
        ("api", AFTER_MIGRATION),
        ("worker", AFTER_MIGRATION),
        ("scheduler", AFTER_MIGRATION),
        ("worker-gpu", AFTER_MIGRATION),
    ],
)
def test_depends_on(compose: dict[str, Any], service: str, needs: dict[str, str]) -> None:
    depends = compose["services"][service]["depends_on"]
    assert {name: spec["condition"] for name, spec in depends.items()} == needs
    for name in depends:
        assert "healthcheck" in compose["services"][name] or name == "migrate"


def test_commands(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["command"] == ["pigwatch", "db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    assert services["api"]["command"][:2] == ["pigwatch", "serve"]
    assert "--no-migrate" in services["api"]["command"]
    assert services["worker"]["command"] == ["pigwatch", "worker", "--queues", "cpu"]
    assert services["worker-gpu"]["command"] == ["pigwatch", "worker", "--queues", "gpu"]
    assert "replicas" not in services["worker"].get("deploy", {})  # scale with --scale worker=N
    assert "container_name" not in services["worker"]
    beat = [name for name, service in services.items() if "--beat" in service.get("command", [])]
    assert beat == ["scheduler"]  # exactly one scheduler; the scalable worker never runs beat
    assert services["scheduler"]["command"][:2] == ["pigwatch", "worker"]


def test_gpu_worker_is_profiled_and_reserves_a_gpu(compose: dict[str, Any]) -> None:
    gpu = compose["services"]["worker-gpu"]
    assert gpu["profiles"] == ["gpu"]
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]
    assert "cu" in gpu["build"]["args"]["TORCH_INDEX_URL"]


def test_dockerfile_pins_torch_and_copies_the_migrations() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "-c constraints.txt" in dockerfile
    assert "torch==2.13.0" in dockerfile
    for path in ("alembic.ini", "migrations", "app", "workers", "models", "pigwatch"):
        assert re.search(rf"^COPY {re.escape(path)}\b", dockerfile, re.MULTILINE), path
