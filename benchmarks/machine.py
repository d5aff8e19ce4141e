"""What a benchmark ran on: CPU, threads, torch, GPU; for the record written beside its numbers."""

from __future__ import annotations

import os
import platform

import torch


def describe() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {"cpu": cpu, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "torch": torch.__version__, "python": platform.python_version(), "gpu": gpu}


def markdown(info: dict) -> str:
    gpu = f", GPU {info['gpu']}" if info["gpu"] else ", no GPU"
    return (f"{info['cpu']}, {info['cores']} cores ({info['torch_threads']} torch threads){gpu}; "
            f"torch {info['torch']}, Python {info['python']}")
