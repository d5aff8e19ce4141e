"""The character language model, end to end: corpus, model, loss, optimiser, train, test, generate.

``train(config)`` runs the chapter's pipeline and returns the test metrics
and generated samples; ``load(checkpoint)``, ``generate`` and ``evaluate``
work from a saved run.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import torch

from rnnlab.apps.charlm.data import FORMATS, Corpus, load_corpus
from rnnlab.apps.charlm.tasks import StreamTask, WordTask, evaluate_stream, evaluate_words
from rnnlab.data import DataError, Vocabulary, read_lines, read_text
from rnnlab.decoding import sample
from rnnlab.kernels.dispatch import check_engine
from rnnlab.models import CELL_KINDS, LanguageModel
from rnnlab.training import TrainConfig, fit, is_main_process, resolve_device, seed_everything
from rnnlab.training.appconfig import AppConfig, describing, resumed_config, run_folder
from rnnlab.training.checkpoint import load_checkpoint, prefixed
from rnnlab.training.tbptt import TBPTT

log = logging.getLogger(__name__)
APP = "charlm"


@dataclass(frozen=True)
class CharLMConfig(AppConfig):
    """Everything a character-LM run needs; saved in its checkpoints.

    ``validation`` and ``test`` are fractions (float) or counts (int): words for
    a word list, characters at the end of a text.
    """

    data: str | None = None
    format: str = "auto"
    words: int = 20000
    validation: float | int = 0.05
    test: float | int = 0.05
    split_seed: int = 0
    cell: str = "lstm"
    layers: int = 1
    hidden_size: int = 256
    embedding_dim: int = 32
    dropout: float = 0.1
    tie_weights: bool = False
    engine: str = "auto"
    batch_size: int = 64
    bptt: int = 100
    bptt_k2: int | None = None
    samples: int = 20
    temperature: float = 0.8
    top_k: int = 0
    out: str | None = None
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=8, lr=3e-3, schedule="cosine"))

    def __post_init__(self) -> None:
        self.check_choices({"format": FORMATS, "cell": CELL_KINDS})
        check_engine(self.engine)
        self.check_at_least(("layers", "hidden_size", "batch_size", "bptt", "words"))
        self.check_at_least(("samples",), 0)


@dataclass
class CharLMResult:
    run_dir: Path
    test: dict[str, float]
    validation: dict[str, float]
    samples: list[str]
    novelty: dict[str, float]
    stopped: str


def build_model(config: CharLMConfig, vocab: Vocabulary) -> LanguageModel:
    return LanguageModel(len(vocab), config.embedding_dim, config.cell, config.hidden_size, config.layers,
                         config.dropout, config.tie_weights, padding_idx=vocab.pad_id, engine=config.engine)


def _task(config: CharLMConfig, corpus: Corpus):
    if corpus.kind == "words":
        return WordTask(corpus, config.batch_size, config.train.seed)
    return StreamTask(corpus, config.batch_size, TBPTT(config.bptt, config.bptt_k2))


def train(config: CharLMConfig, resume: bool = False) -> CharLMResult:
    """Prepare the corpus, build the model, train, test on held-out data, and generate samples.

    With ``resume``, the run in ``config.out`` continues (see ``resume``).
    """
    run_dir = run_folder(config.out, APP)
    seed_everything(config.train.seed)
    corpus = load_corpus(config.data, config.format, config.words, config.validation, config.test,
                         config.split_seed)
    log.info("corpus %s: %s, %d characters in the vocabulary", corpus.source, corpus.kind, len(corpus.vocab))
    model = build_model(config, corpus.vocab)
    meta = {"app": APP, "config": config.to_json(), "vocab": corpus.vocab.to_json(),
            "corpus": {"kind": corpus.kind, "source": corpus.source}}
    result = fit(model, _task(config, corpus), config.train, run_dir, meta, resume=resume)
    samples, novelty = [], {}
    if result.stopped == "max_steps":
        return CharLMResult(run_dir, result.test, result.validation, samples, novelty, result.stopped)
    if config.samples:
        samples = generate(result.model, corpus.vocab, corpus.kind, config.samples, config.temperature,
                           config.top_k, seed=config.train.seed)
        novelty = novelty_of(samples, corpus) if corpus.kind == "words" else {}
    if is_main_process():
        (run_dir / "samples.txt").write_text("".join(s + "\n" for s in samples), encoding="utf-8")
        (run_dir / "summary.json").write_text(json.dumps(
            {"test": result.test, "validation": result.validation, "novelty": novelty, "corpus": meta["corpus"],
             "stopped": result.stopped}, indent=1), encoding="utf-8")
    return CharLMResult(run_dir, result.test, result.validation, samples, novelty, result.stopped)


def resume(out: str | Path, epochs: int | None = None, max_steps: int | None = None,
           progress: bool = True) -> CharLMResult:
    """Continue the run in ``out`` with the config saved in its checkpoint.

    Only the length of the run can change (``epochs``, ``max_steps``; a step
    limit not given again is lifted); the result is bit for bit the
    uninterrupted run's.
    """
    return train(resumed_config(out, APP, CharLMConfig, epochs, max_steps, progress), resume=True)


def novelty_of(words: list[str], corpus: Corpus) -> dict[str, float]:
    """The share of generated words that are new (not trained on) and that are real held-out words."""
    n = max(1, len(words))
    return {"new": sum(w not in corpus.train_set for w in words) / n,
            "real_held_out": sum(w in corpus.held_out_set for w in words) / n}


def load(checkpoint: str | Path, device: str = "cpu") -> tuple[LanguageModel, Vocabulary, CharLMConfig, dict]:
    """A trained model, its vocabulary and config, from a run folder or a checkpoint file."""
    tensors, meta = load_checkpoint(checkpoint, app=APP, map_location=resolve_device(device))
    with describing(checkpoint, "a character LM"):
        config = CharLMConfig.from_json(meta["config"])
        vocab = Vocabulary.from_json(meta["vocab"])
        model = build_model(config, vocab).to(resolve_device(device))
        model.load_state_dict(prefixed(tensors, "model"))
    model.eval()
    return model, vocab, config, meta


@torch.no_grad()
def generate(model: LanguageModel, vocab: Vocabulary, kind: str, n: int, temperature: float = 0.8,
             top_k: int = 0, top_p: float = 1.0, prefix: str = "", max_len: int | None = None,
             seed: int = 0) -> list[str]:
    """``n`` samples: words (each ``prefix`` + sampled letters up to ``<eos>``) or text passages."""
    model.eval()
    unknown = sorted({c for c in prefix if c not in vocab})
    if unknown:
        raise ValueError(f"the prefix holds characters the model never saw: {''.join(unknown)!r}")
    device = next(model.parameters()).device
    if kind == "words":
        start = [vocab.bos_id] + vocab.encode(prefix)
        max_len = max_len or 30
    else:
        start = vocab.encode(prefix or "\n")
        max_len = max_len or 400
    prompt = torch.tensor([start] * n, dtype=torch.long, device=device)  # (n, T0)
    generator = torch.Generator().manual_seed(seed)
    new = sample(lambda tokens, state: model(tokens, state), None, prompt, max_len,
                 eos_id=vocab.eos_id if kind == "words" else None, temperature=temperature, top_k=top_k,
                 top_p=top_p, generator=generator)
    return [prefix + "".join(vocab.decode(ids)) for ids in new]


def evaluate(checkpoint: str | Path, data: str | None = None, device: str = "cpu") -> dict[str, float]:
    """Test metrics of a saved model: on its own test split, or on all of a user file."""
    model, vocab, config, meta = load(checkpoint, device)
    kind = meta["corpus"]["kind"]
    if data is None:
        corpus = load_corpus(config.data, config.format, config.words, config.validation, config.test,
                             config.split_seed)
        corpus.vocab = vocab
        return _task(config, corpus).evaluate(model, "test")
    if kind == "words":
        words = [line for _, line in read_lines(data)]
        return evaluate_words(model, [[vocab.bos_id] + vocab.encode(w) + [vocab.eos_id] for w in words],
                              vocab.pad_id)
    text = read_text(data)
    if len(text) < 2:
        raise DataError(data, "needs at least two characters to score")
    return evaluate_stream(model, torch.tensor(vocab.encode(text), dtype=torch.long))
