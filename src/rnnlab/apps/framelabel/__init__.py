"""Frame-level video classification: the chapter's synced many-to-many application."""

from rnnlab.apps.framelabel.run import FrameConfig, FrameResult, evaluate, load, predict, resume, train

__all__ = ["FrameConfig", "FrameResult", "train", "resume", "load", "predict", "evaluate"]
