"""Image captioning: the chapter's one-to-many application."""

from rnnlab.apps.caption.app import APP, CaptionConfig, blind_baseline, describe, vocab_of

train, resume, load = APP.train, APP.resume, APP.load

__all__ = ["APP", "CaptionConfig", "train", "resume", "load", "describe", "blind_baseline", "vocab_of"]
