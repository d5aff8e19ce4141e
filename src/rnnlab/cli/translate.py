"""``rnnlab translate train|eval|translate``: the chapter's encoder-decoder."""

from __future__ import annotations

import argparse

from rnnlab.apps import translate
from rnnlab.apps.translate.data import FORMATS
from rnnlab.apps.translate.generated import PAIRS
from rnnlab.apps.translate.run import ATTENTION_CHOICES
from rnnlab.cli.common import add_train_arguments, given, size, train_or_resume
from rnnlab.kernels import ENGINES
from rnnlab.models import CELL_KINDS
from rnnlab.viz import format_table

MODEL_OPTIONS = ["data", "target_data", "format", "max_words", "validation", "test", "split_seed", "generated",
                 "generated_train", "generated_validation", "generated_test", "min_freq", "max_vocab",
                 "embedding_dim", "encoder_cell", "decoder_cell", "hidden_size", "layers", "dropout", "attention",
                 "teacher_forcing", "engine", "batch_size", "beam", "alpha", "out"]


def _decoding_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--beam", type=int, default=None, help="beam width; 1: greedy (default 1)")
    parser.add_argument("--alpha", type=float, default=None,
                        help="length penalty ((5 + |Y|) / 6) ** alpha; 0: none (default 0)")


def add_parser(commands) -> None:
    p = commands.add_parser("translate", help="machine translation: an encoder-decoder with or without attention",
                            description="Train an RNN encoder-decoder on sentence pairs, score it with BLEU, "
                                        "translate new sentences.")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    d = translate.TranslateConfig()

    t = sub.add_parser("train", help="train on generated number and date pairs or on --data",
                       description="Train, select the epoch by validation BLEU, and test it.")
    data = t.add_argument_group("data")
    data.add_argument("--data", help="sentence pairs 'source<TAB>target' a line (Tatoeba/manythings), or with "
                                     "--target-data the source side of two aligned files; default: generated pairs")
    data.add_argument("--target-data", help="the translations, aligned line by line with --data")
    data.add_argument("--format", choices=FORMATS, help="(default auto)")
    data.add_argument("--reverse", action="store_true", help="tsv: translate the second column into the first")
    data.add_argument("--skip-bad-rows", action="store_true", help="count and skip bad lines instead of stopping")
    data.add_argument("--max-words", type=int, help=f"leave out longer pairs (default {d.max_words})")
    data.add_argument("--validation", type=size, help=f"source sentences held out to validate (default {d.validation})")
    data.add_argument("--test", type=size, help=f"source sentences held out to test (default {d.test})")
    data.add_argument("--split-seed", type=int, help=f"(default {d.split_seed}); also seeds the generated pairs")
    data.add_argument("--generated", choices=PAIRS, help=f"the generated pairs' languages (default {d.generated})")
    data.add_argument("--generated-train", type=int, help=f"(default {d.generated_train})")
    data.add_argument("--generated-validation", type=int, help=f"(default {d.generated_validation})")
    data.add_argument("--generated-test", type=int, help=f"(default {d.generated_test})")
    data.add_argument("--min-freq", type=int, help=f"rarer words become <unk> (default {d.min_freq})")
    data.add_argument("--max-vocab", type=int, help="keep at most this many words a language (default: all)")
    m = t.add_argument_group("model")
    m.add_argument("--embedding-dim", type=int, help=f"(default {d.embedding_dim})")
    m.add_argument("--encoder-cell", choices=CELL_KINDS, help=f"(default {d.encoder_cell})")
    m.add_argument("--decoder-cell", choices=CELL_KINDS, help=f"(default {d.decoder_cell})")
    m.add_argument("--hidden-size", type=int, help=f"units a direction (default {d.hidden_size})")
    m.add_argument("--layers", type=int, help=f"(default {d.layers})")
    m.add_argument("--unidirectional", action="store_true", help="an encoder that reads left to right only")
    m.add_argument("--dropout", type=float, help=f"(default {d.dropout})")
    m.add_argument("--attention", choices=ATTENTION_CHOICES,
                   help=f"additive (Bahdanau), multiplicative (Luong), dot, or none: the context is the "
                        f"encoder's final state (default {d.attention})")
    m.add_argument("--teacher-forcing", type=float, help=f"share of steps fed the true previous word "
                                                         f"(default {d.teacher_forcing})")
    m.add_argument("--engine", choices=ENGINES, help=f"(default {d.engine})")
    m.add_argument("--batch-size", type=int, help=f"(default {d.batch_size})")
    _decoding_arguments(m)
    t.add_argument("--out", help="run folder (default: runs/translate-DATE-TIME)")
    t.add_argument("--resume", action="store_true", help="continue the interrupted run in --out")
    add_train_arguments(t, d.train)
    t.set_defaults(handler=run_train)

    e = sub.add_parser("eval", help="BLEU, exact match and perplexity on the run's test split, baselines beside")
    e.add_argument("checkpoint", metavar="CHECKPOINT", help="a run folder or its best.json")
    _decoding_arguments(e)
    e.add_argument("--device", default="cpu", help="(default %(default)s)")
    e.set_defaults(handler=run_eval)

    r = sub.add_parser("translate", help="translate each TEXT")
    r.add_argument("checkpoint", metavar="CHECKPOINT", help="a run folder or its best.json")
    r.add_argument("texts", metavar="TEXT", nargs="+", help="a sentence in the source language")
    _decoding_arguments(r)
    r.add_argument("--n-best", type=int, default=1, help="print this many translations each (default 1)")
    r.add_argument("--plot-attention", metavar="FILE.png", help="draw the first sentence's attention")
    r.add_argument("--device", default="cpu", help="(default %(default)s)")
    r.set_defaults(handler=run_translate)


def _table(metrics: dict) -> str:
    return format_table([{"metric": k.replace("_", " "), "value": v} for k, v in metrics.items()])


def run_train(args: argparse.Namespace) -> None:
    options = given(args, MODEL_OPTIONS)
    for flag, name, value in (("reverse", "reverse", True), ("skip_bad_rows", "skip_bad_rows", True),
                              ("unidirectional", "bidirectional", False)):
        if getattr(args, flag):
            options[name] = value
    result = train_or_resume(args, "translate", translate, translate.TranslateConfig(), options)
    if result is None:
        return
    for reason, count in result.skipped.items():
        print(f"left out {count} pairs: {reason}")
    print("\ntest:")
    print(_table(result.test))
    print()
    for example in result.examples:
        print(f"{example['source']}\n  -> {example['output']}\n     (reference: {example['references'][0]})")


def run_eval(args: argparse.Namespace) -> None:
    print(_table(translate.evaluate(args.checkpoint, args.beam or 1, args.alpha or 0.0, args.device)))


def run_translate(args: argparse.Namespace) -> None:
    translator = translate.load(args.checkpoint, args.device)
    beam = args.beam or max(1, args.n_best)
    found = translate.translate(translator, args.texts, beam, args.alpha or 0.0, args.n_best)
    for text, translation in zip(args.texts, found):
        if args.n_best == 1:
            print(translation.outputs[0])
        else:
            print(text)
            for output, score in zip(translation.outputs, translation.scores):
                print(f"  {score:.3f}\t{output}")
    if args.plot_attention:
        print(f"attention: {translate.attention_plot(found[0], args.plot_attention)}")
