"""The OCI distribution-spec conformance test (``../shared/oci-conformance``, built by ``.ci/install-tools``) against
``ecr-mock serve``, in the default mode and in strict mode (where the password is a random token from
GetAuthorizationToken), logged in as ``AWS`` as docker is.

It must pass more checks than Debian's distribution 2.8.2 does on this kind of machine, and every check it fails
must be one that docs/differences.md explains as ECR's own behaviour: a new failure fails this test with its name
and the conformance test's reason. The test exits 1 whenever any check fails, so the figures come from its
``junit.xml``; a summary goes to this test's output.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from _serve_process import Client, ServeProcess
from _tools import require, run, stop

REFERENCE_PASSED = 703  # Debian's distribution 2.8.2 here: 703 passed, 99 failed of 848
REPOSITORIES = ("conformance/repo1", "conformance/repo2")
RUN_TIMEOUT = 240.0  # it takes about 4 s; a generous bound on a loaded 2-core machine
# docs/differences.md, "The registry API": ECR stores an image under the sha256 digest of its manifest only, so a
# manifest pushed by a sha512 digest is refused (DIGEST_INVALID) and cannot be read back by it. Three checks, each
# run for the image, the index and the nested index.
ALLOWED_FAILURES = {
    "OCI Conformance Test/sha512/push/manifest-by-digest": 3,
    "OCI Conformance Test/sha512/head/manifest-head-by-digest": 3,
    "OCI Conformance Test/sha512/pull/manifest-by-digest": 3,
}


@dataclass(frozen=True)
class Results:
    """What one conformance run's junit.xml says."""

    tests: int
    failures: int
    skipped: int
    disabled: int
    failed: list[tuple[str, str]]  # (check, the first line of its reason)

    @property
    def passed(self) -> int:
        return self.tests - self.failures - self.skipped - self.disabled

    @classmethod
    def read(cls, junit: Path) -> Results:
        root = ElementTree.parse(junit).getroot()
        failed = []
        for case in root.iter("testcase"):
            if case.get("status") == "failure":
                output = case.find("system-out")
                text = (output.text if output is not None else None) or "(no reason given)"
                failed.append((case.get("name") or "(unnamed)", text.strip().splitlines()[0]))
        counts = {key: int(root.get(key) or 0) for key in ("tests", "failures", "skipped", "disabled")}
        return cls(failed=failed, **counts)

    def summary(self, mode: str) -> str:
        lines = [
            f"OCI conformance against ecr-mock serve ({mode} mode): {self.passed} passed, {self.failures} failed, "
            f"{self.skipped} skipped, {self.disabled} disabled of {self.tests} "
            f"(distribution 2.8.2 here: {REFERENCE_PASSED} passed)"
        ]
        for (name, reason), count in sorted(Counter(self.failed).items()):
            known = "documented" if name in ALLOWED_FAILURES else "NOT DOCUMENTED"
            lines.append(f"  failed x{count} ({known}): {name}: {reason}")
        return "\n".join(lines)


def conformance_run(tmp_path: Path, *flags: str) -> Results:
    """``ecr-mock serve <flags>`` with the two repositories created, the conformance test run against it logged in
    with a GetAuthorizationToken password; the server stopped afterwards."""
    binary = require("oci-conformance")
    server = ServeProcess(*flags)
    client = None
    try:
        server.started()
        client = Client(server.url)
        for name in REPOSITORIES:
            client.ecr.create_repository(repositoryName=name)
        password = client.login()
        results, cwd = tmp_path / "results", tmp_path / "cwd"
        cwd.mkdir()  # it reads ./oci-conformance.yaml when there is one: never the caller's
        env = {
            "OCI_REGISTRY": server.address,
            "OCI_TLS": "disabled",
            "OCI_REPO1": REPOSITORIES[0],
            "OCI_REPO2": REPOSITORIES[1],
            "OCI_USERNAME": "AWS",
            "OCI_PASSWORD": password,
            "OCI_RESULTS_DIR": str(results),
            "OCI_API_BLOBS_UPLOAD_CANCEL": "true",
        }
        done = run([binary], env=env, cwd=cwd, check=False, timeout=RUN_TIMEOUT)
        junit = results / "junit.xml"
        assert junit.exists(), (
            f"the conformance test wrote no junit.xml (exit {done.returncode}): {done.stdout[-2000:]}"
        )
        return Results.read(junit)
    finally:
        if client is not None:
            client.close()
        stop(server)


@pytest.mark.parametrize("mode", ["default", "strict"])
def test_the_oci_conformance_suite_passes_but_for_ecrs_documented_differences(
    mode: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    results = conformance_run(tmp_path, *(["--strict"] if mode == "strict" else []))
    summary = results.summary(mode)
    print(summary)
    request.node.user_properties.append(("conformance", summary))

    undocumented = [f"{name}: {reason}" for name, reason in results.failed if name not in ALLOWED_FAILURES]
    assert not undocumented, "conformance checks failed that docs/differences.md does not explain:\n" + "\n".join(
        undocumented
    )
    assert results.failures == len(results.failed)
    assert all(Counter(name for name, _ in results.failed)[name] <= n for name, n in ALLOWED_FAILURES.items())
    assert results.passed > REFERENCE_PASSED, summary
