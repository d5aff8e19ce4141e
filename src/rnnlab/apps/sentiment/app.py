"""Sentiment analysis, declared for the runner: labelled sentences, a many-to-one RNN, accuracy and F1.

After training the run folder also holds the test confusion matrix
(``confusion.png``); ``predict`` and ``evaluate`` work from a trained run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from rnnlab.apps.sentiment.data import FORMATS, Example, load_dataset, read_labelled
from rnnlab.apps.sentiment.tasks import ClassificationTask, classify, evaluate_logits
from rnnlab.data import DataError, Vocabulary, pad_batch
from rnnlab.data.text import tokenize
from rnnlab.data.vectors import VECTOR_FORMATS
from rnnlab.data.vocab import PAD, UNK
from rnnlab.export import check, run_onnx, save
from rnnlab.export.onnx_graph import classifier
from rnnlab.models import (CELL_KINDS, POOLINGS, SequenceClassifier, embedding_size, make_input, make_stack,
                           vectors_input)
from rnnlab.training import TrainConfig
from rnnlab.training.options import (Config, embedding_option, encoding_option, engine_option, init_from_option,
                                     option, out_option)
from rnnlab.training.pretrained import check_pretraining, read_models, start_from, with_pretrained_words
from rnnlab.training.runner import App, Prepared, Trained, Verb
from rnnlab.viz import format_table, plot_confusion


EMBEDDING_DIM = 64  # without --embedding-dim, --vectors or --init-from


@dataclass(frozen=True)
class SentimentConfig(Config):
    """Everything a sentiment run needs, saved in its checkpoints; each field is a ``--flag`` of ``train``."""

    data: str | None = option(None, "a labelled file, or a data set's folder (SST sentence files, GLUE SST-2, "
                                    "aclImdb)", none="generated English reviews", group="data")
    format: str = option("auto", "how to read --data; auto: from its name", choices=FORMATS, group="data")
    validation_data: str | None = option(None, "a file to validate on instead of a share of the training data",
                                         group="data")
    test_data: str | None = option(None, "a file to test on instead of a share of the training data", group="data")
    text_column: str | None = option(None, "csv/jsonl: the column holding the text (glue: sentence)", group="data")
    label_column: str | None = option(None, "csv/jsonl: the column holding the label (glue: label)", group="data")
    labels: tuple[str, ...] = option((), "comma-separated label values; any other is a bad row", group="data")
    skip_bad_rows: bool = option(False, "count and skip bad rows instead of stopping", group="data")
    validation: float | int = option(0.1, "share or count carved from train when the data has no validation "
                                          "split", group="data")
    test: float | int = option(0.1, "share or count carved from train when the data has no test split",
                               group="data")
    split_seed: int = option(0, "also seeds the generated reviews", group="data")
    generated_train: int = option(12000, "generated training sentences", group="data")
    generated_validation: int = option(1000, "", group="data")
    generated_test: int = option(2000, "", group="data")
    min_freq: int = option(1, "words seen fewer times become <unk>", group="data")
    max_vocab: int | None = option(None, "keep at most this many words", none="all", group="data")
    embedding_dim: int | None = embedding_option(EMBEDDING_DIM)
    vectors: str | None = option(None, "pretrained word vectors: a word2vec (text or binary) or GloVe file",
                                 group="model")
    vectors_format: str = option("auto", "", choices=VECTOR_FORMATS, group="model")
    freeze_vectors: bool = option(False, "keep the pretrained vectors fixed", group="model")
    init_from: str | None = init_from_option()
    init_from_backward: str | None = init_from_option(backward=True)
    encoder: str = option("lstm", "recurrent cell, or bow: the bag-of-words baseline (mean of word vectors)",
                          choices=CELL_KINDS + ("bow",), group="model")
    layers: int = option(1, "", group="model")
    hidden_size: int = option(64, "units a direction", group="model")
    bidirectional: bool = option(True, "read left to right only (default: both ways)", flag="--unidirectional",
                                 group="model")
    pooling: str = option("max", "over the valid steps; last: the final state", choices=POOLINGS, group="model")
    dropout: float = option(0.3, "", group="model")
    word_dropout: float = option(0.0, "share of training words replaced by <unk>", group="model")
    engine: str = engine_option()
    batch_size: int = option(64, "", group="model")
    encoding: str = encoding_option()
    out: str | None = out_option("sentiment")
    train: TrainConfig = field(default_factory=lambda: TrainConfig(
        epochs=6, lr=3e-3, schedule="cosine", monitor="accuracy", monitor_mode="max"))

    def __post_init__(self) -> None:
        self.check_choices()
        self.check_split_sizes()
        self.check_at_least(("layers", "hidden_size", "batch_size", "min_freq"))
        if self.embedding_dim is not None:
            self.check_at_least(("embedding_dim",), 0)  # 0: one-hot
        check_pretraining(self.init_from, self.init_from_backward, self.vectors, self.encoder == "bow")
        self.check_fractions(("dropout", "word_dropout"))
        if self.encoder == "bow" and self.pooling != "mean":
            object.__setattr__(self, "pooling", "mean")  # the bag of words is the mean of its word vectors
        self.tuples("labels")


def vocab_of(trained: Trained) -> Vocabulary:
    return Vocabulary.from_json(trained.meta["vocab"])


def encode(examples: list[Example], vocab: Vocabulary, labels: list[str]) -> tuple[list[list[int]], list[int], list[str]]:
    index = {label: k for k, label in enumerate(labels)}
    return ([vocab.encode(tokenize(e.text)) for e in examples], [index[e.label] for e in examples],
            [e.kind for e in examples])


def prepare(config: SentimentConfig, meta: dict | None) -> Prepared:
    dataset = load_dataset(config)
    fresh = meta is None
    if fresh:
        vocab = own = Vocabulary.build((tokenize(e.text) for e in dataset.train), specials=(PAD, UNK),
                                     min_freq=config.min_freq, max_size=config.max_vocab)
        if config.init_from is not None:
            models = read_models(config.init_from, config.init_from_backward, config.encoder, config.hidden_size,
                                 config.layers, config.bidirectional)
            vocab = Vocabulary(with_pretrained_words(own.tokens, models))
        meta = {"vocab": vocab.to_json(), "labels": dataset.labels, "training_words": len(own),
                "embedding_dim": EMBEDDING_DIM if config.embedding_dim is None else config.embedding_dim}
    vocab = Vocabulary.from_json(meta["vocab"])
    encoded = {split: encode(getattr(dataset, split), vocab, meta["labels"]) for split in ("train", "validation", "test")}
    if not encoded["validation"][0] or not encoded["test"][0]:
        raise DataError(dataset.source, "leaves an empty validation or test split; give --validation and --test "
                                        "sizes, or --validation-data and --test-data")
    prepared = Prepared({"encoded": encoded, "vocab": vocab}, meta, dataset.source, dataset.skipped)
    if config.vectors is not None and fresh:  # a trained run's meta knows the size; its weights hold the vectors
        embedding, found = vectors_input(vocab.tokens, config.vectors, config.vectors_format, config.freeze_vectors,
                                         vocab.pad_id, seed=config.train.seed)
        meta["embedding_dim"] = embedding_size(config.embedding_dim, embedding.embedding_dim, config.vectors)
        prepared.data["vectors_found"] = found
        prepared.initialize = lambda model: setattr(model, "input", embedding)
    if config.init_from is not None and fresh:
        embedding, load, init = start_from(models, vocab.tokens, vocab.pad_id, config.train.seed,
                                           meta["training_words"])
        prepared.started_from = init.describe()
        meta["embedding_dim"] = embedding_size(config.embedding_dim, embedding.embedding_dim, "--init-from")
        prepared.initialize = lambda model: (setattr(model, "input", embedding), load(model.encoder))
    return prepared


def build_model(config: SentimentConfig, meta: dict) -> SequenceClassifier:
    vocab = Vocabulary.from_json(meta["vocab"])
    input = make_input(len(vocab), int(meta["embedding_dim"]), vocab.pad_id)
    encoder = None if config.encoder == "bow" else make_stack(
        config.encoder, input.embedding_dim, config.hidden_size, config.layers, config.dropout,
        bidirectional=config.bidirectional, engine=config.engine)
    return SequenceClassifier(input, encoder, config.pooling, len(meta["labels"]), config.dropout)


def task(config: SentimentConfig, prepared: Prepared) -> ClassificationTask:
    vocab = prepared.data["vocab"]
    return ClassificationTask(prepared.data["encoded"], vocab.pad_id, vocab.id(UNK), config.batch_size,
                              config.train.seed, config.word_dropout)


def report(model: nn.Module, config: SentimentConfig, prepared: Prepared, run_dir: Path) -> dict:
    """The test confusion matrix (``confusion.png``) and how many words the pretrained vectors had."""
    sequences, targets, kinds = prepared.data["encoded"]["test"]
    _, matrix = evaluate_logits(classify(model, sequences, prepared.data["vocab"].pad_id), torch.tensor(targets),
                                kinds)
    plot_confusion(matrix.tolist(), prepared.meta["labels"], run_dir / "confusion.png", title="test")
    return {"confusion": matrix.tolist(), "labels": prepared.meta["labels"],
            "vectors_found": prepared.data.get("vectors_found")}


def _report(metrics: dict, confusion: list[list[int]], labels: list[str]) -> str:
    rows = [{"metric": k.replace("_", " "), "value": v} for k, v in metrics.items()]
    matrix = [{"true \\ predicted": label, **dict(zip(labels, row))} for label, row in zip(labels, confusion)]
    return format_table(rows) + "\n\nconfusion matrix:\n" + format_table(matrix)


def show(summary: dict) -> str:
    found = summary["vectors_found"]
    return (f"pretrained vectors found for {found} words\n" if found is not None else "") + \
        "test:\n" + _report(summary["test"], summary["confusion"], summary["labels"])


def predict(trained: Trained, texts: list[str]) -> list[dict[str, float]]:
    """For each text, the probability of each label (highest first)."""
    for k, text in enumerate(texts):
        if not text.strip():
            raise ValueError(f"text {k + 1} is empty; expected a sentence to classify")
    vocab = vocab_of(trained)
    tokens = [tokenize(t) for t in texts]
    vocab.warn_unknown(tokens)
    probs = classify(trained.model, [vocab.encode(t) for t in tokens], vocab.pad_id).softmax(1)
    return [dict(sorted(zip(trained.meta["labels"], map(float, p)), key=lambda kv: -kv[1])) for p in probs]


def influence(trained: Trained, text: str) -> dict:
    """What the classifier makes of ``text``, word by word (``rnnlab lab``'s sentiment page).

    ``probs``: each label's probability; ``words``: each token with its
    ``influence``, the drop in the predicted label's probability when that
    token alone is replaced by ``<unk>`` (negative: the word speaks against
    it), and whether the model knows it; ``pooled``: the pooled vector the
    linear head reads.
    """
    tokens = tokenize(text)
    if not tokens:
        raise ValueError("the text has no words; expected a sentence to classify")
    vocab, labels, model = vocab_of(trained), trained.meta["labels"], trained.model
    ids = vocab.encode(tokens)
    variants = [ids] + [ids[:k] + [vocab.index[UNK]] + ids[k + 1:] for k in range(len(ids))]
    probs = classify(model, variants, vocab.pad_id).softmax(1)  # (1 + N, C)
    top = int(probs[0].argmax())
    pooled = []
    hook = model.head.register_forward_hook(lambda _m, inputs, _out: pooled.append(inputs[0][0].tolist()))
    try:
        classify(model, [ids], vocab.pad_id)
    finally:
        hook.remove()
    return {"label": labels[top], "probs": dict(zip(labels, map(float, probs[0]))),
            "words": [{"word": w, "influence": float(probs[0, top] - probs[k + 1, top]), "known": w in vocab}
                      for k, w in enumerate(tokens)],
            "pooled": pooled[0]}


EXAMPLES = ("not bad at all", "good but far too long", "a truly wonderful and moving film",
            "the plot was not good at all")  # the README's first; what the export is checked on


def export_onnx(trained: Trained, path: Path) -> str:
    """The classifier as ONNX (``tokens (B, T)``, ``lengths (B,)`` int64 -> ``logits``, ``probs``), with
    ``PATH.json`` beside it (the vocabulary and labels to feed and read it); checked against ``predict``."""
    path = save(classifier(trained.model), path)
    vocab, labels = vocab_of(trained), trained.meta["labels"]
    sequences = [vocab.encode(tokenize(t)) for t in EXAMPLES]
    tokens, lengths = pad_batch(sequences, vocab.pad_id)
    got = run_onnx(path, {"tokens": tokens, "lengths": lengths})["probs"]
    check(path, got, classify(trained.model, sequences, vocab.pad_id).softmax(1), 1e-5)
    path.with_suffix(".json").write_text(json.dumps({
        "app": "sentiment", "inputs": {"tokens": "(B, T) int64 ids, padded with pad_id", "lengths": "(B,) int64"},
        "outputs": {"logits": "(B, C)", "probs": "(B, C), in the order of labels"},
        "tokenize": "lower-cased word and punctuation tokens (rnnlab.data.text.tokenize); unknown words: <unk>",
        "tokens": vocab.tokens, "pad_id": vocab.pad_id, "labels": labels}, indent=1), encoding="utf-8")
    return f"{path}: checked against rnnlab on {len(EXAMPLES)} sentences; {path.with_suffix('.json')} holds the " \
           f"vocabulary and labels"


def evaluate(trained: Trained, data: str | None = None,
             format: str = "auto") -> tuple[dict[str, float], list[list[int]], list[str]]:
    """Metrics and confusion matrix on the run's own test split, or on all of a labelled file."""
    config, labels, vocab = trained.config, trained.meta["labels"], vocab_of(trained)
    examples = load_dataset(config).test if data is None else read_labelled(data, config, format)
    unknown = sorted({e.label for e in examples} - set(labels))
    if unknown:
        raise DataError(data, f"has labels the model was not trained on: {', '.join(unknown)} "
                              f"(its labels: {', '.join(labels)})")
    sequences, targets, kinds = encode(examples, vocab, labels)
    metrics, confusion = evaluate_logits(classify(trained.model, sequences, vocab.pad_id), torch.tensor(targets),
                                         kinds)
    return metrics, confusion.tolist(), labels


@dataclass(frozen=True)
class EvalOptions(Config):
    data: str | None = option(None, "score this labelled file (or a data set folder's test split)",
                              none="the run's own test split")
    format: str = option("auto", "how to read --data", choices=FORMATS)


@dataclass(frozen=True)
class PredictOptions(Config):
    texts: tuple[str, ...] = option((), "a sentence to classify", positional=True, metavar="TEXT")
    all: bool = option(False, "print every label's probability")


def run_predict(trained: Trained, o: PredictOptions) -> str:
    lines = []
    for text, probs in zip(o.texts, predict(trained, list(o.texts))):
        shown = [f"{label} {p:.3f}" for label, p in probs.items()] if o.all else \
            [f"{label}\t{p:.3f}" for label, p in list(probs.items())[:1]]
        lines.append("\t".join(shown) + f"\t{text}")
    return "\n".join(lines)


APP = App(
    name="sentiment", help="sentiment analysis: many-to-one classification of sentences",
    description="Train an RNN that reads a sentence and gives its label; evaluate it; classify new text.",
    config=SentimentConfig, prepare=prepare, build_model=build_model, task=task, report=report, show=show,
    verbs=(Verb("eval", "accuracy, macro-F1 and the confusion matrix of a trained model",
                lambda trained, o: _report(*evaluate(trained, o.data, o.format)), EvalOptions),
           Verb("predict", "the label of each TEXT and its probability", run_predict, PredictOptions)),
    lab={"classify": lambda trained, params: influence(trained, str(params.get("text", "")))},
    export=export_onnx)
