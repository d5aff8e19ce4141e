"""``rnnlab sentiment train|eval|predict``: the chapter's many-to-one application."""

from __future__ import annotations

import argparse

from rnnlab.apps import sentiment
from rnnlab.apps.sentiment.data import FORMATS
from rnnlab.apps.sentiment.run import ENCODERS
from rnnlab.cli.common import add_train_arguments, given, size, train_or_resume
from rnnlab.data.vectors import VECTOR_FORMATS
from rnnlab.kernels import ENGINES
from rnnlab.models import POOLINGS
from rnnlab.viz import format_table

MODEL_OPTIONS = ["data", "format", "validation_data", "test_data", "text_column", "label_column", "validation",
                 "test", "split_seed", "generated_train", "generated_validation", "generated_test", "min_freq",
                 "max_vocab", "embedding_dim", "vectors", "vectors_format", "encoder", "layers", "hidden_size",
                 "pooling", "dropout", "word_dropout", "engine", "batch_size", "out"]


def add_parser(commands) -> None:
    p = commands.add_parser("sentiment", help="sentiment analysis: many-to-one classification of sentences",
                            description="Train an RNN that reads a sentence and gives its label; evaluate it; "
                                        "classify new text.")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    d = sentiment.SentimentConfig()

    t = sub.add_parser("train", help="train on the generated reviews or on --data",
                       description="Train, select the best epoch on validation, and test it.")
    data = t.add_argument_group("data")
    data.add_argument("--data", help="a labelled file, or a data set's folder (SST sentence files, GLUE SST-2, "
                                     "aclImdb); default: generated English reviews")
    data.add_argument("--format", choices=FORMATS, help="how to read --data (default auto: from its name)")
    data.add_argument("--validation-data", help="a file to validate on instead of a share of the training data")
    data.add_argument("--test-data", help="a file to test on instead of a share of the training data")
    data.add_argument("--text-column", help="csv/jsonl: the column holding the text (glue: default sentence)")
    data.add_argument("--label-column", help="csv/jsonl: the column holding the label (glue: default label)")
    data.add_argument("--labels", help="comma-separated label values; any other is a bad row")
    data.add_argument("--skip-bad-rows", action="store_true", help="count and skip bad rows instead of stopping")
    data.add_argument("--validation", type=size, help=f"share or count carved from train when the data has no "
                                                      f"validation split (default {d.validation})")
    data.add_argument("--test", type=size, help=f"share or count carved from train when the data has no test "
                                                f"split (default {d.test})")
    data.add_argument("--split-seed", type=int, help=f"(default {d.split_seed}); also seeds the generated reviews")
    data.add_argument("--generated-train", type=int, help=f"generated training sentences (default {d.generated_train})")
    data.add_argument("--generated-validation", type=int, help=f"(default {d.generated_validation})")
    data.add_argument("--generated-test", type=int, help=f"(default {d.generated_test})")
    data.add_argument("--min-freq", type=int, help=f"words seen fewer times become <unk> (default {d.min_freq})")
    data.add_argument("--max-vocab", type=int, help="keep at most this many words (default: all)")
    m = t.add_argument_group("model")
    m.add_argument("--embedding-dim", type=int, help=f"learned embedding size; 0: one-hot (default {d.embedding_dim})")
    m.add_argument("--vectors", help="pretrained word vectors: a word2vec (text or binary) or GloVe file")
    m.add_argument("--vectors-format", choices=VECTOR_FORMATS, help=f"(default {d.vectors_format})")
    m.add_argument("--freeze-vectors", action="store_true", help="keep the pretrained vectors fixed")
    m.add_argument("--encoder", choices=ENCODERS, help=f"recurrent cell, or bow: the bag-of-words baseline "
                                                       f"(mean of word vectors) (default {d.encoder})")
    m.add_argument("--layers", type=int, help=f"(default {d.layers})")
    m.add_argument("--hidden-size", type=int, help=f"units a direction (default {d.hidden_size})")
    m.add_argument("--unidirectional", action="store_true", help="read left to right only (default: both ways)")
    m.add_argument("--pooling", choices=POOLINGS, help=f"over the valid steps; last: the final state "
                                                       f"(default {d.pooling})")
    m.add_argument("--dropout", type=float, help=f"(default {d.dropout})")
    m.add_argument("--word-dropout", type=float, help=f"share of training words replaced by <unk> "
                                                      f"(default {d.word_dropout})")
    m.add_argument("--engine", choices=ENGINES, help=f"how the recurrent layers run (default {d.engine})")
    m.add_argument("--batch-size", type=int, help=f"(default {d.batch_size})")
    t.add_argument("--out", help="run folder (default: runs/sentiment-DATE-TIME)")
    t.add_argument("--resume", action="store_true", help="continue the interrupted run in --out")
    add_train_arguments(t, d.train)
    t.set_defaults(handler=run_train)

    e = sub.add_parser("eval", help="accuracy, macro-F1 and the confusion matrix of a trained model")
    e.add_argument("checkpoint", metavar="CHECKPOINT", help="a run folder or its best.json")
    e.add_argument("--data", help="score this labelled file (or a data set folder's test split) instead of the "
                                  "run's own test split")
    e.add_argument("--format", choices=FORMATS, default="auto", help="how to read --data (default %(default)s)")
    e.add_argument("--device", default="cpu", help="(default %(default)s)")
    e.set_defaults(handler=run_eval)

    r = sub.add_parser("predict", help="the label of each TEXT and its probability")
    r.add_argument("checkpoint", metavar="CHECKPOINT", help="a run folder or its best.json")
    r.add_argument("texts", metavar="TEXT", nargs="+", help="a sentence to classify")
    r.add_argument("--all", action="store_true", help="print every label's probability")
    r.add_argument("--device", default="cpu", help="(default %(default)s)")
    r.set_defaults(handler=run_predict)


