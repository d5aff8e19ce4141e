"""Image captioning: the chapter's one-to-many application."""

from rnnlab.apps.caption.run import CaptionConfig, CaptionResult, describe, evaluate, load, resume, train

__all__ = ["CaptionConfig", "CaptionResult", "train", "resume", "load", "describe", "evaluate"]
