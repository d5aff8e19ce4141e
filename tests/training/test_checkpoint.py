"""Checkpoints: safetensors + JSON, atomic, verified, never unpickled."""

import json
import os

import pytest
import torch

from rnnlab.core import LSTMState
from rnnlab.training import CheckpointError, load_checkpoint, save_checkpoint
from rnnlab.training.checkpoint import flatten, unflatten


def test_flatten_round_trips_nested_state():
    tree = {"state": {0: {"step": torch.tensor(3.0), "exp_avg": torch.randn(2, 2)}},
            "param_groups": [{"lr": 0.1, "params": [0, 1]}],
            "carry": (LSTMState(torch.ones(2), torch.zeros(2)), None), "python": [3, [1, 2], None]}
    tensors = {}
    skeleton = flatten(tree, "x", tensors)
    json.dumps(skeleton)  # JSON-able
    back = unflatten(json.loads(json.dumps(skeleton)), tensors)
    assert torch.equal(back["state"][0]["exp_avg"], tree["state"][0]["exp_avg"])  # int keys stay ints
    assert back["param_groups"] == [{"lr": 0.1, "params": [0, 1]}]
    assert isinstance(back["carry"][0], LSTMState) and torch.equal(back["carry"][0].c, torch.zeros(2))
    assert back["carry"][1] is None
    assert back["python"] == [3, [1, 2], None]


def test_save_and_load(tmp_path):
    tensors = {"model.w": torch.randn(3, 4), "model.b": torch.arange(3)}
    path = save_checkpoint(tmp_path / "run" / "best", tensors, {"app": "charlm", "vocab": ["a", "b"]})
    assert path == tmp_path / "run" / "best.json"
    loaded, meta = load_checkpoint(tmp_path / "run")  # a run folder means its best.json
    assert meta["app"] == "charlm" and meta["vocab"] == ["a", "b"]
    assert all(torch.equal(loaded[k], v) for k, v in tensors.items())
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["best.json", "best.safetensors"]  # no temp files
    assert oct(os.stat(path).st_mode & 0o777) != oct(0o600)


def test_tied_weights_are_saved(tmp_path):
    w = torch.randn(4, 4)
    save_checkpoint(tmp_path / "c", {"a": w, "b": w}, {"app": "x"})
    loaded, _ = load_checkpoint(tmp_path / "c.json")
    assert torch.equal(loaded["a"], loaded["b"])


@pytest.fixture
def saved(tmp_path):
    save_checkpoint(tmp_path / "best", {"model.w": torch.randn(50, 50)}, {"app": "charlm"})
    return tmp_path


def test_truncated_tensor_file(saved):
    blob = (saved / "best.safetensors").read_bytes()
    (saved / "best.safetensors").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(CheckpointError, match="best.safetensors: truncated or corrupted"):
        load_checkpoint(saved / "best.json")


def test_corrupted_tensor_file(saved):
    blob = bytearray((saved / "best.safetensors").read_bytes())
    blob[-5] ^= 0xFF
    (saved / "best.safetensors").write_bytes(bytes(blob))
    with pytest.raises(CheckpointError, match="truncated or corrupted"):
        load_checkpoint(saved / "best.json")


def test_unreadable_record_and_other_app_and_missing(saved, tmp_path):
    with pytest.raises(CheckpointError, match="a checkpoint of 'charlm', not of 'sentiment'"):
        load_checkpoint(saved / "best.json", app="sentiment")
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "nothing.json")
    (saved / "best.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not a readable checkpoint record"):
        load_checkpoint(saved / "best.json")
    (saved / "best.json").write_text(json.dumps({"app": "charlm"}))
    with pytest.raises(CheckpointError, match="not an rnnlab checkpoint"):
        load_checkpoint(saved / "best.json")
    (saved / "other.json").write_bytes(b"\x00\x01\xff")
    with pytest.raises(CheckpointError, match="not a readable checkpoint record"):
        load_checkpoint(saved / "other.json")


def test_an_interrupted_write_leaves_the_old_checkpoint_whole(saved, monkeypatch):
    before = (saved / "best.safetensors").read_bytes(), (saved / "best.json").read_bytes()

    def fail(*args):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(saved / "best", {"model.w": torch.zeros(50, 50)}, {"app": "charlm"})
    monkeypatch.undo()
    assert ((saved / "best.safetensors").read_bytes(), (saved / "best.json").read_bytes()) == before
    assert sorted(p.name for p in saved.iterdir()) == ["best.json", "best.safetensors"]
    load_checkpoint(saved / "best.json")


@pytest.mark.parametrize("dies_at", [1, 2, 3])
def test_a_write_killed_at_any_rename_leaves_a_whole_checkpoint(tmp_path, monkeypatch, dies_at):
    """A checkpoint is three renames (pending JSON, tensors, JSON); killed before any of them, the old or
    the new checkpoint loads whole, and the next write clears what the dead one left."""
    import rnnlab.training.checkpoint as checkpoint
    old = {"model.w": torch.zeros(3)}
    save_checkpoint(tmp_path / "last", old, {"app": "charlm", "step": 1})
    renames, real = [], os.replace

    def dying(src, dst):
        renames.append(dst)
        if len(renames) == dies_at:
            raise KeyboardInterrupt("killed")  # nothing after this line of the write runs
        real(src, dst)
    monkeypatch.setattr(checkpoint.os, "replace", dying)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(tmp_path / "last", {"model.w": torch.ones(3)}, {"app": "charlm", "step": 2})
    monkeypatch.setattr(checkpoint.os, "replace", real)
    tensors, meta = load_checkpoint(tmp_path / "last.json")
    new = dies_at == 3  # the tensors were in place; their JSON still pending
    assert meta["step"] == (2 if new else 1) and torch.equal(tensors["model.w"], torch.full((3,), float(new)))
    save_checkpoint(tmp_path / "last", {"model.w": torch.full((3,), 5.0)}, {"app": "charlm", "step": 3})
    assert load_checkpoint(tmp_path / "last.json")[1]["step"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.json", "last.safetensors"]
