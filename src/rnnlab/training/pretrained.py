"""Starting a task from trained language models (``--init-from``, ``--init-from-backward``): ULMFiT and ELMo.

A word-level language model (``rnnlab lm train``) has learned words and
syntax from unlabelled text. A task starts from it this way:

- the embedding: each task word the language model knows takes the model's
  row, copied word by word through the two vocabularies (``<unk>`` takes
  ``<unk>``'s; padding stays zero; words the model never saw keep fresh rows);
  with a backward model as well, the task's embedding is the two models' rows
  side by side, ``[E_fwd w ; E_bwd w]``, so each direction reads its own;
- the recurrent layers: layer ``l`` of the forward model is loaded into the
  forward direction of the encoder's layer ``l``, layer ``l`` of the backward
  model (``rnnlab lm train --reverse``) into its backward direction. The
  columns of ``W_x`` that read an input the language model did not have (the
  other direction's half of a bidirectional layer below, the other model's
  embedding, a tagger's character features) start at zero, so that the
  initialised encoder computes exactly the language models' layers on the same
  words, and training learns what to take from the rest.

Without a backward model the backward direction keeps its fresh weights.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
from torch import Tensor, nn

from rnnlab.data.vocab import PAD
from rnnlab.layers import Bidirectional, Stacked
from rnnlab.training.checkpoint import CheckpointError, load_checkpoint, prefixed

log = logging.getLogger(__name__)

LM_APPS = ("lm", "charlm")


@dataclass
class LanguageModelRun:
    """A trained language model as a task starts from it: its weights (without the ``model.`` prefix) and the
    JSON saved beside them (its config, vocabulary, softmax cutoffs)."""

    path: str
    tensors: dict[str, Tensor]
    meta: dict

    @property
    def config(self) -> dict:
        return self.meta["config"]

    @property
    def tokens(self) -> list[str]:
        return list(self.meta["vocab"])

    @property
    def reverse(self) -> bool:
        return bool(self.config.get("reverse", False))

    @property
    def direction(self) -> str:
        return "backward" if self.reverse else "forward"

    def describe(self) -> str:
        c = self.config
        return f"a {c['layers']}-layer {c['cell']} of {c['hidden_size']} units over {c['embedding_dim']}-dim words"

    def layer(self, k: int) -> dict[str, Tensor]:
        return prefixed(self.tensors, f"rnn.layers.{k}.cell")

    @property
    def embedding(self) -> Tensor:
        return self.tensors["input.weight"]


def read_language_model(run: str | Path, direction: str = "forward", flag: str = "--init-from") -> LanguageModelRun:
    """The language model in ``run`` (a run folder or a checkpoint's ``.json``), checked to be a word-level
    model reading in ``direction``; anything else is one ``CheckpointError`` naming the run and the flag."""
    try:
        tensors, meta = load_checkpoint(run, map_location="cpu")
    except CheckpointError as error:
        raise CheckpointError(f"{flag} {run}: {error}") from None
    app = meta.get("app")
    if app not in LM_APPS:
        raise CheckpointError(f"{flag} {run}: a run of rnnlab {app}, not a language model; give a run of "
                              f"rnnlab lm train")
    if meta.get("corpus", {}).get("unit", "char") != "word":
        raise CheckpointError(f"{flag} {run}: a character-level language model; a word-level task starts from a "
                              f"word-level one (rnnlab lm train, not charlm)")
    if meta["config"].get("embedding_dim", 0) == 0:
        raise CheckpointError(f"{flag} {run}: the language model reads one-hot words and has no embedding to copy")
    found = LanguageModelRun(str(run), prefixed(tensors, "model"), meta)
    if found.direction != direction:
        raise CheckpointError(f"{flag} {run}: a {found.direction} language model (trained "
                              f"{'with' if found.reverse else 'without'} --reverse) where a {direction} one is "
                              f"expected")
    return found


def check_pretraining(init_from: str | None, init_from_backward: str | None, vectors: str | None,
                      no_encoder: bool) -> None:
    """The config's pretraining options, checked before any data is read."""
    if init_from_backward is not None and init_from is None:
        raise ValueError("--init-from-backward needs --init-from (the forward language model) as well")
    if init_from is not None and vectors is not None:
        raise ValueError("give --vectors or --init-from, not both: each sets the word vectors")
    if init_from is not None and no_encoder:
        raise ValueError("--init-from starts a recurrent encoder from a language model; this model has none")


def check_shape(model: LanguageModelRun, cell: str, hidden_size: int, layers: int, cell_flag: str = "--encoder",
                **more: tuple[str, object]) -> None:
    """This run's recurrent layers must be the language model's: the same cell, hidden size and number of
    layers (and ``more``: ``name=(flag, value)`` of other config fields that must agree)."""
    c = model.config
    wanted = {"cell": (cell_flag, cell), "hidden_size": ("--hidden-size", hidden_size), "layers": ("--layers", layers),
              **more}
    wrong = {name: flag for name, (flag, ours) in wanted.items() if c.get(name) != ours}
    if wrong:
        this = ", ".join(f"{name.replace('_', ' ')} {wanted[name][1]}" for name in wrong)
        fix = " ".join(f"{flag} {c.get(name)}" for name, flag in wrong.items())
        raise ValueError(f"{model.path} is {model.describe()}, this run asks for {this}; give {fix} to start from "
                         f"it")


def copy_rows(weight: Tensor, tokens: list[str], model: LanguageModelRun) -> None:
    """``weight[k] = E_lm[tokens[k]]`` for every token the language model knows (padding aside)."""
    index = {t: k for k, t in enumerate(model.tokens)}
    with torch.no_grad():
        for row, token in enumerate(tokens):
            if token in index and token != PAD:
                weight[row] = model.embedding[index[token]]


def pretrained_input(tokens: list[str], models: list[LanguageModelRun], padding_idx: int | None,
                     seed: int = 0) -> nn.Embedding:
    """The task's embedding from the language models' (side by side when there are two). Words no model
    knows get random rows with the models' own spread; padding is zero."""
    generator = torch.Generator().manual_seed(seed)
    parts = []
    for m in models:
        part = torch.randn(len(tokens), m.embedding.shape[1], generator=generator) * float(m.embedding.std())
        copy_rows(part, tokens, m)
        parts.append(part)
    weight = torch.cat(parts, dim=1)  # (V, E_fwd [+ E_bwd])
    if padding_idx is not None:
        weight[padding_idx] = 0.0
    return nn.Embedding.from_pretrained(weight, freeze=False, padding_idx=padding_idx)


def _load(target: nn.Module, source: dict[str, Tensor], columns: slice) -> None:
    """A cell's ``W_x``, ``W_h``, ``b`` from a language model's layer: its ``W_x`` into ``columns`` of the
    target's, the target's other input columns zero."""
    with torch.no_grad():
        for name, tensor in source.items():
            mine = getattr(target, name)
            if name == "W_x":
                mine.zero_()
                mine[:, columns] = tensor
            else:
                mine.copy_(tensor)


def load_encoder(encoder: Stacked, forward: LanguageModelRun, backward: LanguageModelRun | None,
                 input_columns: tuple[slice, slice] | None = None) -> None:
    """Layer ``l`` of ``forward`` into the forward direction of the encoder's layer ``l``, of ``backward`` into
    its backward direction (see the module's docstring). ``input_columns``: which of layer 0's inputs each
    language model read (its embedding's columns in the task's input); default: the first ``E`` for both."""
    for k, layer in enumerate(encoder.layers):
        if isinstance(layer, Bidirectional):
            H = layer.forward_layer.cell.hidden_size
            if k == 0:
                fwd_cols, bwd_cols = input_columns or (slice(0, forward.embedding.shape[1]),) * 2
            else:
                fwd_cols, bwd_cols = slice(0, H), slice(H, 2 * H)
            _load(layer.forward_layer.cell, forward.layer(k), fwd_cols)
            if backward is not None:
                _load(layer.backward_layer.cell, backward.layer(k), bwd_cols)
        else:
            cols = (input_columns[0] if input_columns else slice(0, forward.embedding.shape[1])) if k == 0 \
                else slice(0, layer.cell.hidden_size)
            _load(layer.cell, forward.layer(k), cols)


@dataclass
class Initialization:
    """What ``--init-from`` did, for the run's summary."""

    forward: str
    backward: str | None
    covered: int
    words: int

    def describe(self) -> str:
        both = f" and {self.backward} (backward)" if self.backward else "; the backward direction started fresh"
        return f"started from {self.forward}{both}: {self.covered} of the {self.words} training words had a row"


def read_models(init_from: str, init_from_backward: str | None, cell: str, hidden_size: int, layers: int,
                bidirectional: bool, cell_flag: str = "--encoder") -> list[LanguageModelRun]:
    """The forward language model (and the backward one, if given), checked to fit an encoder of this shape
    (``cell_flag``: the option that sets the encoder's cell, for the error)."""
    forward = read_language_model(init_from, "forward", "--init-from")
    check_shape(forward, cell, hidden_size, layers, cell_flag)
    if init_from_backward is None:
        if bidirectional:
            log.warning("--init-from without --init-from-backward: the backward direction starts fresh (a backward "
                        "language model comes from rnnlab lm train --reverse)")
        return [forward]
    if not bidirectional:
        raise ValueError("--init-from-backward starts the backward direction of a bidirectional encoder; this "
                         "encoder reads left to right only (--unidirectional)")
    backward = read_language_model(init_from_backward, "backward", "--init-from-backward")
    check_shape(backward, cell, hidden_size, layers, cell_flag)
    return [forward, backward]


def special(token: str) -> bool:
    return token.startswith("<") and token.endswith(">")


def with_pretrained_words(tokens: list[str], models: list[LanguageModelRun]) -> list[str]:
    """The task's vocabulary (its training words first) followed by the language model's other words, so that a
    word the task never saw labelled, but the language model read, keeps its pretrained row."""
    known = set(tokens)
    return tokens + [t for t in models[0].tokens if t not in known and not special(t)]


def start_from(models: list[LanguageModelRun], tokens: list[str], padding_idx: int | None, seed: int = 0,
               task_words: int | None = None) -> tuple[nn.Embedding, Callable[[Stacked], None], Initialization]:
    """The task's embedding from ``models`` (``read_models``), a function that loads their recurrent layers into
    an encoder whose layer 0 reads ``[embedding ; anything else]``, and what was done. ``task_words``: how many
    of ``tokens`` (the first) are the task's own training vocabulary, the words the coverage is counted on."""
    embedding = pretrained_input(tokens, models, padding_idx, seed)
    own = tokens[:task_words]
    index = set(models[0].tokens)
    covered, words = sum(t in index for t in own if not special(t)), sum(not special(t) for t in own)
    log.info("%s: %d of the %d training words have a row", models[0].path, covered, words)
    E = models[0].embedding.shape[1]
    columns = (slice(0, E), slice(E, E + models[-1].embedding.shape[1]) if len(models) == 2 else slice(0, E))

    def load(encoder: Stacked) -> None:
        load_encoder(encoder, models[0], models[1] if len(models) == 2 else None, columns)

    return embedding, load, Initialization(models[0].path, models[1].path if len(models) == 2 else None, covered,
                                           words)
