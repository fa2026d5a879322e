"""The README's server example runs as written: pytest runs it in a fresh process, with the plugin's fixture."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def server_example() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Server", 1)[1].split("\n## ", 1)[0]
    blocks: list[str] = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 1, "the README's Server section has one Python example"
    return blocks[0]


def test_readme_server_example_passes(tmp_path: Path) -> None:
    if shutil.which("skopeo") is None:
        pytest.skip("skopeo unavailable: .ci/install-tools could not install Debian's skopeo here")
    example = tmp_path / "test_readme_server.py"
    example.write_text(server_example())
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(example)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "1 passed" in run.stdout
