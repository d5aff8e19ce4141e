"""Data-parallel training under ``torchrun``: gloo on the CPU, nccl on CUDA.

Nothing changes for a single process. Under ``torchrun --nproc_per_node N``
each process trains on its own share of the batches; DistributedDataParallel
averages the gradients, so the replicas stay identical. Only rank 0 writes
logs and checkpoints.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class Distributed:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @classmethod
    def from_env(cls, device: torch.device) -> "Distributed":
        """Join the process group that ``torchrun`` describes in the environment, if any."""
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world <= 1:
            return cls()
        if not dist.is_initialized():
            dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
        return cls(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))

    @property
    def active(self) -> bool:
        return self.world > 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    def device(self, device: torch.device) -> torch.device:
        """Each process its own GPU: ``cuda:LOCAL_RANK``."""
        return torch.device("cuda", self.local_rank) if self.active and device.type == "cuda" else device

    def wrap(self, model: nn.Module, device: torch.device) -> nn.Module:
        if not self.active:
            return model
        ids = [device.index] if device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(model, device_ids=ids)

    def shard(self, batches: list) -> list:
        """This process's share: every world-th batch, the same count on every rank."""
        usable = len(batches) - len(batches) % self.world if self.active else len(batches)
        return batches[self.rank:usable:self.world]

    def barrier(self) -> None:
        if self.active:
            dist.barrier()


def is_main_process() -> bool:
    """True outside ``torchrun`` and on rank 0 within it: the process that writes files."""
    return not dist.is_initialized() or dist.get_rank() == 0
