"""Training a captioner: teacher-forced cross-entropy per word; BLEU-1..4, exact match and attributes of decoded captions."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnlab.apps.caption.data import Captioned
from rnnlab.apps.caption.generated import ATTRIBUTES, attribute_accuracy, parse
from rnnlab.data import Vocabulary, bucket_batches, pad_batch
from rnnlab.decoding import Hypothesis, beam_search, check_beam, greedy
from rnnlab.training.bleu import corpus_bleu
from rnnlab.training.tasks import BucketTask, device_of

IGNORE = -100


def pixels(images: Tensor, device) -> Tensor:
    """uint8 ``(B, 3, S, S)`` -> float in [0, 1] on ``device``."""
    return images.to(device).float().div_(255.0)


def caption_scores(hypotheses: list[str], references: list[list[str]], scenes=None) -> dict[str, float]:
    """BLEU-1..4 (sacrebleu, 0-100, every reference), exact match, and on generated scenes the attribute accuracy,
    of all three and of each (size, colour, shape)."""
    scores = {f"bleu{n}": corpus_bleu(hypotheses, references, n) for n in range(1, 5)}
    scores["exact_match"] = sum(h in refs for h, refs in zip(hypotheses, references)) / max(1, len(references))
    if scenes is not None:
        parsed = [parse(h) for h in hypotheses]
        for name, attributes in (("attribute", ATTRIBUTES),) + tuple((a, (a,)) for a in ATTRIBUTES):
            scores[f"{name}_accuracy"] = sum(attribute_accuracy(p, s.things, attributes)
                                             for p, s in zip(parsed, scenes)) / max(1, len(scenes))
    return scores


@torch.no_grad()
def describe_images(model: nn.Module, images: Tensor, vocab: Vocabulary, beam: int = 1, alpha: float = 0.0,
                    max_len: int = 30, batch_size: int = 256) -> list[Hypothesis]:
    """The best caption of each uint8 image ``(N, 3, S, S)``, greedy when ``beam`` is 1."""
    check_beam(beam, 1, len(vocab), alpha)
    model.eval()
    out: list[Hypothesis] = []
    bos_id, eos_id = vocab.bos_id, vocab.eos_id
    for start in range(0, images.shape[0], batch_size):
        memory = model.encode(pixels(images[start:start + batch_size], device_of(model)))
        state = model.initial_state(memory)
        bos = torch.full((memory.keys.shape[0],), bos_id, device=memory.keys.device)
        if beam == 1:
            out += greedy(model.step_function(memory), state, bos, eos_id, max_len)
        else:
            out += [h[0] for h in beam_search(model.step_function(memory.repeat(beam)), state, bos, eos_id, max_len,
                                              beam, alpha)]
    return out


class CaptionTask(BucketTask):
    """Batches of pictures of similar caption length, each picture with all its reference captions:
    the CNN sees a picture once per step, and the decoder learns every way of saying what is in it."""

    def __init__(self, splits: dict[str, Captioned], vocab: Vocabulary, batch_size: int, seed: int,
                 test_beam: int = 1, alpha: float = 0.0) -> None:
        self.splits, self.vocab, self.batch_size, self.seed = splits, vocab, batch_size, seed
        self.test_beam, self.alpha = test_beam, alpha
        self.captions = {name: [[vocab.encode(c) for c in refs] for refs in split.captions]
                         for name, split in splits.items()}
        self.lengths = self._lengths("train")

    def _lengths(self, split: str) -> list[int]:
        return [max(map(len, refs)) for refs in self.captions[split]]  # a picture's longest caption

    def _loss(self, model: nn.Module, split: str, batch: list[int], reduction: str) -> tuple[Tensor, int]:
        device = device_of(model)
        images = pixels(self.splits[split].images[batch], device)
        examples = [(j, c) for j, k in enumerate(batch) for c in self.captions[split][k]]
        ids, lengths = pad_batch([[self.vocab.bos_id] + c + [self.vocab.eos_id] for _, c in examples],
                                 self.vocab.pad_id)
        outputs = ids[:, 1:].masked_fill(torch.arange(ids.shape[1] - 1) >= (lengths - 1).unsqueeze(1), IGNORE)
        scored = (outputs != IGNORE).to(device)
        owners = torch.tensor([j for j, _ in examples], device=device)
        logits = model(images, ids[:, :-1].to(device), scored, owners)  # (N, V)
        return F.cross_entropy(logits.float(), outputs.to(device)[scored], reduction=reduction), int(scored.sum())

    def loss(self, model: nn.Module, batch: list[int]) -> tuple[Tensor, int]:
        return self._loss(model, "train", batch, "mean")

    @torch.no_grad()
    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        model.eval()
        total, count = 0.0, 0
        for batch in bucket_batches(self._lengths(split), 256, seed=None):
            loss, n = self._loss(model, split, batch, "sum")
            total, count = total + float(loss), count + n
        data = self.splits[split]
        found = describe_images(model, data.images, self.vocab, self.test_beam if split == "test" else 1, self.alpha)
        hypotheses = [" ".join(self.vocab.decode(h.tokens)) for h in found]
        references = [[" ".join(c) for c in refs] for refs in data.captions]
        nats = total / max(1, count)
        return {"loss": nats, "perplexity": math.exp(min(nats, 700.0)),
                **caption_scores(hypotheses, references, data.scenes)}
