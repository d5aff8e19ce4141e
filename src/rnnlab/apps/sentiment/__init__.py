"""Sentiment analysis: the chapter's many-to-one application."""

from rnnlab.apps.sentiment.app import APP, SentimentConfig, evaluate, predict, vocab_of

train, resume, load = APP.train, APP.resume, APP.load

__all__ = ["APP", "SentimentConfig", "train", "resume", "load", "predict", "evaluate", "vocab_of"]
