"""Part-of-speech tagging and named entities, declared for the runner: a tag for every word (synced many-to-many).

Training selects the epoch by validation accuracy and tests it, the
most-frequent-tag baseline beside; ``predict`` tags new sentences and
``eval --write-predictions`` writes a CoNLL-U file with the predicted column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch

from rnnlab.apps.tag.data import FORMATS, TagData, load_tagged
from rnnlab.apps.tag.tasks import (Encoder, TagTask, ambiguous_words, most_frequent_tag, tag_scores,
                                   tag_sentences)
from rnnlab.data import DataError, Vocabulary
from rnnlab.data.tagged import COLUMNS, write_conllu
from rnnlab.data.vectors import VECTOR_FORMATS
from rnnlab.data.text import tokenize
from rnnlab.data.vocab import PAD, UNK
from rnnlab.export import check, run_onnx, save
from rnnlab.export.onnx_graph import tagger
from rnnlab.models import CELL_KINDS, CharWords, Tagger, embedding_size, make_input, make_stack, vectors_input
from rnnlab.training import TrainConfig
from rnnlab.training.tasks import device_of
from rnnlab.training.classification import confusion_matrix, per_class
from rnnlab.training.options import (Config, embedding_option, encoding_option, engine_option, init_from_option,
                                     option, out_option)
from rnnlab.training.pretrained import check_pretraining, read_models, start_from, with_pretrained_words
from rnnlab.training.runner import App, Prepared, Trained, Verb, metrics_table
from rnnlab.viz import format_table, plot_confusion


EMBEDDING_DIM = 64  # without --embedding-dim, --vectors or --init-from


@dataclass(frozen=True)
class TagConfig(Config):
    """Everything a tagging run needs, saved in its checkpoints; each field is a ``--flag`` of ``train``."""

    data: str | None = option(None, "a CoNLL-U file (Universal Dependencies) or CoNLL-2003 style columns "
                                    "('word ... tag' a line)", none="generated English sentences", group="data")
    format: str = option("auto", "auto: conllu for *.conllu, else conll", choices=FORMATS, group="data")
    validation_data: str | None = option(None, "a file to validate on instead of a share of --data", group="data")
    test_data: str | None = option(None, "a file to test on instead of a share of --data", group="data")
    tag_column: str = option("upos", "CoNLL-U: the column to learn", choices=COLUMNS, group="data")
    skip_bad_rows: bool = option(False, "count and skip bad sentences and lines instead of stopping", group="data")
    validation: float | int = option(0.1, "sentences carved from --data without --validation-data", group="data")
    test: float | int = option(0.1, "sentences carved from --data without --test-data", group="data")
    split_seed: int = option(0, "also seeds the generated sentences", group="data")
    generated_train: int = option(8000, "", group="data")
    generated_validation: int = option(300, "", group="data")
    generated_test: int = option(1000, "sentences, each with an ambiguous word in a context training never "
                                       "showed it in", group="data")
    min_freq: int = option(1, "rarer words become <unk> (their characters still count)", group="data")
    max_vocab: int | None = option(None, "", none="all words", group="data")
    embedding_dim: int | None = embedding_option(EMBEDDING_DIM, "learned word vectors")
    vectors: str | None = option(None, "pretrained word vectors: a word2vec (text or binary) or GloVe file",
                                 group="model")
    vectors_format: str = option("auto", "", choices=VECTOR_FORMATS, group="model")
    freeze_vectors: bool = option(False, "keep the pretrained vectors fixed", group="model")
    init_from: str | None = init_from_option()
    init_from_backward: str | None = init_from_option(backward=True)
    char_dim: int = option(16, "character vectors", group="model")
    char_hidden: int = option(32, "units a direction of the character BiLSTM; 0: no character features",
                              group="model")
    encoder: str = option("lstm", "recurrent cell, or none: each word alone (no context)",
                          choices=CELL_KINDS + ("none",), group="model")
    layers: int = option(1, "", group="model")
    hidden_size: int = option(64, "units a direction", group="model")
    bidirectional: bool = option(True, "read left to right only (default: both ways)", flag="--unidirectional",
                                 group="model")
    crf: bool = option(False, "a linear-chain CRF over the tag scores (default: a softmax per word)",
                       group="model")
    dropout: float = option(0.3, "", group="model")
    word_dropout: float = option(0.5, "share of training words whose word vector is replaced by <unk>'s",
                                 group="model")
    engine: str = engine_option()
    batch_size: int = option(32, "sentences a batch", group="model")
    encoding: str = encoding_option()
    out: str | None = out_option("tag")
    train: TrainConfig = field(default_factory=lambda: TrainConfig(
        epochs=8, lr=3e-3, schedule="cosine", monitor="accuracy", monitor_mode="max"))

    def __post_init__(self) -> None:
        self.check_choices()
        self.check_split_sizes()
        self.check_at_least(("layers", "hidden_size", "batch_size", "min_freq", "char_dim"))
        self.check_at_least(("char_hidden",) + ("embedding_dim",) * (self.embedding_dim is not None), 0)
        check_pretraining(self.init_from, self.init_from_backward, self.vectors, self.encoder == "none")
        self.check_fractions(("dropout", "word_dropout"))


def encoder_of(meta: dict) -> Encoder:
    words = Vocabulary.from_json(meta["words"])
    return Encoder(words, Vocabulary.from_json(meta["chars"]), list(meta["tags"]),
                   set(words.tokens[:meta.get("training_words", len(words))]))


def prepare(config: TagConfig, meta: dict | None) -> Prepared:
    data = load_tagged(config)
    fresh = meta is None
    if fresh:
        words = Vocabulary.build(([w.lower() for w in s.words] for s in data.train), (PAD, UNK), config.min_freq,
                                 config.max_vocab)
        trained_words = len(words)
        if config.init_from is not None:
            models = read_models(config.init_from, config.init_from_backward, config.encoder, config.hidden_size,
                                 config.layers, config.bidirectional)
            words = Vocabulary(with_pretrained_words(words.tokens, models))
        meta = {"words": words.to_json(), "training_words": trained_words,
                "embedding_dim": EMBEDDING_DIM if config.embedding_dim is None else config.embedding_dim,
                "chars": Vocabulary.build((w for s in data.train for w in s.words), (PAD, UNK)).to_json(),
                "tags": sorted({t for s in data.train for t in s.tags}),
                "ambiguous": sorted(ambiguous_words(data.train))}
    prepared = Prepared(data, meta, data.source, data.skipped)
    if config.vectors is not None and fresh:  # a trained run's meta knows the size; its weights hold the vectors
        embedding, _ = vectors_input(words.tokens, config.vectors, config.vectors_format, config.freeze_vectors,
                                     words.pad_id, seed=config.train.seed)
        meta["embedding_dim"] = embedding_size(config.embedding_dim, embedding.embedding_dim, config.vectors)
        prepared.initialize = lambda model: setattr(model, "input", embedding)
    if config.init_from is not None and fresh:
        embedding, load, init = start_from(models, words.tokens, words.pad_id, config.train.seed,
                                           trained_words)
        prepared.started_from = init.describe()
        meta["embedding_dim"] = embedding_size(config.embedding_dim, embedding.embedding_dim, "--init-from")
        prepared.initialize = lambda model: (setattr(model, "input", embedding), load(model.encoder))
    unknown = sorted({t for split in (data.validation, data.test) for s in split for t in s.tags} - set(meta["tags"]))
    if unknown:
        raise DataError(data.source, f"the held-out sentences have tags training never has: {', '.join(unknown[:10])}")
    return prepared


def build_model(config: TagConfig, meta: dict) -> Tagger:
    encoder = encoder_of(meta)
    words = make_input(len(encoder.words), int(meta.get("embedding_dim", config.embedding_dim or EMBEDDING_DIM)),
                       encoder.words.pad_id)
    chars = CharWords(len(encoder.chars), config.char_dim, config.char_hidden, encoder.chars.pad_id) \
        if config.char_hidden else None
    size = words.embedding_dim + (chars.output_size if chars else 0)
    rnn = None if config.encoder == "none" else make_stack(config.encoder, size, config.hidden_size, config.layers,
                                                            config.dropout, config.bidirectional,
                                                            engine=config.engine)
    return Tagger(words, chars, rnn, len(encoder.tags), config.dropout, config.crf)


def task(config: TagConfig, prepared: Prepared) -> TagTask:
    data: TagData = prepared.data
    return TagTask({"train": data.train, "validation": data.validation, "test": data.test},
                   encoder_of(prepared.meta), config.batch_size, config.train.seed, set(prepared.meta["ambiguous"]),
                   config.word_dropout)


def baseline(prepared: Prepared) -> dict[str, float]:
    """The test scores of giving each word its most frequent training tag."""
    data: TagData = prepared.data
    return tag_scores(most_frequent_tag(data.train, data.test), data.test, set(prepared.meta["ambiguous"]),
                      encoder_of(prepared.meta).known)


def report(model: Tagger, config: TagConfig, prepared: Prepared, run_dir: Path) -> dict:
    """The baseline; each tag's precision, recall and F1 on the test words; the confusion matrix of the ten most
    confused tags (``confusion.png``)."""
    data: TagData = prepared.data
    encoder = encoder_of(prepared.meta)
    predicted, _ = tag_sentences(model, encoder, [s.words for s in data.test])
    ids = [[encoder.tag_id[t] for t in tags] for tags in predicted]
    truth = [[encoder.tag_id[t] for t in s.tags] for s in data.test]
    confusion = confusion_matrix(torch.tensor(sum(ids, [])), torch.tensor(sum(truth, [])), len(encoder.tags))
    precision, recall, f1 = per_class(confusion)
    support = confusion.sum(1)
    per_tag = [{"tag": t, "precision": float(precision[k]), "recall": float(recall[k]), "f1": float(f1[k]),
                "words": int(support[k])} for k, t in enumerate(encoder.tags) if support[k] or confusion[:, k].sum()]
    errors = confusion - torch.diag(confusion.diagonal())
    worst = sorted((errors.sum(0) + errors.sum(1)).argsort(descending=True)[:10].tolist())
    plot_confusion(confusion[worst][:, worst].tolist(), [encoder.tags[k] for k in worst], run_dir / "confusion.png",
                   title="test: the most confused tags")
    return {"baseline": baseline(prepared), "per_tag": per_tag}


def baselines(prepared: Prepared) -> dict[str, float]:
    return {f"baseline_{k}": v for k, v in baseline(prepared).items()}


def show(summary: dict) -> str:
    return f"test:\n{metrics_table(summary['test'])}\n\nmost frequent tag of each word:\n" \
           f"{metrics_table(summary['baseline'])}\n\neach tag on the test words:\n{format_table(summary['per_tag'])}"


def predict(trained: Trained, texts: list[str]) -> list[list[tuple[str, dict[str, float]]]]:
    """For each text, each word with its tags' probabilities (highest first)."""
    sentences = []
    for k, text in enumerate(texts):
        words = text.split() if trained.config.data else tokenize(text)  # the generated sentences are lower-cased
        if not words:
            raise ValueError(f"text {k + 1} is empty; expected a sentence to tag")
        sentences.append(words)
    encoder = encoder_of(trained.meta)
    encoder.words.warn_unknown([[w.lower() for w in s] for s in sentences], "words (read through their letters)")
    _, probs = tag_sentences(trained.model, encoder, sentences)
    return [[(w, dict(sorted(zip(encoder.tags, map(float, p)), key=lambda kv: -kv[1]))) for w, p in zip(s, rows)]
            for s, rows in zip(sentences, probs)]


