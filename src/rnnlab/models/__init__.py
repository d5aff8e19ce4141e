"""Reusable model parts: embeddings, recurrent stacks by name, language models, classifiers, attention, encoder-decoder."""

from rnnlab.models.attention import ATTENTIONS, Attention, masked_softmax
from rnnlab.models.classifier import POOLINGS, SequenceClassifier, last_hidden, pool
from rnnlab.models.embedding import OneHot, make_input, pretrained_embedding
from rnnlab.models.language_model import LanguageModel
from rnnlab.models.seq2seq import Memory, Seq2Seq
from rnnlab.models.stack import CELL_KINDS, make_cell, make_stack

__all__ = [
    "OneHot", "make_input", "pretrained_embedding", "POOLINGS", "SequenceClassifier", "last_hidden", "pool",
    "CELL_KINDS", "make_cell", "make_stack", "LanguageModel", "ATTENTIONS", "Attention", "masked_softmax",
    "Memory", "Seq2Seq",
]
