"""word2vec from the user's own text (``rnnlab vectors``): the chapter's word2vec input, made here.

Training goes through gensim (Mikolov et al. 2013: skip-gram or CBOW with
negative sampling), installed with the ``vectors`` extra. The text is read as
the language model reads it (``rnnlab.data.documents``: a text file, a split
folder, of which only ``train.txt`` is read, or a folder of documents) and cut
into words by the tasks' own tokenizer (``rnnlab.data.text.tokenize``), so the
vectors' words are the words the tasks look up. The file written is a standard
word2vec file (binary for ``.bin``, else text) that ``--vectors`` and other tools read.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from rnnlab.data.documents import read_parts
from rnnlab.data.errors import DataError
from rnnlab.data.text import tokenize
from rnnlab.data.vectors import read_vectors
from rnnlab.training.progress import progress_bar

log = logging.getLogger(__name__)

METHODS = ("skipgram", "cbow")
LONGEST = 10_000  # gensim reads at most this many words of a sentence; longer documents go in pieces


def sentences(paths: list[str]) -> list[list[str]]:
    """The words of every line or document of ``paths`` (a split folder's training text only), in pieces of at
    most ``LONGEST`` words."""
    out = []
    for path in paths:
        layout, parts = read_parts(path)
        for text in parts["train"] if layout == "splits" else parts:
            words = tokenize(text)
            out += [words[k:k + LONGEST] for k in range(0, len(words), LONGEST)]
    if not any(out):
        raise DataError(", ".join(map(str, paths)), "holds no words to learn vectors from")
    return out


@dataclass(frozen=True)
class Trained:
    path: Path
    words: int
    tokens: int
    dim: int
    seconds: float


def train_vectors(paths: list[str], out: str | Path, dim: int = 100, window: int = 5, min_count: int = 5,
                  epochs: int = 5, method: str = "skipgram", negative: int = 5, workers: int = 2, seed: int = 0,
                  progress: bool = True) -> Trained:
    """Learn word vectors from ``paths`` and write them to ``out`` (a new file, written whole or not at all)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; received {method!r}")
    for name, value, least in (("dim", dim, 1), ("window", window, 1), ("min count", min_count, 1),
                               ("epochs", epochs, 1), ("negative", negative, 1), ("workers", workers, 1)):
        if value < least:
            raise ValueError(f"{name} must be at least {least}; received {value}")
    out = Path(out)
    if out.exists():
        raise ValueError(f"{out} already exists; choose another --out (nothing was overwritten)")
    if not out.parent.is_dir():
        raise DataError(out.parent, "no such folder to write the vectors into")
    try:
        from gensim.models import Word2Vec
        from gensim.models.callbacks import CallbackAny2Vec
    except ImportError:
        raise ValueError("rnnlab vectors train needs gensim: pip install 'rnnlab[vectors]'") from None
    start = time.perf_counter()
    text = sentences(paths)
    tokens = sum(map(len, text))
    bar = progress_bar(epochs, "word2vec", "epoch", disable=not progress)

    class Epochs(CallbackAny2Vec):
        def on_epoch_end(self, model):
            bar.update(1)

    model = Word2Vec(vector_size=dim, window=window, min_count=min_count, sg=int(method == "skipgram"),
                     negative=negative, hs=0, workers=workers, seed=seed)
    model.build_vocab(text)
    if len(model.wv) == 0:
        bar.close()
        raise DataError(", ".join(map(str, paths)), f"no word occurs --min-count {min_count} times")
    model.train(text, total_examples=len(text), epochs=epochs, callbacks=[Epochs()])
    bar.close()
    pending = out.with_name(out.name + ".part")
    model.wv.save_word2vec_format(str(pending), binary=out.suffix == ".bin")
    os.replace(pending, out)
    log.info("%s: %d words of %d dimensions from %d tokens", out, len(model.wv), dim, tokens)
    return Trained(out, len(model.wv), tokens, dim, time.perf_counter() - start)


def neighbours(path: str | Path, word: str, n: int = 10) -> list[tuple[str, float]]:
    """The ``n`` words whose vectors in ``path`` (any word2vec or GloVe file) are nearest to ``word``'s, by
    cosine similarity, nearest first."""
    if n < 1:
        raise ValueError(f"n must be at least 1; received {n}")
    vectors = read_vectors(path)
    index = {w: k for k, w in enumerate(vectors.words)}
    key = word if word in index else word.lower()
    if key not in index:
        raise ValueError(f"{path} has no vector for {word!r}")
    unit = torch.nn.functional.normalize(vectors.vectors.float(), dim=1)
    similarity = unit @ unit[index[key]]
    similarity[index[key]] = -2.0  # not its own neighbour
    best = similarity.topk(min(n, len(vectors.words) - 1))
    return [(vectors.words[int(k)], float(s)) for s, k in zip(best.values, best.indices)]
