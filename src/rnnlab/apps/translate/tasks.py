"""Training and scoring a translator: teacher-forced cross-entropy per target word; BLEU of decoded sentences."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnlab.data import Vocabulary, bucket_batches, pad_batch
from rnnlab.decoding import Hypothesis, beam_search, check_beam, greedy
from rnnlab.models import Seq2Seq
from rnnlab.training.bleu import corpus_bleu
from rnnlab.training.tasks import BucketTask, device_of

IGNORE = -100


def target_tensors(targets: list[list[int]], vocab: Vocabulary, device) -> tuple[Tensor, Tensor]:
    """Decoder inputs ``<bos> y_1 .. y_n`` and outputs ``y_1 .. y_n <eos>`` (IGNORE past the end), ``(B, T)`` each."""
    ids, lengths = pad_batch([[vocab.bos_id] + t + [vocab.eos_id] for t in targets], vocab.pad_id)
    outputs = ids[:, 1:].masked_fill(torch.arange(ids.shape[1] - 1) >= (lengths - 1).unsqueeze(1), IGNORE)
    return ids[:, :-1].to(device), outputs.to(device)


@torch.no_grad()
def translate_ids(model: Seq2Seq, sources: list[list[int]], source_vocab: Vocabulary, target_vocab: Vocabulary,
                  beam: int = 1, alpha: float = 0.0, max_len: int | None = None, n_best: int = 1,
                  batch_size: int = 256) -> list[list[Hypothesis]]:
    """The ``n_best`` translations of each encoded source sentence (greedy when ``beam`` is 1), in order."""
    check_beam(beam, n_best, len(target_vocab), alpha)
    model.eval()
    out: list[list[Hypothesis]] = [[] for _ in sources]
    for batch in bucket_batches([len(s) for s in sources], batch_size, seed=None):
        ids, lengths = pad_batch([sources[k] for k in batch], source_vocab.pad_id)
        ids = ids.to(device_of(model))
        memory = model.encode(ids, lengths)
        state = model.initial_state(memory)
        bos = torch.full((len(batch),), target_vocab.bos_id, device=ids.device)
        limit = max_len or int(2 * lengths.max()) + 10
        if beam == 1 and n_best == 1:
            found = [[h] for h in greedy(model.step_function(memory), state, bos, target_vocab.eos_id, limit)]
        else:
            found = beam_search(model.step_function(memory.repeat(beam)), state, bos, target_vocab.eos_id, limit,
                                beam, alpha, n_best)
        for k, hyps in zip(batch, found):
            out[k] = hyps
    return out


class TranslationTask(BucketTask):
    """Bucketed batches of sentence pairs; a split's metrics are perplexity and BLEU (validation: greedy;
    test: a beam of ``test_beam``)."""

    def __init__(self, data: dict, source_vocab: Vocabulary, target_vocab: Vocabulary, batch_size: int, seed: int,
                 teacher_forcing: float = 1.0, test_beam: int = 1, alpha: float = 0.0) -> None:
        self.data, self.source_vocab, self.target_vocab = data, source_vocab, target_vocab
        self.batch_size, self.seed, self.teacher_forcing = batch_size, seed, teacher_forcing
        self.test_beam, self.alpha = test_beam, alpha
        self.lengths = [len(s) for s, _ in data["train"]]

    def _loss(self, model: nn.Module, pairs: list[tuple[list[int], list[int]]], reduction: str) -> tuple[Tensor, int]:
        device = device_of(model)
        ids, lengths = pad_batch([s for s, _ in pairs], self.source_vocab.pad_id)
        previous, outputs = target_tensors([t for _, t in pairs], self.target_vocab, device)
        scored = outputs != IGNORE  # (B, T)
        logits = model(ids.to(device), lengths, previous, self.teacher_forcing if model.training else 1.0,
                       positions=scored)  # (N, V)
        loss = F.cross_entropy(logits.float(), outputs[scored], reduction=reduction)
        return loss, int(scored.sum())

    def loss(self, model: nn.Module, batch: list[int]) -> tuple[Tensor, int]:
        return self._loss(model, [self.data["train"][k] for k in batch], "mean")

    @torch.no_grad()
    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        model.eval()
        pairs = self.data[f"{split}_pairs"]
        total, count = 0.0, 0
        for batch in bucket_batches([len(s) for s, _ in pairs], 256, seed=None):
            loss, n = self._loss(model, [pairs[k] for k in batch], "sum")
            total, count = total + float(loss), count + n
        nats = total / max(1, count)
        sources, references = self.data[f"{split}_groups"]
        beam = self.test_beam if split == "test" else 1
        found = translate_ids(model, sources, self.source_vocab, self.target_vocab, beam, self.alpha)
        hypotheses = [" ".join(self.target_vocab.decode(h[0].tokens)) for h in found]
        return {"loss": nats, "perplexity": math.exp(min(nats, 700.0)), "bleu": corpus_bleu(hypotheses, references),
                "exact_match": sum(h in refs for h, refs in zip(hypotheses, references)) / max(1, len(references))}
