"""kill -9 at random moments: a training run always leaves a folder that resumes to the uninterrupted run's
weights, bit for bit, and to its metrics.jsonl, record for record (wall-clock aside)."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from rnnlab.training.checkpoint import load_checkpoint
from rnnlab.training.metrics import read_records

TRAIN = ["charlm", "train", "--words", "400", "--validation", "40", "--test", "40", "--hidden-size", "32",
         "--embedding-dim", "8", "--batch-size", "16", "--epochs", "3", "--checkpoint-every", "2", "--log-every", "2",
         "--quiet", "--no-tensorboard", "--device", "cpu"]


def rnnlab(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.Popen([sys.executable, "-m", "rnnlab", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)


def finish(process: subprocess.Popen) -> None:
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()


def outcome(run: Path):
    tensors, meta = load_checkpoint(run / "last.json")
    records = [{k: v for k, v in r.items() if k != "seconds"} for r in read_records(run)]
    return tensors, meta["counters"]["progress"]["step"], records


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    run = tmp_path_factory.mktemp("crash") / "whole"
    start = time.perf_counter()
    finish(rnnlab(*TRAIN, "--out", str(run)))
    return outcome(run), time.perf_counter() - start


@pytest.mark.parametrize("seed", range(int(os.environ.get("RNNLAB_CRASH_SEEDS", "4"))))  # more: RNNLAB_CRASH_SEEDS=20
def test_a_run_killed_at_a_random_moment_resumes_bit_equal(uninterrupted, tmp_path, seed):
    (tensors, steps, records), seconds = uninterrupted
    run = tmp_path / "run"
    process = rnnlab(*TRAIN, "--out", str(run))
    time.sleep(random.Random(seed).uniform(0.3, seconds))  # anywhere from reading the data to the last test
    process.send_signal(signal.SIGKILL)
    process.wait()
    if (run / "last.json").exists():
        finish(rnnlab(*TRAIN, "--out", str(run), "--resume"))
    else:  # killed before the run's first checkpoint (at step 0): nothing to continue, so it starts again
        finish(rnnlab(*TRAIN, "--out", str(run)))
    got, got_steps, got_records = outcome(run)
    assert got_steps == steps and got.keys() == tensors.keys()
    assert all(torch.equal(got[k], tensors[k]) for k in tensors)  # weights, optimiser moments, RNG states
    assert got_records == records
    assert json.loads((run / "summary.json").read_text())["test"]
    assert not list(run.glob(".*"))  # no temporary or pending files left
