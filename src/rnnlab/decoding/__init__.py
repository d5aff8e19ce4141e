"""Turning a model's next-token distributions into sequences; shared by every generating application.
``ctc``: reading a CTC recogniser's frame-by-frame distributions."""

from rnnlab.decoding.ctc import best_path, collapse, prefix_beam_search
from rnnlab.decoding.sampling import filter_logits, sample
from rnnlab.decoding.search import Hypothesis, beam_search, check_beam, greedy, length_penalty

__all__ = ["filter_logits", "sample", "greedy", "beam_search", "check_beam", "Hypothesis", "length_penalty", "best_path",
           "collapse", "prefix_beam_search"]
