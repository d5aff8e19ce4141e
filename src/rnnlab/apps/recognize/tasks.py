"""Training a recogniser with CTC: inputs of similar length in padded batches, transcripts as symbol ids,
scored by character and word error rates after decoding."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnnlab.apps.recognize.data import Example
from rnnlab.data import bucket_batches, pad_batch
from rnnlab.data.audio import spec_augment
from rnnlab.decoding.ctc import best_path, prefix_beam_search
from rnnlab.training.error_rates import error_rates
from rnnlab.training.tasks import BucketTask, device_of


class Alphabet:
    """Transcripts to symbol ids 1..K and back; 0 is CTC's blank."""

    def __init__(self, symbols: list[str]) -> None:
        self.symbols = list(symbols)
        self.id = {s: k + 1 for k, s in enumerate(self.symbols)}

    def encode(self, text: str) -> list[int]:
        return [self.id[c] for c in text]

    def decode(self, ids: list[int]) -> str:
        return "".join(self.symbols[k - 1] for k in ids)


def pad_inputs(inputs: list[Tensor], device) -> tuple[Tensor, Tensor]:
    """``(B, 1, F, T_max)`` zero-padded and the ``(B,)`` lengths, on ``device``."""
    lengths = torch.tensor([x.shape[1] for x in inputs])
    batch = torch.zeros(len(inputs), 1, inputs[0].shape[0], int(lengths.max()))
    for b, x in enumerate(inputs):
        batch[b, 0, :, :x.shape[1]] = x
    return batch.to(device), lengths.to(device)


@torch.no_grad()
def transcribe(model: nn.Module, inputs: list[Tensor], alphabet: Alphabet, beam: int = 1,
               batch_size: int = 64) -> list[list[tuple[str, float]]]:
    """Each input's transcripts with their log-probabilities, best first: the best path alone (``beam`` 1,
    scored by that path's log-probability) or prefix beam search's ``beam`` best labellings."""
    model.eval()
    out: list = [None] * len(inputs)
    for batch in bucket_batches([x.shape[1] for x in inputs], batch_size, seed=None):
        log_probs, steps = model(*pad_inputs([inputs[k] for k in batch], device_of(model)))
        log_probs, steps = log_probs.cpu(), steps.cpu()
        if beam == 1:
            scores = log_probs.max(-1).values
            for k, ids, row, n in zip(batch, best_path(log_probs, steps), scores, steps.tolist()):
                out[k] = [(alphabet.decode(ids), float(row[:n].sum()))]
        else:
            for k, row, n in zip(batch, log_probs, steps.tolist()):
                out[k] = [(alphabet.decode(ids), score) for ids, score in prefix_beam_search(row[:n], beam)]
    return out


class RecognizeTask(BucketTask):
    """Inputs in batches of similar length; SpecAugment masks on training spectrograms when ``augment`` (the
    bands warped by up to ``warp`` first); a split's metrics are the CTC loss a symbol, CER, WER and sequence
    accuracy."""

    def __init__(self, splits: dict[str, list[Example]], alphabet: Alphabet, batch_size: int, seed: int,
                 augment: bool = False, beam: int = 1, warp: float = 0.0) -> None:
        self.splits, self.alphabet, self.batch_size, self.seed = splits, alphabet, batch_size, seed
        self.augment, self.beam, self.warp = augment, beam, warp
        self.lengths = [e.input.shape[1] for e in splits["train"]]

    def _loss(self, model: nn.Module, examples: list[Example], augment: torch.Generator | None = None
              ) -> tuple[Tensor, int]:
        device = device_of(model)
        inputs = [e.input if augment is None else spec_augment(e.input, augment, warp=self.warp) for e in examples]
        targets, target_lengths = pad_batch([self.alphabet.encode(e.text) for e in examples])
        loss = model.loss(*pad_inputs(inputs, device), targets.to(device), target_lengths.to(device))
        return loss, int(target_lengths.sum())

    def loss(self, model: nn.Module, batch: list[int]) -> tuple[Tensor, int]:
        # the masks depend on the batch alone, so a resumed run draws the same ones
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + hash(tuple(batch)) % 1_000_000_007) \
            if self.augment else None
        return self._loss(model, [self.splits["train"][k] for k in batch], generator)

    @torch.no_grad()
    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        model.eval()
        examples = self.splits[split]
        total, count = 0.0, 0
        for batch in bucket_batches([e.input.shape[1] for e in examples], 64, seed=None):
            loss, n = self._loss(model, [examples[k] for k in batch])
            total, count = total + float(loss) * n, count + n
        found = transcribe(model, [e.input for e in examples], self.alphabet, self.beam)
        return {"loss": total / max(1, count),
                **error_rates([e.text for e in examples], [hyps[0][0] for hyps in found])}
