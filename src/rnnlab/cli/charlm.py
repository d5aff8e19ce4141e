"""``rnnlab charlm train|sample|eval``: English word generation with a character language model."""

from __future__ import annotations

import argparse

from rnnlab.apps import charlm
from rnnlab.apps.charlm.data import FORMATS
from rnnlab.cli.common import add_train_arguments, given, size, train_or_resume
from rnnlab.kernels import ENGINES
from rnnlab.models import CELL_KINDS
from rnnlab.viz import format_table

MODEL_OPTIONS = ["data", "format", "words", "validation", "test", "split_seed", "cell", "layers", "hidden_size",
                 "embedding_dim", "dropout", "engine", "batch_size", "bptt", "bptt_k2", "samples", "temperature", "top_k",
                 "out"]


def add_parser(commands) -> None:
    p = commands.add_parser("charlm", help="character language model: English word generation",
                            description="Train a character-level RNN language model, sample from it, evaluate it.")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    d = charlm.CharLMConfig()

    t = sub.add_parser("train", help="train on the embedded English word list or on --data FILE",
                       description="Train, test on held-out data, and print generated samples.")
    t.add_argument("--data", help="a word list (one word a line) or a plain-text file; default: the embedded "
                                  f"English word list ({d.words} words)")
    t.add_argument("--format", choices=FORMATS, help="how to read --data (default auto: a word list when nearly "
                                                     "every line is one word)")
    t.add_argument("--words", type=int, help=f"size of the embedded word list (default {d.words})")
    t.add_argument("--validation", type=size, help=f"held-out validation words (count or fraction) or text share "
                                                   f"before the test text; 0: the test split also selects the "
                                                   f"model (default {d.validation})")
    t.add_argument("--test", type=size, help=f"held-out test words or trailing text share (default {d.test})")
    t.add_argument("--split-seed", type=int, help=f"seed of the word-list split (default {d.split_seed})")
    t.add_argument("--cell", choices=CELL_KINDS, help=f"recurrent cell (default {d.cell})")
    t.add_argument("--layers", type=int, help=f"stacked layers (default {d.layers})")
    t.add_argument("--hidden-size", type=int, help=f"hidden units a layer (default {d.hidden_size})")
    t.add_argument("--embedding-dim", type=int, help=f"learned embedding size; 0: one-hot input (default {d.embedding_dim})")
    t.add_argument("--dropout", type=float, help=f"(default {d.dropout})")
    t.add_argument("--tie-weights", action="store_true", help="share the embedding with the output layer")
    t.add_argument("--engine", choices=ENGINES, help="how the recurrent layers run: the readable reference loop, "
                                                     "the hand-derived BPTT kernels, torch's fused kernels, or "
                                                     f"auto, the fastest (default {d.engine})")
    t.add_argument("--batch-size", type=int, help=f"(default {d.batch_size})")
    t.add_argument("--bptt", type=int, help=f"text: k1, steps between truncated-BPTT updates (default {d.bptt})")
    t.add_argument("--bptt-k2", type=int, help="text: k2, steps backpropagated (default: k1)")
    t.add_argument("--samples", type=int, help=f"samples to print after training (default {d.samples})")
    t.add_argument("--temperature", type=float, help=f"sampling temperature (default {d.temperature})")
    t.add_argument("--top-k", type=int, help=f"sample from the k most likely characters; 0: all (default {d.top_k})")
    t.add_argument("--out", help="run folder (default: runs/charlm-DATE-TIME)")
    t.add_argument("--resume", action="store_true", help="continue the interrupted run in --out")
    add_train_arguments(t, d.train)
    t.set_defaults(handler=run_train)

    s = sub.add_parser("sample", help="generate words or text from a trained model")
    s.add_argument("checkpoint", metavar="CHECKPOINT", help="a run folder or its best.json")
    s.add_argument("--n", type=int, default=20, help="how many samples (default %(default)s)")
    s.add_argument("--temperature", type=float, default=0.8, help="(default %(default)s)")
    s.add_argument("--top-k", type=int, default=0, help="0: all characters (default %(default)s)")
    s.add_argument("--top-p", type=float, default=1.0, help="nucleus sampling (default %(default)s)")
    s.add_argument("--prefix", default="", help="the start of every sample")
    s.add_argument("--max-len", type=int, help="most characters a sample (default 30 for words, 400 for text)")
    s.add_argument("--seed", type=int, default=0, help="(default %(default)s)")
    s.add_argument("--device", default="cpu", help="(default %(default)s)")
    s.set_defaults(handler=run_sample)

    e = sub.add_parser("eval", help="cross-entropy, bits per character and perplexity of a trained model")
    e.add_argument("checkpoint", metavar="CHECKPOINT", help="a run folder or its best.json")
    e.add_argument("--data", help="score this file instead of the run's own test split")
    e.add_argument("--device", default="cpu", help="(default %(default)s)")
    e.set_defaults(handler=run_eval)


def _metrics_table(name: str, metrics: dict) -> str:
    return format_table([{"split": name, "nats/char": metrics["loss"], "bits/char": metrics["bits_per_char"],
                          "perplexity": metrics["perplexity"]}])


def run_train(args: argparse.Namespace) -> None:
    options = given(args, MODEL_OPTIONS)
    if args.tie_weights:
        options["tie_weights"] = True
    result = train_or_resume(args, "charlm", charlm, charlm.CharLMConfig(), options)
    if result is None:
        return
    print()
    print(_metrics_table("test", result.test))
    if result.samples:
        print("\nsamples:")
        print("\n".join(result.samples))
    if result.novelty:
        print(f"\nnew (not in the training words): {result.novelty['new']:.0%}; "
              f"real words held out from training: {result.novelty['real_held_out']:.0%}")


def run_sample(args: argparse.Namespace) -> None:
    model, vocab, config, meta = charlm.load(args.checkpoint, args.device)
    if args.n < 1:
        raise ValueError(f"--n must be at least 1; received {args.n}")
    for text in charlm.generate(model, vocab, meta["corpus"]["kind"], args.n, args.temperature, args.top_k,
                                args.top_p, args.prefix, args.max_len, args.seed):
        print(text)


def run_eval(args: argparse.Namespace) -> None:
    metrics = charlm.evaluate(args.checkpoint, args.data, args.device)
    print(_metrics_table("test" if args.data is None else args.data, metrics))
