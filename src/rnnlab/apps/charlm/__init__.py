"""English word generation: the chapter's character-level language model."""

from rnnlab.apps.charlm.app import APP, CharLMConfig, evaluate, generate

train, resume, load = APP.train, APP.resume, APP.load

__all__ = ["APP", "CharLMConfig", "train", "resume", "load", "generate", "evaluate"]