EXAMPLES = ("the old man saw the boats", "Paris is lovely in the spring", "she runs")


@torch.no_grad()
def export_onnx(trained: Trained, path: Path) -> str:
    """The tagger's scores as ONNX (see ``rnnlab.export.onnx_graph.tagger``), with ``PATH.json`` beside it (the
    words, characters, tags and, with a CRF, its transition scores); checked against rnnlab on example
    sentences."""
    path = save(tagger(trained.model), path)
    encoder = encoder_of(trained.meta)
    inputs = encoder.batch([t.split() for t in EXAMPLES], device_of(trained.model))
    trained.model.eval()
    got = run_onnx(path, dict(zip(("words", "chars", "char_lengths", "lengths"), inputs)))
    check(path, got["emissions"], trained.model.emissions(*inputs), 1e-4)
    crf = trained.model.crf
    path.with_suffix(".json").write_text(json.dumps({
        "app": "tag", "words": encoder.words.tokens, "chars": encoder.chars.tokens, "tags": encoder.tags,
        "lowercase_words": True, "crf": None if crf is None else {n: p.tolist() for n, p in crf.named_parameters()},
        "inputs": {"words": "(B, T) int64 ids of the lower-cased words", "chars": "(B, T, L) int64 ids of each "
                   "word's characters as written", "char_lengths": "(B, T) int64", "lengths": "(B,) int64"},
        "outputs": {"emissions": "(B, T, K) tag scores"} | ({} if crf else {"probs": "(B, T, K) a softmax per word"})},
        indent=1), encoding="utf-8")
    return f"{path}: checked against rnnlab on {len(EXAMPLES)} sentences; {path.with_suffix('.json')} holds the " \
           f"vocabularies and tags" + ("" if crf is None else " and the CRF's transition scores to decode with")


