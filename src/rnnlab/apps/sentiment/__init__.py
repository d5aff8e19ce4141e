"""Sentiment analysis: the chapter's many-to-one application."""

from rnnlab.apps.sentiment.run import SentimentConfig, SentimentResult, evaluate, load, predict, resume, train

__all__ = ["SentimentConfig", "SentimentResult", "train", "resume", "load", "predict", "evaluate"]
