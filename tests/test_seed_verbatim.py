"""Run the seed verbatim: moto 1.3.14's tests/test_ecr/test_ecr_boto3.py against ecr_mock.

The indented original ships in the moto 1.3.14 sdist on PyPI. It is downloaded once (never installed,
never imported), only the line ``from moto import mock_ecr`` is rewritten to
``from ecr_mock import mock_ecr``, and the file runs in a subprocess with ``sure``, ``nose`` and
``freezegun``, with no ``AWS_*`` variables in the environment. All 33 tests must pass.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import NoReturn

import pytest

MOTO_VERSION = "1.3.14"
SDIST_NAME = f"moto-{MOTO_VERSION}.tar.gz"
SEED_MEMBER = f"moto-{MOTO_VERSION}/tests/test_ecr/test_ecr_boto3.py"
ORIGINAL_IMPORT = "from moto import mock_ecr"
REPLACEMENT_IMPORT = "from ecr_mock import mock_ecr"
EXPECTED_TESTS = 33
REPO_ROOT = Path(__file__).resolve().parents[1]


def _unavailable(reason: str) -> NoReturn:
    """Fail on CI (where the seed must run), skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"seed verbatim run impossible on CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _child_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if (REPO_ROOT / "ecr_mock").is_dir():
        # Test this checkout's ecr_mock even when it is not installed.
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    return env


def _cache_dir(pytestconfig: pytest.Config) -> Path:
    configured = os.environ.get("ECR_MOCK_SEED_CACHE")
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        return path
    cache: pytest.Cache | None = getattr(pytestconfig, "cache", None)
    if cache is not None:
        return cache.mkdir("ecr_mock-seed")
    path = Path.home() / ".cache" / "ecr_mock-seed"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _read_seed(sdist: Path) -> str:
    with tarfile.open(sdist, "r:gz") as tar:
        member = tar.extractfile(SEED_MEMBER)
        if member is None:
            raise KeyError(f"{SEED_MEMBER} is not a regular file in {sdist}")
        with member:
            return member.read().decode("utf-8")


def _seed_source(cache_dir: Path, env: dict[str, str]) -> str:
    sdist = cache_dir / SDIST_NAME
    if sdist.is_file():
        try:
            return _read_seed(sdist)
        except (tarfile.TarError, OSError, KeyError, EOFError):
            sdist.unlink()  # damaged cached copy: fetch it again
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--no-binary",
        ":all:",
        f"moto=={MOTO_VERSION}",
        "-d",
        str(cache_dir),
    ]
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        _unavailable(f"could not download the moto {MOTO_VERSION} sdist: {exc!r}")
    if done.returncode != 0 or not sdist.is_file():
        _unavailable(
            f"could not download the moto {MOTO_VERSION} sdist (pip exit {done.returncode}):\n"
            f"{done.stdout}\n{done.stderr}"
        )
    try:
        return _read_seed(sdist)
    except (tarfile.TarError, OSError, KeyError, EOFError) as exc:
        _unavailable(f"could not read {SEED_MEMBER} from {sdist}: {exc!r}")


def _check_runtime_deps(env: dict[str, str]) -> None:
    # Checked in a child interpreter: importing ``sure`` here would patch ``object`` for the whole session.
    probe = "import sure, nose, freezegun\nfrom nose import SkipTest\n"
    try:
        done = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        _unavailable(f"could not probe sure/nose/freezegun: {exc!r}")
    if done.returncode != 0:
        _unavailable(f"sure, nose and freezegun must be importable to run the seed verbatim:\n{done.stderr}")


@pytest.mark.skipif(
    sys.version_info >= (3, 12), reason="the seed imports nose 1.3.7, which needs the imp module removed in 3.12"
)
def test_seed_verbatim_33_passed(tmp_path: Path, pytestconfig: pytest.Config) -> None:
    env = _child_env()
    _check_runtime_deps(env)
    source = _seed_source(_cache_dir(pytestconfig), env)

    lines = source.splitlines(keepends=True)
    import_lines = [i for i, line in enumerate(lines) if line.rstrip("\r\n") == ORIGINAL_IMPORT]
    assert len(import_lines) == 1, f"expected exactly one {ORIGINAL_IMPORT!r} line, found {len(import_lines)}"
    assert source.count("moto") == 1, "the seed must not reference moto anywhere but the import line"
    line_no = import_lines[0]
    lines[line_no] = lines[line_no].replace(ORIGINAL_IMPORT, REPLACEMENT_IMPORT)
    seed_file = tmp_path / "test_ecr_boto3.py"
    seed_file.write_text("".join(lines), encoding="utf-8")

    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(seed_file)]
    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = f"{done.stdout}\n{done.stderr}"
    print(output)  # shown by pytest when the test fails
    assert done.returncode == 0, f"verbatim seed run failed (exit {done.returncode}):\n{output}"
    assert re.search(rf"\b{EXPECTED_TESTS} passed\b", output), f"expected '{EXPECTED_TESTS} passed':\n{output}"
