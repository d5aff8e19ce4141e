"""Machine translation: the chapter's many-to-many encoder-decoder."""

from rnnlab.apps.translate.run import (TranslateConfig, TranslateResult, attention_plot, baselines, evaluate, load,
                                       resume, train, translate)

__all__ = ["TranslateConfig", "TranslateResult", "train", "resume", "load", "translate", "attention_plot",
           "evaluate", "baselines"]
