"""The app refuses a missing, stale, corrupt or foreign index with one line naming the fix."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ssexplain.content.loader import load_content
from ssexplain.errors import IndexNotReady
from ssexplain.search.index_store import MANIFEST_FILE, build_index, load_index

FIXTURE = Path(__file__).parent / "fixtures" / "content"


@pytest.fixture()
def built(tmp_path, encoder):
    content_dir = tmp_path / "content"
    shutil.copytree(FIXTURE, content_dir)
    index_dir = tmp_path / "index"
    manifest = build_index(content_dir, index_dir, encoder=encoder)
    return content_dir, index_dir, manifest, encoder


def _load(content_dir, index_dir, model_id):
    return load_index(load_content(content_dir), content_dir, index_dir, expected_model_id=model_id, encoder_id=model_id)


def test_manifest_records_hash_model_and_dimension(built):
    _, index_dir, manifest, encoder = built
    on_disk = json.loads((index_dir / MANIFEST_FILE).read_text())
    assert on_disk["model_id"] == encoder.id and on_disk["dimension"] == 384
    assert on_disk["passages"] == 3 and on_disk["vectors"] == 3 + 6
    assert len(on_disk["content_hash"]) == 64


def test_fresh_index_loads(built):
    content_dir, index_dir, _, encoder = built
    assert _load(content_dir, index_dir, encoder.id).faiss_index.ntotal == 9


def _edit_content(content_dir: Path, index_dir: Path) -> None:
    path = content_dir / "passages" / "sample.yaml"
    path.write_text(path.read_text().replace("what happens first", "what comes first"))


def _delete_manifest(content_dir: Path, index_dir: Path) -> None:
    (index_dir / MANIFEST_FILE).unlink()


def _garble_faiss(content_dir: Path, index_dir: Path) -> None:
    (index_dir / "passages.faiss").write_bytes(b"not an index")


def _garble_meta(content_dir: Path, index_dir: Path) -> None:
    (index_dir / "meta.json").write_text("{")


def _truncate_meta(content_dir: Path, index_dir: Path) -> None:
    (index_dir / "meta.json").write_text(json.dumps({"vectors": [["fixture-name-iron", "text"]]}))


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (_edit_content, "stale"),
        (_delete_manifest, "missing"),
        (_garble_faiss, "corrupt"),
        (_garble_meta, "corrupt"),
        (_truncate_meta, "corrupt"),
    ],
)
def test_bad_index_is_refused_with_the_command_to_run(built, damage, words):
    content_dir, index_dir, _, encoder = built
    damage(content_dir, index_dir)
    with pytest.raises(IndexNotReady) as caught:
        _load(content_dir, index_dir, encoder.id)
    message = str(caught.value)
    assert words in message and "python -m ssexplain build-index" in message
    assert "\n" not in message


def test_index_from_another_model_is_refused(built):
    content_dir, index_dir, _, _ = built
    with pytest.raises(IndexNotReady, match="another model"):
        _load(content_dir, index_dir, "some-other-model@123")
