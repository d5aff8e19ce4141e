"""Sentiment analysis: the chapter's many-to-one application."""

from rnnlab.apps.sentiment.app import APP, SentimentConfig, evaluate, export_onnx, influence, predict, vocab_of

train, resume, load = APP.train, APP.resume, APP.load

__all__ = ["APP", "SentimentConfig", "train", "resume", "load", "predict", "evaluate", "vocab_of", "influence",
           "export_onnx"]
