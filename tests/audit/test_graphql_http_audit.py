"""The graphql-http server audit (every MUST, SHOULD and MAY check) against a live gateway.

Needs node; ``node_modules`` is installed from ``package-lock.json`` with ``npm ci`` when
missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support import gateway_settings, live_server

HERE = Path(__file__).resolve().parent
AUDIT_SCRIPT = HERE / "audit.mjs"
EXPECTED_AUDITS = 61

pytestmark = pytest.mark.audit


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the graphql-http audit runs on Node.js")
    return node


def _install_audit_package() -> None:
    if (HERE / "node_modules" / "graphql-http").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("node_modules is missing and npm is not installed: run `npm ci` in tests/audit")
    subprocess.run(  # noqa: S603 - fixed arguments
        [npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, timeout=300
    )


def _run_audit(node: str, url: str) -> list[dict[str, Any]]:
    completed = subprocess.run(  # noqa: S603 - fixed arguments
        [node, str(AUDIT_SCRIPT), url],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    results: list[dict[str, Any]] = json.loads(completed.stdout)
    return results


def test_every_graphql_over_http_audit_passes() -> None:
    node = _node()
    _install_audit_package()
    # the audit's variables checks query `__type(name: $name)`
    with live_server(gateway_settings(introspection=True)) as base:
        results = _run_audit(node, f"{base}/graphql")
    failures = [r for r in results if r["status"] != "ok"]
    report = "\n".join(
        f"  [{r['status']}] {r['id']} {r['name']}: {r['reason']} (HTTP {r['httpStatus']})"
        for r in failures
    )
    print(f"graphql-http audit: {len(results) - len(failures)}/{len(results)} passed")
    assert not failures, f"{len(failures)} audits failed:\n{report}"
    assert len(results) == EXPECTED_AUDITS
