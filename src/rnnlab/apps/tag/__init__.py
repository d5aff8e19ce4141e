"""Sequence labelling: part-of-speech tagging and named entities, the chapter's 6.1 "词性标记"."""

from rnnlab.apps.tag.app import APP, TagConfig, predict

train, resume, load = APP.train, APP.resume, APP.load

__all__ = ["APP", "TagConfig", "train", "resume", "load", "predict"]
