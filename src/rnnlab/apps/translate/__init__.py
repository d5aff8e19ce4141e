"""Machine translation: the chapter's encoder-decoder (many-to-many)."""

from rnnlab.apps.translate.app import APP, TranslateConfig, Translation, attention_plot, baselines, translate

train, resume, load = APP.train, APP.resume, APP.load

__all__ = ["APP", "TranslateConfig", "Translation", "train", "resume", "load", "translate", "attention_plot",
           "baselines"]
