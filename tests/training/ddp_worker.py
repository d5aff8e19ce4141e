"""Run by test_distributed under torchrun: train the toy task a few steps, save this rank's weights."""

import sys
from pathlib import Path

import torch.distributed as dist
from safetensors.torch import save_file
from toy import CountingTask, toy_model

from rnnlab.training import TrainConfig, fit

out = Path(sys.argv[1])
config = TrainConfig(epochs=1, lr=0.05, max_steps=4, progress=False, tensorboard=False, device="cpu")
result = fit(toy_model(dropout=0.2), CountingTask(), config, out / "run", {"app": "toy"})
weights = {k: v.detach().contiguous() for k, v in result.model.state_dict().items()}
save_file(weights, str(out / f"rank{dist.get_rank()}.safetensors"))
dist.destroy_process_group()
