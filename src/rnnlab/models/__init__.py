"""Reusable model parts: input embeddings, recurrent stacks by name, language models."""

from rnnlab.models.embedding import OneHot, make_input
from rnnlab.models.language_model import LanguageModel
from rnnlab.models.stack import CELL_KINDS, make_cell, make_stack

__all__ = ["OneHot", "make_input", "CELL_KINDS", "make_cell", "make_stack", "LanguageModel"]
