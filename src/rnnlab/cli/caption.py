"""``rnnlab caption train|eval|describe``: the chapter's one-to-many application."""

from __future__ import annotations

import argparse

from rnnlab.apps import caption
from rnnlab.apps.caption.data import FORMATS
from rnnlab.apps.caption.run import ATTENTION_CHOICES
from rnnlab.cli.common import add_train_arguments, given, size, train_or_resume, widths
from rnnlab.kernels import ENGINES
from rnnlab.models import CELL_KINDS, IMAGE_AS
from rnnlab.viz import format_table

MODEL_OPTIONS = ["data", "images", "format", "train_split", "validation_split", "test_split", "validation", "test",
                 "split_seed", "generated_train", "generated_validation", "generated_test", "image_size", "min_freq",
                 "max_vocab", "encoder_weights", "embedding_dim", "cell", "hidden_size", "layers", "dropout",
                 "attention", "image_as", "engine", "batch_size", "beam", "alpha", "sheet", "out"]


def add_parser(commands) -> None:
    p = commands.add_parser("caption", help="image captioning: a CNN and a decoder RNN, one image to many words",
                            description="Train a captioner, score it with BLEU, describe new pictures.")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    d = caption.CaptionConfig()

    t = sub.add_parser("train", help="train on generated scenes of shapes or on --data",
                       description="Train, select the epoch by validation BLEU-4, test it, and draw a sheet of "
                                   "test pictures with their captions (test-captions.png).")
    data = t.add_argument_group("data")
    data.add_argument("--data", help="Flickr8k.token.txt or a COCO captions JSON; default: generated scenes")
    data.add_argument("--images", help="the folder of the pictures --data captions")
    data.add_argument("--format", choices=FORMATS, help="(default auto: by the file's name)")
    data.add_argument("--train-split", help="a file listing the training images (Flickr_8k.trainImages.txt)")
    data.add_argument("--validation-split", help="... the validation images (Flickr_8k.devImages.txt)")
    data.add_argument("--test-split", help="... the test images (Flickr_8k.testImages.txt)")
    data.add_argument("--skip-bad-rows", action="store_true", help="count and skip bad lines and images")
    data.add_argument("--validation", type=size, help=f"images held out at random without split files "
                                                      f"(default {d.validation})")
    data.add_argument("--test", type=size, help=f"(default {d.test})")
    data.add_argument("--split-seed", type=int, help=f"(default {d.split_seed}); also seeds the generated scenes")
    data.add_argument("--generated-train", type=int, help=f"(default {d.generated_train})")
    data.add_argument("--generated-validation", type=int, help=f"(default {d.generated_validation})")
    data.add_argument("--generated-test", type=int, help=f"(default {d.generated_test})")
    data.add_argument("--image-size", type=int, help=f"pictures are resized to this square (default {d.image_size})")
    data.add_argument("--min-freq", type=int, help=f"(default {d.min_freq})")
    data.add_argument("--max-vocab", type=int, help="(default: all words)")
    m = t.add_argument_group("model")
    m.add_argument("--channels", type=widths, help=f"CNN widths, a block each (default "
                                                      f"{','.join(map(str, d.channels))})")
    m.add_argument("--encoder-weights", help="start the CNN from these weights (safetensors)")
    m.add_argument("--embedding-dim", type=int, help=f"(default {d.embedding_dim})")
    m.add_argument("--cell", choices=CELL_KINDS, help=f"decoder cell (default {d.cell})")
    m.add_argument("--hidden-size", type=int, help=f"(default {d.hidden_size})")
    m.add_argument("--layers", type=int, help=f"(default {d.layers})")
    m.add_argument("--dropout", type=float, help=f"(default {d.dropout})")
    m.add_argument("--attention", choices=ATTENTION_CHOICES, help=f"soft attention over the feature map "
                                                                  f"(default {d.attention})")
    m.add_argument("--image-as", choices=IMAGE_AS, help=f"the image vector as the decoder's initial state or its "
                                                        f"first input (default {d.image_as})")
    m.add_argument("--engine", choices=ENGINES, help=f"(default {d.engine})")
    m.add_argument("--batch-size", type=int, help=f"pictures a batch, each with all its captions "
                                                 f"(default {d.batch_size})")
    m.add_argument("--beam", type=int, help=f"beam width for testing; 1: greedy (default {d.beam})")
    m.add_argument("--alpha", type=float, help=f"length penalty (default {d.alpha})")
    t.add_argument("--sheet", type=int, help=f"test pictures on the sheet; 0: none (default {d.sheet})")
    t.add_argument("--out", help="run folder (default: runs/caption-DATE-TIME)")
    t.add_argument("--resume", action="store_true", help="continue the interrupted run in --out")
    add_train_arguments(t, d.train)
    t.set_defaults(handler=run_train)

    e = sub.add_parser("eval", help="BLEU-1..4, exact match (and attribute accuracy) on the run's test split")
    e.add_argument("checkpoint", metavar="CHECKPOINT", help="a run folder or its best.json")
    e.add_argument("--beam", type=int, default=1, help="(default %(default)s)")
    e.add_argument("--alpha", type=float, default=0.0, help="(default %(default)s)")
    e.add_argument("--device", default="cpu", help="(default %(default)s)")
    e.set_defaults(handler=run_eval)

    r = sub.add_parser("describe", help="a caption for each IMAGE")
    r.add_argument("checkpoint", metavar="CHECKPOINT", help="a run folder or its best.json")
    r.add_argument("images", metavar="IMAGE", nargs="+", help="a picture file (PNG, JPEG, ...)")
    r.add_argument("--beam", type=int, default=1, help="(default %(default)s)")
    r.add_argument("--alpha", type=float, default=0.0, help="(default %(default)s)")
    r.add_argument("--device", default="cpu", help="(default %(default)s)")
    r.set_defaults(handler=run_describe)


def _table(metrics: dict) -> str:
    return format_table([{"metric": k.replace("_", " "), "value": v} for k, v in metrics.items()])


def run_train(args: argparse.Namespace) -> None:
    options = given(args, MODEL_OPTIONS + ["channels"])
    if args.skip_bad_rows:
        options["skip_bad_rows"] = True
    result = train_or_resume(args, "caption", caption, caption.CaptionConfig(), options)
    if result is None:
        return
    for reason, count in result.skipped.items():
        print(f"skipped {count}: {reason}")
    print("\ntest:")
    print(_table(result.test))
    print("\nblind baseline (the most common training caption for every picture):")
    print(_table(result.baseline))


def run_eval(args: argparse.Namespace) -> None:
    print(_table(caption.evaluate(args.checkpoint, args.beam, args.alpha, args.device)))


def run_describe(args: argparse.Namespace) -> None:
    trained = caption.load(args.checkpoint, args.device)
    for path, text in zip(args.images, caption.describe(trained, args.images, args.beam, args.alpha)):
        print(f"{path}\t{text}")
