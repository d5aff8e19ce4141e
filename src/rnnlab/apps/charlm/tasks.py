"""The two ways to train a character language model.

Word lists: full BPTT over batches of padded words (``<bos> w o r d``
predicting ``w o r d <eos>``), lengths passed to the layers. Text: one long
stream, truncated BPTT (k1, k2) with the state carried from window to window.
"""

from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnlab.apps.charlm.data import Corpus
from rnnlab.data import batchify, bucket_batches, pad_batch
from rnnlab.training.tasks import BucketTask, Probe, device_of
from rnnlab.training.tbptt import TBPTT, run_window

IGNORE = -100


def _metrics(total_nats: float, count: int) -> dict[str, float]:
    nats = total_nats / max(1, count)
    return {"loss": nats, "bits_per_char": nats / math.log(2), "perplexity": math.exp(min(nats, 700.0))}


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
        logits, _ = model(inputs, None, lengths)  # (B, T, V)
        total += float(F.cross_entropy(logits.flatten(0, 1).float(), targets.flatten(), ignore_index=IGNORE,
                                       reduction="sum"))
        count += int((targets != IGNORE).sum())
    return _metrics(total, count)


@torch.no_grad()
def evaluate_stream(model: nn.Module, ids: Tensor, rows: int = 16, chunk: int = 512) -> dict[str, float]:
    """Cross-entropy per character over a text, read as a few long rows with the state carried throughout."""
    model.eval()
    rows = max(1, min(rows, (ids.numel() - 1) // 64))
    stream = batchify(ids, rows).to(device_of(model))  # (R, N)
    total, count, state = 0.0, 0, None
    for start in range(0, stream.shape[1] - 1, chunk):
        end = min(start + chunk, stream.shape[1] - 1)
        logits, state = model(stream[:, start:end], state)  # (R, chunk, V)
        targets = stream[:, start + 1:end + 1]
        total += float(F.cross_entropy(logits.flatten(0, 1).float(), targets.flatten(), reduction="sum"))
        count += targets.numel()
    return _metrics(total, count)


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
        logits, _ = model(inputs, None, lengths)  # (B, T, V)
        count = int((targets != IGNORE).sum())
        return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=IGNORE), count

    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        return evaluate_words(model, self.encoded[split], self.corpus.vocab.pad_id, self.eval_batch_size)


class StreamTask:
    """Truncated BPTT over a text stream cut into ``batch_size`` parallel rows."""

    def __init__(self, corpus: Corpus, batch_size: int, tbptt: TBPTT, eval_rows: int = 16,
                 eval_chunk: int = 512) -> None:
        self.corpus, self.tbptt = corpus, tbptt
        self.stream = batchify(corpus.encode_text(corpus.train), batch_size)  # (B, N)
        self.windows = tbptt.windows(self.stream.shape[1] - 1)
        self.eval_rows, self.eval_chunk = eval_rows, eval_chunk
        self.carry = None

    def batches(self, epoch: int) -> list[int]:
        return list(range(len(self.windows)))

    def probe(self, rows: int) -> Probe:
        """The longest window over the first ``rows`` rows of the stream, from a zero state."""
        k = max(range(len(self.windows)), key=lambda j: self.windows[j].end - self.windows[j].start)
        part = copy.copy(self)
        part.stream, part.carry = self.stream[:rows], None
        return Probe(part, k, self.stream.shape[0], self.windows[k].end - self.windows[k].start,
                     ("batch_size", "bptt", "bptt_k2"))

    def start_epoch(self, epoch: int) -> None:
        self.carry = None  # each epoch reads the stream from its start with a zero state

    def loss(self, model: nn.Module, batch: int) -> tuple[Tensor, int]:
        window = self.windows[batch]
        self.stream = self.stream.to(device_of(model))  # once: later calls find it there
        logits, self.carry = run_window(model, self.stream[:, :-1], window, self.carry)  # (B, scored, V)
        targets = self.stream[:, 1 + window.scored_from: 1 + window.end]  # (B, scored)
        return F.cross_entropy(logits.flatten(0, 1), targets.flatten()), targets.numel()

    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        return evaluate_stream(model, self.corpus.encode_text(getattr(self.corpus, split)), self.eval_rows,
                               self.eval_chunk)

    def state_dict(self) -> dict:
        return {"carry": self.carry}

    def load_state_dict(self, state: dict) -> None:
        self.carry = state.get("carry")
