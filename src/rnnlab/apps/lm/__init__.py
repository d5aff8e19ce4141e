"""Language models: words or characters (``rnnlab lm``), and English word generation (``rnnlab charlm``)."""

from rnnlab.apps.lm.app import APP, CHARLM, CharLMConfig, LMConfig, evaluate, generate

train, resume, load = APP.train, APP.resume, APP.load

__all__ = ["APP", "CHARLM", "LMConfig", "CharLMConfig", "train", "resume", "load", "generate", "evaluate"]
