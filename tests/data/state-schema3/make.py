"""How ``state.sqlite3`` and ``blobs/`` here were made: by ecr_mock at commit 325ef50 (state schema 3, whose
repositories kept the blobs their images name as ``blob_refs`` and ``blob_singles``), with
``python tests/data/state-schema3/make.py`` from the repository root. ``expected.json`` holds what that version
answered about them; ``test_server_persistence`` loads the directory with this version and asks again.
Run by a later version it would write that version's schema instead: it is kept as the record, not rerun."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent.parent))

from _manifests import DOCKER_CONFIG, DOCKER_LAYER, DOCKER_V2, blob_content, sha256_of  # noqa: E402
from test_server_persistence import ACCOUNT, Api  # noqa: E402

from ecr_mock._config import behaviour_for  # noqa: E402
from ecr_mock._store import state  # noqa: E402

BASE = blob_content("schema3-base-layer", 3000)


def image(n: int) -> tuple[str, bytes, bytes]:
    config, own = blob_content(f"schema3-config-{n}", 300 + n), blob_content(f"schema3-layer-{n}", 2000 + n)
    layers = [{"mediaType": DOCKER_LAYER, "size": len(layer), "digest": sha256_of(layer)} for layer in (BASE, own)]
    document = {
        "schemaVersion": 2,
        "mediaType": DOCKER_V2,
        "config": {"mediaType": DOCKER_CONFIG, "size": len(config), "digest": sha256_of(config)},
        "layers": layers,
    }
    return json.dumps(document, indent=3), config, own


def questions(api: Api) -> dict[str, Any]:
    built = [image(n) for n in range(3)]
    digests = [sha256_of(BASE)] + [sha256_of(blob) for _, config, own in built for blob in (config, own)]
    digests.append("sha256:" + "0" * 64)  # named by no image
    answers: dict[str, Any] = {}
    for name in ("app", "web"):
        answer = api.call("BatchCheckLayerAvailability", repositoryName=name, layerDigests=digests)
        answers[name] = {"layers": answer["layers"], "failures": answer["failures"]}
    return answers


def main() -> None:
    assert state.SCHEMA == 3, "made by the version that wrote schema 3"
    for stale in ("state.sqlite3", "blobs"):
        target = HERE / stale
        if target.is_dir():
            shutil.rmtree(target)
        target.unlink(missing_ok=True)
    world, saved = state.open_data_dir(HERE, behaviour_for(False))
    api = Api(world)
    for name in ("app", "web"):
        api.call("CreateRepository", repositoryName=name)
    api.upload("app", BASE)
    for n in range(3):
        manifest, config, _ = image(n)
        if n != 1:  # image 2 is archived below: its config, uploaded, then reads ARCHIVED
            api.upload("app", config)
        api.call("PutImage", repositoryName="app", imageManifest=manifest, imageTag=f"v{n}")
    api.call("PutImage", repositoryName="web", imageManifest=image(0)[0], imageTag="v0")
    archived = {"imageTag": "v2"}
    api.call("UpdateImageStorageClass", repositoryName="app", imageId=archived, targetStorageClass="ARCHIVE")
    saved.save(world)
    saved.close()
    (HERE / "expected.json").write_text(json.dumps({"account": ACCOUNT, **questions(api)}, indent=1) + "\n")


if __name__ == "__main__":
    main()