@dataclass(frozen=True)
class PredictOptions(Config):
    texts: tuple[str, ...] = option((), "a sentence to tag", positional=True, metavar="TEXT")
    all: bool = option(False, "the 3 most likely tags of each word")


def run_predict(trained: Trained, o: PredictOptions) -> str:
    lines = []
    for sentence in predict(trained, list(o.texts)):
        for word, probs in sentence:
            lines.append("\t".join([word] + [f"{t} {p:.3f}" for t, p in list(probs.items())[:3 if o.all else 1]]))
        lines.append("")
    return "\n".join(lines).rstrip("\n")


@dataclass(frozen=True)
class EvalOptions(Config):
    data: str | None = option(None, "score this file", none="the run's own test split")
    write_predictions: str | None = option(None, "write the scored CoNLL-U sentences with the predicted tags",
                                           metavar="FILE.conllu")


def run_eval(trained: Trained, o: EvalOptions) -> str:
    config = trained.config if o.data is None else replace(trained.config, test_data=o.data)
    prepared = prepare(config, trained.meta)
    data: TagData = prepared.data
    predicted, _ = tag_sentences(trained.model, encoder_of(trained.meta), [s.words for s in data.test])
    metrics = {**tag_scores(predicted, data.test, set(trained.meta["ambiguous"]), encoder_of(trained.meta).known),
               **baselines(prepared)}
    lines = [metrics_table(metrics)]
    if o.write_predictions:
        if data.test[0].tokens is None:
            raise ValueError("--write-predictions writes CoNLL-U; the scored sentences are not CoNLL-U")
        lines.append(f"predictions: {write_conllu(data.test, predicted, config.tag_column, o.write_predictions)}")
    return "\n".join(lines)


APP = App(
    name="tag", help="part-of-speech tagging and named entities: a tag for every word",
    description="Train a character and word BiRNN tagger (softmax or CRF), evaluate it, tag new sentences.",
    config=TagConfig, prepare=prepare, build_model=build_model, task=task,
    report=report,
    show=show, baselines=baselines,
    verbs=(Verb("eval", "accuracy (all words, ambiguous words), span F1 for BIO tags, beside the most frequent tag",
                run_eval, EvalOptions),
           Verb("predict", "each word of each TEXT with its tag and probability", run_predict, PredictOptions)),
    lab={"tag": lambda trained, p: {"words": [
        {"word": word, "tags": [[tag, round(prob, 4)] for tag, prob in list(tags.items())[:3]]}
        for word, tags in predict(trained, [str(p.get("text", ""))])[0]]}},
    export=export_onnx)
