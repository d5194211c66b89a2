"""compose.yaml against the settings the app reads (Docker cannot run on this machine).

Checks the file as `docker compose` would read it (PyYAML, anchors and merge keys
resolved): every variable given to the ShopMirror image is a setting of app/settings.py
with a value it accepts, the two instances, the worker and the migration share the
database, broker, storage and secret, the proxy sends to both instances and checks
their `/healthz`, and the commands are ones the image has.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from app.cli import build_parser
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
SERVICES: dict[str, dict] = COMPOSE["services"]
SHARED = (
    "DATABASE_URL",
    "BROKER_URL",
    "STORAGE_BACKEND",
    "S3_ENDPOINT_URL",
    "S3_BUCKET",
    "S3_REGION",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "SECRET_KEY",
)
INTERPOLATION = re.compile(r"\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}")


def _ours() -> dict[str, dict]:
    """The services that run the ShopMirror image (built from the Dockerfile)."""
    return {name: s for name, s in SERVICES.items() if s.get("build") == "."}


def _command(service: dict) -> list[str]:
    command = service.get("command", [])
    return shlex.split(command) if isinstance(command, str) else list(command)


def _apps() -> dict[str, dict]:
    return {
        n: s for n, s in _ours().items() if _command(s)[:2] == ["uvicorn", "app.main:create_app"]
    }


def _port(service: dict) -> str:
    [port] = [a.split("=", 1)[1] for a in _command(service) if a.startswith("--port=")]
    return port


def _interpolated(value: str) -> str:
    """A value as compose would pass it: defaults used, required ones given a sample."""
    return INTERPOLATION.sub(lambda m: m.group(2) if m.group(2) is not None else "s" * 48, value)


def test_the_topology_has_the_parts_a_deployment_needs():
    commands = {name: _command(s) for name, s in _ours().items()}
    assert sorted(_apps()) == ["app1", "app2"]
    assert [n for n, c in commands.items() if c == ["shopmirror", "worker"]] == ["worker"]
    assert [n for n, c in commands.items() if c == ["shopmirror", "migrate"]] == ["migrate"]
    images = {s["image"].split(":")[0] for s in SERVICES.values() if "image" in s}
    assert {"postgres", "redis", "minio/minio", "caddy", "shopmirror"} <= images
    assert len({s["image"] for s in _ours().values()}) == 1, "one image for app and worker"
    for name in [*_apps(), "worker"]:
        needs = SERVICES[name]["depends_on"]
        assert needs["migrate"] == {"condition": "service_completed_successfully"}, name


def test_every_variable_given_to_the_app_is_a_setting_it_reads_with_a_value_it_accepts():
    assert not Settings.model_config.get("env_prefix"), "settings are read without a prefix"
    known = {name.upper() for name in Settings.model_fields}
    for name, service in _ours().items():
        environment = service["environment"]
        assert isinstance(environment, dict), f"{name}: environment as a mapping"
        unknown = set(environment) - known
        assert not unknown, f"{name} sets variables the app never reads: {sorted(unknown)}"
        values = {k.lower(): _interpolated(str(v)) for k, v in environment.items()}
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        assert settings.database_url.startswith("postgresql+psycopg://")
        assert settings.broker_url.startswith("redis://")
        assert settings.storage_backend == "s3"


def test_the_instances_the_worker_and_the_migration_share_database_broker_and_storage():
    sharing = {name: _ours()[name]["environment"] for name in [*_apps(), "worker", "migrate"]}
    for variable in SHARED:
        values = {name: env.get(variable) for name, env in sharing.items()}
        assert len(set(values.values())) == 1 and None not in values.values(), (variable, values)


def _caddy_upstreams() -> tuple[list[str], str]:
    """The reverse_proxy upstreams of deploy/Caddyfile and its health_uri."""
    text = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    lines = [line.split("#", 1)[0].split() for line in text.splitlines()]
    [upstreams] = [words[1:-1] for words in lines if words[:1] == ["reverse_proxy"]]
    [health] = [words[1] for words in lines if words[:1] == ["health_uri"]]
    return upstreams, health


def test_the_proxy_sends_to_both_instances_and_checks_their_healthz():
    [proxy] = [s for s in SERVICES.values() if str(s.get("image", "")).startswith("caddy")]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    upstreams, health = _caddy_upstreams()
    assert sorted(upstreams) == sorted(f"{name}:{_port(s)}" for name, s in _apps().items())
    assert health == "/healthz"
    assert set(proxy["depends_on"]) == set(_apps())


@pytest.mark.parametrize("name", ["app1", "app2"])
def test_each_instance_s_healthcheck_asks_healthz_on_its_own_port(name):
    service = SERVICES[name]
    probe = " ".join(service["healthcheck"]["test"])
    assert f"http://127.0.0.1:{_port(service)}/healthz" in probe


def test_the_commands_are_ones_the_image_has():
    parser = build_parser()
    for name, service in _ours().items():
        command = _command(service)
        if command[0] == "shopmirror":
            parser.parse_args(command[1:])  # exits (fails the test) on an unknown command
        else:
            assert "--factory" in command and "--proxy-headers" in command, name
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for needed in ("COPY app ./app", "COPY migrations ./migrations", "alembic.ini", "pip install"):
        assert needed in dockerfile
