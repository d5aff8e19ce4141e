"""Sentiment analysis, end to end: read labelled sentences, train a many-to-one RNN, test it, predict.

``train(config)`` returns the test metrics and confusion matrix and writes
them (``summary.json``, ``confusion.png``) beside the checkpoints;
``load``, ``evaluate`` and ``predict`` work from a saved run.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from rnnlab.apps.sentiment.data import FORMATS, Dataset, Example, load_dataset, read_labelled
from rnnlab.apps.sentiment.tasks import ClassificationTask, classify, evaluate_logits
from rnnlab.data import DataError, Vocabulary
from rnnlab.data.text import tokenize
from rnnlab.data.vectors import VECTOR_FORMATS, read_vectors
from rnnlab.data.vocab import PAD, UNK
from rnnlab.kernels.dispatch import check_engine
from rnnlab.models import CELL_KINDS, POOLINGS, SequenceClassifier, make_input, make_stack, pretrained_embedding
from rnnlab.training import TrainConfig, fit, is_main_process, resolve_device, seed_everything
from rnnlab.training.appconfig import AppConfig, describing, resumed_config, run_folder
from rnnlab.training.checkpoint import load_checkpoint, prefixed
from rnnlab.viz import plot_confusion

log = logging.getLogger(__name__)
APP = "sentiment"
ENCODERS = CELL_KINDS + ("bow",)


@dataclass(frozen=True)
class SentimentConfig(AppConfig):
    """Everything a sentiment run needs; saved in its checkpoints.

    Data: ``data`` (a file or a data set's folder; None: the generated
    default) read as ``format``; ``validation_data``/``test_data`` replace a
    split, otherwise ``validation``/``test`` (counts or fractions) are carved
    from train. Input: ``embedding_dim`` (0: one-hot) or pretrained ``vectors``.
    Encoder: a cell kind of ``rnnlab.models.make_stack``, or ``bow`` (the
    bag-of-words baseline: the mean of the word vectors).
    """

    data: str | None = None
    format: str = "auto"
    validation_data: str | None = None
    test_data: str | None = None
    text_column: str | None = None
    label_column: str | None = None
    labels: tuple[str, ...] = ()
    skip_bad_rows: bool = False
    validation: float | int = 0.1
    test: float | int = 0.1
    split_seed: int = 0
    generated_train: int = 12000
    generated_validation: int = 1000
    generated_test: int = 2000
    min_freq: int = 1
    max_vocab: int | None = None
    embedding_dim: int = 64
    vectors: str | None = None
    vectors_format: str = "auto"
    freeze_vectors: bool = False
    encoder: str = "lstm"
    layers: int = 1
    hidden_size: int = 64
    bidirectional: bool = True
    pooling: str = "max"
    dropout: float = 0.3
    word_dropout: float = 0.0
    engine: str = "auto"
    batch_size: int = 64
    out: str | None = None
    train: TrainConfig = field(default_factory=lambda: TrainConfig(
        epochs=6, lr=3e-3, schedule="cosine", monitor="accuracy", monitor_mode="max"))

    def __post_init__(self) -> None:
        self.check_choices({"format": FORMATS, "encoder": ENCODERS, "pooling": POOLINGS,
                            "vectors_format": VECTOR_FORMATS})
        check_engine(self.engine)
        self.check_at_least(("layers", "hidden_size", "batch_size", "min_freq"))
        self.check_at_least(("embedding_dim",), 0)  # 0: one-hot
        self.check_fractions(("dropout", "word_dropout"))
        if self.encoder == "bow" and self.pooling != "mean":
            object.__setattr__(self, "pooling", "mean")  # the bag of words is the mean of its word vectors
        object.__setattr__(self, "labels", tuple(self.labels))


@dataclass
class SentimentResult:
    run_dir: Path
    test: dict[str, float]
    validation: dict[str, float]
    confusion: list[list[int]]
    labels: list[str]
    stopped: str
    skipped: dict[str, int]
    vectors_found: int | None = None


def build_vocab(dataset: Dataset, config: SentimentConfig) -> Vocabulary:
    return Vocabulary.build((tokenize(e.text) for e in dataset.train), specials=(PAD, UNK),
                            min_freq=config.min_freq, max_size=config.max_vocab)


def build_model(config: SentimentConfig, vocab: Vocabulary, num_classes: int, embedding_dim: int,
                embedding: nn.Module | None = None) -> SequenceClassifier:
    """The classifier; ``embedding`` (pretrained) replaces a fresh input layer of ``embedding_dim``."""
    input = embedding if embedding is not None else make_input(len(vocab), embedding_dim, vocab.pad_id)
    encoder = None if config.encoder == "bow" else make_stack(
        config.encoder, input.embedding_dim, config.hidden_size, config.layers, config.dropout,
        bidirectional=config.bidirectional, engine=config.engine)
    return SequenceClassifier(input, encoder, config.pooling, num_classes, config.dropout)


def _input(config: SentimentConfig, vocab: Vocabulary) -> tuple[nn.Module | None, int, int | None]:
    """The pretrained embedding (or None), the embedding size, and how many words the vectors had."""
    if config.vectors is None:
        return None, config.embedding_dim, None
    vectors = read_vectors(config.vectors, config.vectors_format, keep=set(vocab.tokens))
    embedding, found = pretrained_embedding(vocab.tokens, vectors.words, vectors.vectors, config.freeze_vectors,
                                            vocab.pad_id, seed=config.train.seed)
    log.info("vectors %s: %d of %d vocabulary words found", config.vectors, found, len(vocab))
    return embedding, vectors.dim, found


def encode(examples: list[Example], vocab: Vocabulary, labels: list[str]) -> tuple[list[list[int]], list[int], list[str]]:
    index = {label: k for k, label in enumerate(labels)}
    return ([vocab.encode(tokenize(e.text)) for e in examples], [index[e.label] for e in examples],
            [e.kind for e in examples])


def train(config: SentimentConfig, resume: bool = False) -> SentimentResult:
    """Read the data, build the vocabulary and model, train, and test the best weights."""
    run_dir = run_folder(config.out, APP)
    seed_everything(config.train.seed)
    dataset = load_dataset(config)
    for path, count in dataset.skipped.items():
        log.warning("%s: skipped %d bad rows", path, count)
    vocab = build_vocab(dataset, config)
    embedding, embedding_dim, found = _input(config, vocab)
    model = build_model(config, vocab, len(dataset.labels), embedding_dim, embedding)
    encoded = {split: encode(getattr(dataset, split), vocab, dataset.labels)
               for split in ("train", "validation", "test")}
    if not encoded["validation"][0] or not encoded["test"][0]:
        raise DataError(dataset.source, "leaves an empty validation or test split; give --validation and --test "
                                        "sizes, or --validation-data and --test-data")
    task = ClassificationTask(encoded, vocab.pad_id, vocab.id(UNK), config.batch_size, config.train.seed,
                              config.word_dropout)
    meta = {"app": APP, "config": config.to_json(), "vocab": vocab.to_json(), "labels": dataset.labels,
            "embedding_dim": embedding_dim, "source": dataset.source}
    log.info("data %s: %d / %d / %d sentences, %d words, labels %s", dataset.source, len(dataset.train),
             len(dataset.validation), len(dataset.test), len(vocab), ", ".join(dataset.labels))
    result = fit(model, task, config.train, run_dir, meta, resume=resume)
    confusion: list[list[int]] = []
    if result.stopped != "max_steps":
        sequences, targets, kinds = encoded["test"]
        _, matrix = evaluate_logits(classify(result.model, sequences, vocab.pad_id), torch.tensor(targets), kinds)
        confusion = matrix.tolist()
        if is_main_process():
            plot_confusion(confusion, dataset.labels, run_dir / "confusion.png", title="test")
            (run_dir / "summary.json").write_text(json.dumps(
                {"test": result.test, "validation": result.validation, "confusion": confusion,
                 "labels": dataset.labels, "skipped": dataset.skipped, "vectors_found": found,
                 "stopped": result.stopped}, indent=1), encoding="utf-8")
    return SentimentResult(run_dir, result.test, result.validation, confusion, dataset.labels, result.stopped,
                           dataset.skipped, found)


def resume(out: str | Path, epochs: int | None = None, max_steps: int | None = None,
           progress: bool = True) -> SentimentResult:
    """Continue the run in ``out`` with its saved config; only its length may change (see ``continued``)."""
    return train(resumed_config(out, APP, SentimentConfig, epochs, max_steps, progress), resume=True)


@dataclass
class Trained:
    model: SequenceClassifier
    vocab: Vocabulary
    labels: list[str]
    config: SentimentConfig


def load(checkpoint: str | Path, device: str = "cpu") -> Trained:
    """A trained classifier with its vocabulary, labels and config, from a run folder or a checkpoint file."""
    tensors, meta = load_checkpoint(checkpoint, app=APP, map_location=resolve_device(device))
    with describing(checkpoint, "a sentiment model"):
        config = SentimentConfig.from_json(meta["config"])
        vocab = Vocabulary.from_json(meta["vocab"])
        labels = list(meta["labels"])
        model = build_model(config, vocab, len(labels), int(meta["embedding_dim"])).to(resolve_device(device))
        model.load_state_dict(prefixed(tensors, "model"))
    model.eval()
    return Trained(model, vocab, labels, config)


def predict(trained: Trained, texts: list[str]) -> list[dict[str, float]]:
    """For each text, the probability of each label (highest first)."""
    for k, text in enumerate(texts):
        if not text.strip():
            raise ValueError(f"text {k + 1} is empty; expected a sentence to classify")
    sequences = [trained.vocab.encode(tokenize(t)) for t in texts]
    probs = classify(trained.model, sequences, trained.vocab.pad_id).softmax(1)
    return [dict(sorted(zip(trained.labels, map(float, p)), key=lambda kv: -kv[1])) for p in probs]


def evaluate(checkpoint: str | Path, data: str | None = None, format: str = "auto",
             device: str = "cpu") -> tuple[dict[str, float], list[list[int]], list[str]]:
    """Metrics and confusion matrix of a saved model on its own test split, or on all of a labelled file."""
    trained = load(checkpoint, device)
    config = trained.config
    examples = load_dataset(config).test if data is None else read_labelled(data, config, format)
    unknown = sorted({e.label for e in examples} - set(trained.labels))
    if unknown:
        raise DataError(data, f"has labels the model was not trained on: {', '.join(unknown)} "
                              f"(its labels: {', '.join(trained.labels)})")
    sequences, targets, kinds = encode(examples, trained.vocab, trained.labels)
    metrics, confusion = evaluate_logits(classify(trained.model, sequences, trained.vocab.pad_id),
                                         torch.tensor(targets), kinds)
    return metrics, confusion.tolist(), trained.labels
