"""Training a tagger: sentences of similar length in padded batches, words and their characters as ids."""

from __future__ import annotations

from collections import Counter

import torch
from torch import Tensor, nn

from rnnlab.data import Vocabulary, bucket_batches, pad_batch
from rnnlab.data.tagged import Tagged
from rnnlab.data.vocab import UNK
from rnnlab.training.spans import span_scores
from rnnlab.training.tasks import BucketTask, device_of


class Encoder:
    """Sentences to ids: lower-cased words, the characters of each word as written, tags. ``known``: the
    training words (the vocabulary may hold a language model's words as well)."""

    def __init__(self, words: Vocabulary, chars: Vocabulary, tags: list[str], known: set[str] | None = None) -> None:
        self.words, self.chars, self.tags = words, chars, tags
        self.known = set(words.tokens) if known is None else known
        self.tag_id = {t: k for k, t in enumerate(tags)}

    def batch(self, sentences: list[list[str]], device) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """``words (B, T)``, ``chars (B, T, L)``, ``char_lengths (B, T)``, ``lengths (B,)`` on ``device``."""
        ids, lengths = pad_batch([self.words.encode(w.lower() for w in s) for s in sentences], self.words.pad_id)
        L = max(len(w) for s in sentences for w in s)
        chars = torch.full((*ids.shape, L), self.chars.pad_id, dtype=torch.long)
        char_lengths = torch.zeros(ids.shape, dtype=torch.long)
        for b, s in enumerate(sentences):
            for t, w in enumerate(s):
                chars[b, t, :len(w)] = torch.tensor(self.chars.encode(w))
                char_lengths[b, t] = len(w)
        return ids.to(device), chars.to(device), char_lengths.to(device), lengths.to(device)

    def tag_ids(self, sentences: list[Tagged], device) -> Tensor:
        """``(B, T)`` tag ids, 0 past each length (the losses mask it)."""
        return pad_batch([[self.tag_id[t] for t in s.tags] for s in sentences], 0)[0].to(device)


def is_bio(tags: list[str]) -> bool:
    """Whether the tag set names entity spans (BIO or BIOES), so that span F1 means something."""
    return len(tags) > 1 and all(t == "O" or t[:2] in ("B-", "I-", "E-", "S-") for t in tags)


def ambiguous_words(sentences: list[Tagged]) -> set[str]:
    """The (lower-cased) words that take more than one tag in ``sentences``."""
    seen: dict[str, set[str]] = {}
    for s in sentences:
        for w, t in zip(s.words, s.tags):
            seen.setdefault(w.lower(), set()).add(t)
    return {w for w, tags in seen.items() if len(tags) > 1}




def tag_scores(predicted: list[list[str]], sentences: list[Tagged], ambiguous: set[str],
               known: set[str] | Vocabulary) -> dict[str, float]:
    """Accuracy on every word, on the ambiguous ones and on those unseen in training (``known``: the training
    words); span precision, recall and F1 for BIO tags."""
    words = [(p == t, w.lower()) for tags, s in zip(predicted, sentences) for p, t, w in zip(tags, s.tags, s.words)]
    groups = {"accuracy": [right for right, _ in words],
              "accuracy_ambiguous": [right for right, w in words if w in ambiguous],
              "accuracy_unseen": [right for right, w in words if w not in known]}
    scores = {name: sum(hits) / len(hits) for name, hits in groups.items() if hits}  # a group with no words: left out
    truth = [s.tags for s in sentences]
    if is_bio(sorted({t for tags in truth for t in tags})):
        scores.update({f"span_{k}": v for k, v in span_scores(predicted, truth).items()})
    return scores


def most_frequent_tag(train: list[Tagged], sentences: list[Tagged]) -> list[list[str]]:
    """The baseline: each word's most frequent training tag; a word never seen gets the most frequent tag."""
    counts: dict[str, Counter] = {}
    for s in train:
        for w, t in zip(s.words, s.tags):
            counts.setdefault(w.lower(), Counter())[t] += 1
    overall = Counter(t for s in train for t in s.tags).most_common(1)[0][0]
    return [[counts[w.lower()].most_common(1)[0][0] if w.lower() in counts else overall for w in s.words]
            for s in sentences]


@torch.no_grad()
def tag_sentences(model: nn.Module, encoder: Encoder, sentences: list[list[str]],
                  batch_size: int = 256) -> tuple[list[list[str]], list[Tensor]]:
    """Each sentence's tags and each word's tag probabilities ``(n, K)``, in the sentences' order."""
    model.eval()
    tags: list = [None] * len(sentences)
    probs: list = [None] * len(sentences)
    for batch in bucket_batches([len(s) for s in sentences], batch_size, seed=None):
        found, p = model.predict(*encoder.batch([sentences[k] for k in batch], device_of(model)))
        for k, ids, row in zip(batch, found, p):
            tags[k], probs[k] = [encoder.tags[i] for i in ids], row.cpu()
    return tags, probs


class TagTask(BucketTask):
    """Sentences in batches of similar length; a split's metrics are its loss, accuracy (all words, ambiguous
    words) and, for BIO tags, span F1."""

    def __init__(self, splits: dict[str, list[Tagged]], encoder: Encoder, batch_size: int, seed: int,
                 ambiguous: set[str], word_dropout: float = 0.0) -> None:
        self.splits, self.encoder, self.batch_size, self.seed = splits, encoder, batch_size, seed
        self.ambiguous, self.word_dropout = ambiguous, word_dropout
        self.lengths = [len(s.words) for s in splits["train"]]

    def _loss(self, model: nn.Module, sentences: list[Tagged]) -> tuple[Tensor, int]:
        device = device_of(model)
        words, *rest = self.encoder.batch([s.words for s in sentences], device)
        if model.training and self.word_dropout:  # the word vector hidden: the tag must come from context and spelling
            drop = (torch.rand(words.shape, device=device) < self.word_dropout) & (words != self.encoder.words.pad_id)
            words = words.masked_fill(drop, self.encoder.words.id(UNK))
        return model.loss(words, *rest, self.encoder.tag_ids(sentences, device)), int(rest[2].sum())

    def loss(self, model: nn.Module, batch: list[int]) -> tuple[Tensor, int]:
        return self._loss(model, [self.splits["train"][k] for k in batch])

    @torch.no_grad()
    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        model.eval()
        sentences = self.splits[split]
        total, count = 0.0, 0
        for batch in bucket_batches([len(s.words) for s in sentences], 256, seed=None):
            loss, n = self._loss(model, [sentences[k] for k in batch])
            total, count = total + float(loss) * n, count + n
        predicted, _ = tag_sentences(model, self.encoder, [s.words for s in sentences])
        return {"loss": total / max(1, count),
                **tag_scores(predicted, sentences, self.ambiguous, self.encoder.known)}
