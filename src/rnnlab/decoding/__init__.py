"""Turning a model's next-token distributions into sequences; shared by every generating application."""

from rnnlab.decoding.sampling import filter_logits, sample

__all__ = ["filter_logits", "sample"]
