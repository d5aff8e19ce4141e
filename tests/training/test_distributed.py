"""Data-parallel training under torchrun: 2 CPU processes (gloo) keep identical replicas."""

import os
import subprocess
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file
from toy import toy_model


def test_two_processes_hold_identical_weights_after_training(tmp_path):
    here = Path(__file__).parent
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(here), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           str(here / "ddp_worker.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=240, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    rank0, rank1 = load_file(tmp_path / "rank0.safetensors"), load_file(tmp_path / "rank1.safetensors")
    initial = toy_model(dropout=0.2).state_dict()
    assert rank0.keys() == rank1.keys()
    for k in rank0:
        assert torch.equal(rank0[k], rank1[k]), k
    assert any(not torch.equal(rank0[k], initial[k]) for k in rank0), "the replicas did not train"
    assert (tmp_path / "run" / "last.json").exists()  # rank 0 wrote the checkpoint
