"""The two ways to train a language model.

Word lists (characters): full BPTT over batches of padded words (``<bos> w o r d``
predicting ``w o r d <eos>``), lengths passed to the layers. Text (characters
or words): one long stream, truncated BPTT (k1, k2) with the state carried
from window to window. The loss is the model's own (``LanguageModel.loss``:
the cross-entropy through its softmax, full or adaptive, plus AR/TAR);
validation and test score the exact log-probability of every target.
"""

from __future__ import annotations

import copy
import math

import torch
from torch import Tensor, nn

from rnnlab.apps.lm.data import Corpus
from rnnlab.data import batchify, bucket_batches, pad_batch
from rnnlab.models.language_model import IGNORE
from rnnlab.training.tasks import BucketTask, Probe, device_of
from rnnlab.training.tbptt import TBPTT, Window, run_window


def _metrics(total_nats: float, count: int, unit: str = "char", unknown: int | None = None) -> dict[str, float]:
    """Cross-entropy in nats a token (``loss``), bits a character or perplexity, and the share of ``<unk>``."""
    nats = total_nats / max(1, count)
    out = {"loss": nats, **({"bits_per_char": nats / math.log(2)} if unit == "char" else {}),
           "perplexity": math.exp(min(nats, 700.0))}
    if unknown is not None:
        out["unknown_share"] = unknown / max(1, count)
    return out


def unwrapped(model: nn.Module) -> nn.Module:
    """The language model inside a DistributedDataParallel wrapper, or the model itself."""
    return getattr(model, "module", model)


def _nll_sum(model: nn.Module, inputs: Tensor, targets: Tensor, state=None, lengths=None):
    """The summed ``-log P(target)`` over the scored targets, how many, and the state after."""
    h, state = model.hidden(inputs, state, lengths)  # (B, T, H)
    return float(model.token_nll(model.features(h), targets).sum()), int((targets != IGNORE).sum()), state


def _word_tensors(sequences: list[list[int]], pad_id: int, device) -> tuple[Tensor, Tensor, Tensor]:
    """Inputs ``<bos> w o r d`` and targets ``w o r d <eos>`` (IGNORE past each end), ``(B, T)`` each, and lengths."""
    ids, lengths = pad_batch(sequences, pad_id)  # (B, T+1)
    inputs = ids[:, :-1]
    targets = ids[:, 1:].masked_fill(torch.arange(ids.shape[1] - 1) >= (lengths - 1).unsqueeze(1), IGNORE)
    return inputs.to(device), targets.to(device), lengths - 1


@torch.no_grad()
def evaluate_words(model: nn.Module, sequences: list[list[int]], pad_id: int,
                   batch_size: int = 512) -> dict[str, float]:
    """Cross-entropy per predicted character (the end of word counts as one) over encoded words."""
    model.eval()
    total, count = 0.0, 0
    for batch in bucket_batches([len(s) for s in sequences], batch_size, seed=None):
        inputs, targets, lengths = _word_tensors([sequences[k] for k in batch], pad_id, device_of(model))
        nats, n, _ = _nll_sum(model, inputs, targets, None, lengths)
        total, count = total + nats, count + n
    return _metrics(total, count)


@torch.no_grad()
def evaluate_stream(model: nn.Module, ids: Tensor, rows: int = 16, chunk: int = 512, unit: str = "char",
                    unk_id: int | None = None) -> dict[str, float]:
    """Cross-entropy per token over a text, read as a few long rows with the state carried throughout; with
    ``unk_id``, the share of the targets that are ``<unk>`` too."""
    model.eval()
    rows = max(1, min(rows, (ids.numel() - 1) // 64))
    stream = batchify(ids, rows).to(device_of(model))  # (R, N)
    total, count, unknown, state = 0.0, 0, 0, None
    for start in range(0, stream.shape[1] - 1, chunk):
        end = min(start + chunk, stream.shape[1] - 1)
        targets = stream[:, start + 1:end + 1]
        nats, n, state = _nll_sum(model, stream[:, start:end], targets, state)
        total, count = total + nats, count + n
        unknown += 0 if unk_id is None else int((targets == unk_id).sum())
    return _metrics(total, count, unit, None if unk_id is None else unknown)


class WordTask(BucketTask):
    """Full BPTT over padded batches of words."""

    def __init__(self, corpus: Corpus, batch_size: int, seed: int, eval_batch_size: int = 512) -> None:
        self.corpus, self.batch_size, self.seed, self.eval_batch_size = corpus, batch_size, seed, eval_batch_size
        self.encoded = {split: [corpus.encode_word(w) for w in getattr(corpus, split)]
                        for split in ("train", "validation", "test")}
        self.lengths = [len(s) for s in self.encoded["train"]]

    def loss(self, model: nn.Module, batch: list[int]) -> tuple[Tensor, int]:
        inputs, targets, lengths = _word_tensors([self.encoded["train"][k] for k in batch], self.corpus.vocab.pad_id,
                                                 device_of(model))
        h, _ = model(inputs, None, lengths, scores=False)  # (B, T, H)
        return unwrapped(model).loss(h, targets)

    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        return evaluate_words(model, self.encoded[split], self.corpus.vocab.pad_id, self.eval_batch_size)


class StreamTask:
    """Truncated BPTT over a token stream cut into ``batch_size`` parallel rows; with ``tbptt.vary``, each
    epoch cuts its windows afresh (drawn from ``seed`` and the epoch) and each scales the learning rate."""

    def __init__(self, corpus: Corpus, batch_size: int, tbptt: TBPTT, seed: int = 0, eval_rows: int = 16,
                 eval_chunk: int = 512) -> None:
        self.corpus, self.tbptt, self.seed = corpus, tbptt, seed
        self.stream = batchify(corpus.encode_text(corpus.train), batch_size)  # (B, N)
        self.eval_rows, self.eval_chunk = eval_rows, eval_chunk
        self.carry = None
        self._windows: dict[int, list[Window]] = {}

    def batches(self, epoch: int) -> list[Window]:
        if epoch not in self._windows:
            self._windows = {epoch: self.tbptt.windows(self.stream.shape[1] - 1, seed=self.seed * 100_003 + epoch)}
        return self._windows[epoch]

    def lr_scale(self, window: Window) -> float:
        return window.scale

    def probe(self, rows: int) -> Probe:
        """The longest window over the first ``rows`` rows of the stream, from a zero state."""
        window = max(self.batches(0), key=lambda w: w.end - w.start)
        part = copy.copy(self)
        part.stream, part.carry = self.stream[:rows], None
        return Probe(part, window, self.stream.shape[0], window.end - window.start,
                     ("batch_size", "bptt", "bptt_k2"))

    def start_epoch(self, epoch: int) -> None:
        self.carry = None  # each epoch reads the stream from its start with a zero state

    def loss(self, model: nn.Module, window: Window) -> tuple[Tensor, int]:
        self.stream = self.stream.to(device_of(model))  # once: later calls find it there
        h, self.carry = run_window(lambda x, state: model(x, state, scores=False), self.stream[:, :-1], window,
                                   self.carry)  # (B, scored, H)
        return unwrapped(model).loss(h, self.stream[:, 1 + window.scored_from: 1 + window.end])

    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        vocab = self.corpus.vocab
        return evaluate_stream(model, self.corpus.encode_text(getattr(self.corpus, split)), self.eval_rows,
                               self.eval_chunk, self.corpus.unit, vocab.index.get("<unk>") if self.corpus.unit == "word" else None)

    def state_dict(self) -> dict:
        return {"carry": self.carry}

    def load_state_dict(self, state: dict) -> None:
        self.carry = state.get("carry")
