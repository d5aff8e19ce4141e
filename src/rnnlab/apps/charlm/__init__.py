"""English word generation: the chapter's character-level language model."""

from rnnlab.apps.charlm.run import APP, CharLMConfig, CharLMResult, evaluate, generate, load, resume, train

__all__ = ["APP", "CharLMConfig", "CharLMResult", "train", "resume", "load", "generate", "evaluate"]
