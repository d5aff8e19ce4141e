"""Machine translation, end to end: parallel text, an encoder-decoder with or without attention, BLEU.

``train(config)`` trains, selects the epoch by validation BLEU and tests it
(BLEU against every held-out translation of each source, and perplexity);
``load``, ``translate`` and ``evaluate`` work from a saved run.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rnnlab.apps.translate.data import FORMATS, Group, ParallelCorpus, load_parallel
from rnnlab.apps.translate.generated import PAIRS
from rnnlab.apps.translate.tasks import TranslationTask, translate_ids
from rnnlab.data import Vocabulary
from rnnlab.data.text import tokenize
from rnnlab.data.vocab import BOS, EOS, PAD, UNK
from rnnlab.decoding import Hypothesis
from rnnlab.kernels.dispatch import check_engine
from rnnlab.models import ATTENTIONS, CELL_KINDS, Seq2Seq
from rnnlab.training import TrainConfig, fit, is_main_process, resolve_device, seed_everything
from rnnlab.training.appconfig import AppConfig, describing, resumed_config, run_folder
from rnnlab.training.bleu import corpus_bleu
from rnnlab.training.checkpoint import load_checkpoint, prefixed
from rnnlab.viz import plot_attention

log = logging.getLogger(__name__)
APP = "translate"
ATTENTION_CHOICES = ATTENTIONS + ("none",)


@dataclass(frozen=True)
class TranslateConfig(AppConfig):
    """Everything a translation run needs; saved in its checkpoints.

    Data: ``data`` (a TSV of pairs, or with ``target_data`` two aligned files;
    None: the generated ``generated`` pair), at most ``max_words`` words a
    side; ``validation``/``test``: source sentences held out (counts or
    fractions). Model: see ``rnnlab.models.Seq2Seq``; ``attention="none"``
    is the encoder-decoder of Cho et al. and Sutskever et al.
    """

    data: str | None = None
    target_data: str | None = None
    format: str = "auto"
    reverse: bool = False
    skip_bad_rows: bool = False
    max_words: int = 10
    validation: float | int = 0.05
    test: float | int = 0.1
    split_seed: int = 0
    generated: str = "en-fr"
    generated_train: int = 6000
    generated_validation: int = 300
    generated_test: int = 1000
    min_freq: int = 1
    max_vocab: int | None = None
    embedding_dim: int = 64
    encoder_cell: str = "gru"
    decoder_cell: str = "gru"
    hidden_size: int = 128
    layers: int = 1
    bidirectional: bool = True
    dropout: float = 0.1
    attention: str = "additive"
    teacher_forcing: float = 1.0
    engine: str = "auto"
    batch_size: int = 64
    beam: int = 1
    alpha: float = 0.0
    out: str | None = None
    train: TrainConfig = field(default_factory=lambda: TrainConfig(
        epochs=12, lr=3e-3, schedule="cosine", monitor="bleu", monitor_mode="max"))

    def __post_init__(self) -> None:
        self.check_choices({"format": FORMATS, "generated": PAIRS, "encoder_cell": CELL_KINDS,
                            "decoder_cell": CELL_KINDS, "attention": ATTENTION_CHOICES})
        check_engine(self.engine)
        self.check_at_least(("layers", "hidden_size", "batch_size", "min_freq", "max_words", "beam", "embedding_dim"))
        self.check_fractions(("dropout",))
        if not 0.0 <= self.teacher_forcing <= 1.0:
            raise ValueError(f"teacher forcing must be in [0, 1]; received {self.teacher_forcing}")


@dataclass
class TranslateResult:
    run_dir: Path
    test: dict[str, float]
    validation: dict[str, float]
    examples: list[dict]
    stopped: str
    skipped: dict[str, int]


def build_vocabularies(corpus: ParallelCorpus, config: TranslateConfig) -> tuple[Vocabulary, Vocabulary]:
    sources = (g.source for g in corpus.train for _ in g.targets)  # a source counts once per translation
    targets = (t for g in corpus.train for t in g.targets)
    return (Vocabulary.build(sources, (PAD, UNK), config.min_freq, config.max_vocab),
            Vocabulary.build(targets, (PAD, BOS, EOS, UNK), config.min_freq, config.max_vocab))


def build_model(config: TranslateConfig, source_vocab: Vocabulary, target_vocab: Vocabulary) -> Seq2Seq:
    return Seq2Seq(len(source_vocab), len(target_vocab), config.embedding_dim, config.encoder_cell,
                   config.decoder_cell, config.hidden_size, config.layers, config.bidirectional, config.dropout,
                   None if config.attention == "none" else config.attention, source_vocab.pad_id,
                   target_vocab.pad_id, config.engine)


def encode(corpus: ParallelCorpus, source_vocab: Vocabulary, target_vocab: Vocabulary) -> dict:
    def pairs(groups: list[Group]):
        return [(source_vocab.encode(g.source), target_vocab.encode(t)) for g in groups for t in g.targets]

    data = {"train": pairs(corpus.train)}
    for split in ("validation", "test"):
        groups = getattr(corpus, split)
        data[f"{split}_pairs"] = pairs(groups)
        data[f"{split}_groups"] = ([source_vocab.encode(g.source) for g in groups],
                                   [[" ".join(t) for t in g.targets] for g in groups])
    return data


def baselines(corpus: ParallelCorpus, split: str = "test") -> dict[str, float]:
    """BLEU of copying the source, and of answering every source with the most common training translation."""
    groups = getattr(corpus, split)
    references = [[" ".join(t) for t in g.targets] for g in groups]
    constant = Counter(" ".join(t) for g in corpus.train for t in g.targets).most_common(1)[0][0]
    return {"copy_source": corpus_bleu([" ".join(g.source) for g in groups], references),
            "constant_output": corpus_bleu([constant] * len(groups), references)}


def train(config: TranslateConfig, resume: bool = False) -> TranslateResult:
    """Read and split the corpus, build the vocabularies and model, train, and test the best weights."""
    run_dir = run_folder(config.out, APP)
    seed_everything(config.train.seed)
    corpus = load_parallel(config)
    for reason, count in corpus.skipped.items():
        log.warning("%s: left out %d pairs: %s", corpus.source, count, reason)
    source_vocab, target_vocab = build_vocabularies(corpus, config)
    model = build_model(config, source_vocab, target_vocab)
    data = encode(corpus, source_vocab, target_vocab)
    log.info("corpus %s: %d / %d / %d source sentences; vocabularies %d and %d words", corpus.source,
             len(corpus.train), len(corpus.validation), len(corpus.test), len(source_vocab), len(target_vocab))
    task = TranslationTask(data, source_vocab, target_vocab, config.batch_size, config.train.seed,
                           config.teacher_forcing, config.beam, config.alpha)
    meta = {"app": APP, "config": config.to_json(), "source_vocab": source_vocab.to_json(),
            "target_vocab": target_vocab.to_json(), "source": corpus.source}
    result = fit(model, task, config.train, run_dir, meta, resume=resume)
    examples: list[dict] = []
    if result.stopped != "max_steps":
        groups = corpus.test[:10]
        found = translate_ids(result.model, [source_vocab.encode(g.source) for g in groups], source_vocab,
                              target_vocab, config.beam, config.alpha)
        examples = [{"source": " ".join(g.source), "output": " ".join(target_vocab.decode(h[0].tokens)),
                     "references": [" ".join(t) for t in g.targets]} for g, h in zip(groups, found)]
        if is_main_process():
            (run_dir / "summary.json").write_text(json.dumps(
                {"test": result.test, "validation": result.validation, "examples": examples,
                 "skipped": corpus.skipped, "stopped": result.stopped}, indent=1, ensure_ascii=False),
                encoding="utf-8")
    return TranslateResult(run_dir, result.test, result.validation, examples, result.stopped, corpus.skipped)


def resume(out: str | Path, epochs: int | None = None, max_steps: int | None = None,
           progress: bool = True) -> TranslateResult:
    """Continue the run in ``out`` with its saved config; only its length may change (see ``continued``)."""
    return train(resumed_config(out, APP, TranslateConfig, epochs, max_steps, progress), resume=True)


@dataclass
class Translator:
    model: Seq2Seq
    source_vocab: Vocabulary
    target_vocab: Vocabulary
    config: TranslateConfig


def load(checkpoint: str | Path, device: str = "cpu") -> Translator:
    """A trained translator, from a run folder or a checkpoint file."""
    tensors, meta = load_checkpoint(checkpoint, app=APP, map_location=resolve_device(device))
    with describing(checkpoint, "a translator"):
        config = TranslateConfig.from_json(meta["config"])
        source_vocab = Vocabulary.from_json(meta["source_vocab"])
        target_vocab = Vocabulary.from_json(meta["target_vocab"])
        model = build_model(config, source_vocab, target_vocab).to(resolve_device(device))
        model.load_state_dict(prefixed(tensors, "model"))
    model.eval()
    return Translator(model, source_vocab, target_vocab, config)


@dataclass
class Translation:
    source: list[str]  # the source tokens as the model saw them (unknown words as <unk>)
    outputs: list[str]  # the n best translations, best first
    scores: list[float]
    attention: object | None  # the best one's (output words, source words) weights


def translate(translator: Translator, texts: list[str], beam: int = 1, alpha: float = 0.0, n_best: int = 1,
              max_len: int | None = None) -> list[Translation]:
    """Translate raw sentences; words the model never saw become ``<unk>``."""
    for k, text in enumerate(texts):
        if not text.strip():
            raise ValueError(f"text {k + 1} is empty; expected a sentence to translate")
    if n_best > beam:
        raise ValueError(f"n-best ({n_best}) cannot exceed the beam ({beam})")
    vocab = translator.source_vocab
    encoded = [vocab.encode(tokenize(t)) for t in texts]
    found: list[list[Hypothesis]] = translate_ids(translator.model, encoded, vocab, translator.target_vocab, beam,
                                                  alpha, max_len, n_best)
    decode = translator.target_vocab.decode
    return [Translation(vocab.decode(ids), [" ".join(decode(h.tokens)) for h in hyps], [h.score for h in hyps],
                        hyps[0].attention) for ids, hyps in zip(encoded, found)]


def attention_plot(translation: Translation, path: str | Path) -> Path:
    """Draw the best translation's attention over its source words."""
    if translation.attention is None:
        raise ValueError("this model has no attention to draw (it was trained with --attention none), "
                         "or the translation is empty")
    return plot_attention(translation.attention.numpy(), translation.source, translation.outputs[0].split(), path)


def evaluate(checkpoint: str | Path, beam: int = 1, alpha: float = 0.0, device: str = "cpu") -> dict[str, float]:
    """Test metrics of a saved translator on its own test split, with the given beam; baselines beside them."""
    translator = load(checkpoint, device)
    config = translator.config
    corpus = load_parallel(config)
    data = encode(corpus, translator.source_vocab, translator.target_vocab)
    task = TranslationTask(data, translator.source_vocab, translator.target_vocab, config.batch_size,
                           config.train.seed, test_beam=beam, alpha=alpha)
    return {**task.evaluate(translator.model, "test"), **{f"bleu_{k}": v for k, v in baselines(corpus).items()}}
