"""Training mechanics, each in one named place: the fit loop, clipping, TBPTT, checkpoints, guards."""

from rnnlab.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from rnnlab.training.clipping import Clipper, clip_grad_norm, clip_grad_value, grad_norm
from rnnlab.training.devices import resolve_device
from rnnlab.training.distributed import is_main_process
from rnnlab.training.fit import FitResult, RunExists, TrainConfig, continued, fit
from rnnlab.training.guards import NonFiniteGuard, TrainingDiverged
from rnnlab.training.optim import OPTIMIZERS, SCHEDULES, build_optimizer, build_schedule
from rnnlab.training.seeding import seed_everything
from rnnlab.training.tbptt import TBPTT, run_window

__all__ = [
    "TrainConfig",
    "fit",
    "continued",
    "FitResult",
    "RunExists",
    "Clipper",
    "clip_grad_norm",
    "clip_grad_value",
    "grad_norm",
    "TBPTT",
    "run_window",
    "NonFiniteGuard",
    "TrainingDiverged",
    "CheckpointError",
    "save_checkpoint",
    "load_checkpoint",
    "build_optimizer",
    "build_schedule",
    "OPTIMIZERS",
    "SCHEDULES",
    "seed_everything",
    "resolve_device",
    "is_main_process",
]
