"""The deployment artefacts: Dockerfile, compose, Kubernetes manifests and the HAProxy config
are checked without Docker or a cluster (parsed, cross-referenced, run where possible)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.settings import Settings, unknown_variables
from tests.deploy.topology import HAPROXY, HAPROXY_CFG, ROOT, needs_haproxy
from tests.support import JWT_SECRET, gateway_settings, live_server

DEPLOY = ROOT / "deploy"
#: ``${NAME:-default}`` and ``${NAME:?message}`` of compose files
INTERPOLATION = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def instruction(name: str) -> str:
    """The last ``name`` instruction of the Dockerfile, continuation lines joined."""
    text = dockerfile().replace("\\\n", " ")
    lines = [line for line in text.splitlines() if line.startswith(f"{name} ")]
    assert lines, name
    return lines[-1].removeprefix(f"{name} ").strip()


def k8s() -> dict[str, dict[str, Any]]:
    """Every Kubernetes object of deploy/k8s, by kind."""
    objects: dict[str, dict[str, Any]] = {}
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            objects[document["kind"]] = document
    return objects


def assert_valid_settings(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Every variable is a setting and together they make valid settings."""
    assert unknown_variables(env) == []
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    Settings()


def test_image_runs_the_gateway_as_a_non_root_user() -> None:
    assert "FROM python:3.11-slim" in dockerfile()
    assert instruction("USER").split(":")[0] not in {"root", "0"}
    assert json.loads(instruction("CMD")) == ["gateway", "serve", "--host", "0.0.0.0"]  # noqa: S104
    assert instruction("RUN").startswith("pip install '.[otel]' ")


def test_image_healthcheck_asks_healthz_with_python() -> None:
    healthcheck = instruction("HEALTHCHECK")
    command = json.loads(healthcheck[healthcheck.index("CMD ") + 4 :])
    assert command[:2] == ["python", "-c"]
    code = command[2]
    assert "http://127.0.0.1:8000/healthz" in code
    with live_server(gateway_settings()) as base:
        answered = subprocess.run(  # noqa: S603 - the image's own check, run here
            [sys.executable, "-c", code.replace("http://127.0.0.1:8000", base)], check=False
        )
    refused = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code.replace("8000", "9")], capture_output=True, check=False
    )
    assert answered.returncode == 0
    assert refused.returncode != 0


def test_dockerignore_sends_only_what_pip_install_needs() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in lines
    assert {"!pyproject.toml", "!README.md", "!gateway/", "!providers/"} <= set(lines)


def test_compose_runs_redis_two_gateways_and_haproxy(monkeypatch: pytest.MonkeyPatch) -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"redis", "gateway-1", "gateway-2", "haproxy"}
    for name in ("gateway-1", "gateway-2"):
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
        assert services[name]["build"]["dockerfile"] == "Dockerfile"
    assert "./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in services["haproxy"]["volumes"]
    haproxy_servers = re.findall(r"server (\S+) (\S+):8000", HAPROXY_CFG.read_text())
    assert haproxy_servers == [("gateway-1", "gateway-1"), ("gateway-2", "gateway-2")]
    given = {"GATEWAY_AUTH__JWT_SECRET": JWT_SECRET}

    def resolve(value: str) -> str:
        def one(match: re.Match[str]) -> str:
            name, kind, default = match.groups()
            return given.get(name, default if kind == "-" else "")

        return INTERPOLATION.sub(one, str(value))

    environment = services["gateway-1"]["environment"]
    env = {name: resolve(value) for name, value in environment.items()}
    assert env["GATEWAY_REDIS_URL"] == "redis://redis:6379/0"
    assert env["GATEWAY_AUTH__MODE"] == "jwt"
    assert "${GATEWAY_AUTH__JWT_SECRET:?" in str(environment["GATEWAY_AUTH__JWT_SECRET"])
    assert_valid_settings(env, monkeypatch)


def test_k8s_deployment_probes_drain_and_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    objects = k8s()
    deployment = objects["Deployment"]
    pod = deployment["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    assert int(pre_stop[1]) < pod["spec"]["terminationGracePeriodSeconds"]
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    sources = {next(iter(s)): next(iter(s.values()))["name"] for s in container["envFrom"]}
    assert sources == {
        "configMapRef": objects["ConfigMap"]["metadata"]["name"],
        "secretRef": objects["Secret"]["metadata"]["name"],
    }
    env = {**objects["ConfigMap"]["data"], **objects["Secret"]["stringData"]}
    assert_valid_settings(env, monkeypatch)


def test_k8s_service_and_budget_select_the_gateway_pods() -> None:
    objects = k8s()
    deployment = objects["Deployment"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert objects["Service"]["spec"]["selector"].items() <= labels.items()
    budget = objects["PodDisruptionBudget"]["spec"]
    assert budget["selector"]["matchLabels"].items() <= labels.items()
    assert budget["minAvailable"] < deployment["spec"]["replicas"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    port_names = {p["name"] for p in container["ports"]}
    assert {p["targetPort"] for p in objects["Service"]["spec"]["ports"]} <= port_names
    assert container["args"][:2] == ["gateway", "serve"]


@needs_haproxy
def test_haproxy_config_is_valid() -> None:
    assert HAPROXY is not None
    result = subprocess.run(  # noqa: S603 - the system's haproxy on our own config
        [HAPROXY, "-c", "-f", str(HAPROXY_CFG)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    text = "\n".join(line.split("#")[0] for line in HAPROXY_CFG.read_text().splitlines())
    assert "timeout tunnel" in text  # WebSockets outlive the HTTP timeouts
    assert "balance roundrobin" in text
    # no sticky sessions
    assert "stick-table" not in text
    assert "cookie" not in text
    assert "option httpchk GET /readyz" in text


def test_no_deploy_file_is_left_unchecked() -> None:
    files = [p for p in DEPLOY.rglob("*") if p.is_file() and p.name != ".env"]
    names = {p.relative_to(DEPLOY).as_posix() for p in files}
    assert names == {
        "compose.yaml",
        "haproxy.cfg",
        "k8s/configmap.yaml",
        "k8s/deployment.yaml",
        "k8s/pdb.yaml",
        "k8s/secret.yaml",
        "k8s/service.yaml",
    }
    assert Path(ROOT / "Dockerfile").is_file()
