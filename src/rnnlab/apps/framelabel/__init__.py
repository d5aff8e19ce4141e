"""Frame-level video classification: the chapter's synced many-to-many application."""

from rnnlab.apps.framelabel.app import APP, FrameConfig, predict

train, resume, load = APP.train, APP.resume, APP.load

__all__ = ["APP", "FrameConfig", "train", "resume", "load", "predict"]