def _report(metrics: dict, confusion: list[list[int]], labels: list[str]) -> str:
    rows = [{"metric": k.replace("_", " "), "value": v} for k, v in metrics.items()]
    matrix = [{"true \\ predicted": label, **dict(zip(labels, row))} for label, row in zip(labels, confusion)]
    return format_table(rows) + "\n\nconfusion matrix:\n" + format_table(matrix)


def run_train(args: argparse.Namespace) -> None:
    options = given(args, MODEL_OPTIONS)
    if args.labels:
        options["labels"] = tuple(x.strip() for x in args.labels.split(",") if x.strip())
    for flag, name, value in (("skip_bad_rows", "skip_bad_rows", True), ("freeze_vectors", "freeze_vectors", True),
                              ("unidirectional", "bidirectional", False)):
        if getattr(args, flag):
            options[name] = value
    result = train_or_resume(args, "sentiment", sentiment, sentiment.SentimentConfig(), options)
    if result is None:
        return
    for path, count in result.skipped.items():
        print(f"skipped {count} bad rows in {path}")
    if result.vectors_found is not None:
        print(f"pretrained vectors found for {result.vectors_found} words")
    print("\ntest:")
    print(_report(result.test, result.confusion, result.labels))


def run_eval(args: argparse.Namespace) -> None:
    metrics, confusion, labels = sentiment.evaluate(args.checkpoint, args.data, args.format, args.device)
    print(_report(metrics, confusion, labels))


def run_predict(args: argparse.Namespace) -> None:
    trained = sentiment.load(args.checkpoint, args.device)
    for text, probs in zip(args.texts, sentiment.predict(trained, args.texts)):
        if args.all:
            print("\t".join(f"{label} {p:.3f}" for label, p in probs.items()) + f"\t{text}")
        else:
            label, p = next(iter(probs.items()))
            print(f"{label}\t{p:.3f}\t{text}")
