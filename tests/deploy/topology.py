"""The deploy/ topology on loopback: two ``gateway serve`` processes sharing Redis, and
HAProxy run with deploy/haproxy.cfg pointed at them."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.gateway.events.conftest import REDIS_URL
from tests.gateway.test_cli import running
from tests.support import JWT_SECRET, free_port

ROOT = Path(__file__).resolve().parents[2]
HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
HAPROXY = shutil.which("haproxy") or (
    "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None
)
START_TIMEOUT = 20

needs_haproxy = pytest.mark.skipif(
    HAPROXY is None, reason="haproxy is not installed (apt-get install haproxy; .ci/run does it)"
)


@dataclass
class Replica:
    base: str
    process: subprocess.Popen[str]


@dataclass
class Topology:
    balancer: str
    replicas: list[Replica]
    stats_socket: Path

    def server_stats(self) -> dict[str, dict[str, str]]:
        """HAProxy's ``show stat`` of the gateway backend's servers, by server name."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(self.stats_socket))
            sock.sendall(b"show stat\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        lines = b"".join(chunks).decode().splitlines()
        header = lines[0].lstrip("# ").split(",")
        rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:] if line]
        return {r["svname"]: r for r in rows if r["pxname"] == "gateway" and r["type"] == "2"}


def replica_environment(prefix: str) -> dict[str, str]:
    """What deploy/compose.yaml and deploy/k8s give every replica, with sandbox providers."""
    return {
        "GATEWAY_REDIS_URL": REDIS_URL,
        "GATEWAY_EVENTS__REDIS_PREFIX": prefix,
        "GATEWAY_AUTH__MODE": "jwt",
        "GATEWAY_AUTH__JWT_SECRET": JWT_SECRET,
        "GATEWAY_SANDBOX": "true",
    }


def haproxy_config(port: int, replicas: list[str], stats_socket: Path) -> str:
    """deploy/haproxy.cfg listening on loopback, its servers replaced by ``replicas``."""
    text = HAPROXY_CFG.read_text()
    assert "bind :8080" in text
    text = text.replace("bind :8080", f"bind 127.0.0.1:{port}")
    for i, address in enumerate(replicas, start=1):
        line = f"server gateway-{i} gateway-{i}:8000"
        assert line in text
        text = text.replace(line, f"server gateway-{i} {address}")
    # a faster health check than production's, and an admin socket to read it from
    text = text.replace("check inter 2s", "check inter 200ms")
    return text.replace("global\n", f"global\n    stats socket {stats_socket} mode 600\n", 1)


def wait_for(condition: str, check: Callable[[], bool], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.05)
    output = log.read_text() if log.exists() else ""
    pytest.fail(f"{condition} in time; haproxy said:\n{output}")


@contextmanager
def haproxy(config: str, directory: Path) -> Iterator[subprocess.Popen[bytes]]:
    assert HAPROXY is not None
    path = directory / "haproxy.cfg"
    path.write_text(config)
    check = subprocess.run(  # noqa: S603 - the system's haproxy on our own config
        [HAPROXY, "-c", "-q", "-f", str(path)], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stderr
    with (directory / "haproxy.log").open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [HAPROXY, "-db", "-f", str(path)], stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            process.terminate()
            process.wait(timeout=10)


@contextmanager
def topology(prefix: str) -> Iterator[Topology]:
    """Two replicas behind HAProxy, both seen UP by its health checks."""
    env = replica_environment(prefix)
    with ExitStack() as stack:
        replicas = [Replica(*stack.enter_context(running("serve", **env))) for _ in range(2)]
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        port = free_port()
        addresses = [r.base.removeprefix("http://") for r in replicas]
        stats_socket = directory / "admin.sock"
        stack.enter_context(haproxy(haproxy_config(port, addresses, stats_socket), directory))
        result = Topology(f"http://127.0.0.1:{port}", replicas, stats_socket)

        def all_up() -> bool:
            stats = result.server_stats()
            return len(stats) == 2 and all(s["status"] == "UP" for s in stats.values())

        wait_for("HAProxy did not see both replicas UP", all_up, directory / "haproxy.log")
        yield result
