"""``rnnlab vectors train|neighbours``: word2vec vectors from your own text, and a look at what they learned."""

from __future__ import annotations

import argparse

from rnnlab.training.word2vec import METHODS, neighbours, train_vectors


def add_parser(commands) -> None:
    p = commands.add_parser("vectors", help="word2vec vectors from your own text, for --vectors (needs the "
                                            "vectors extra)",
                            description="Learn word2vec vectors from text files or folders (gensim), with the "
                                        "tasks' tokenizer, as a word2vec file that --vectors reads.")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    t = sub.add_parser("train", help="learn vectors and write them to --out",
                       description="Learn word2vec vectors (skip-gram or CBOW, negative sampling) from text: a "
                                   "text file (a sentence or paragraph a line), a folder with train.txt (only it is "
                                   "read), or a folder of .txt documents.")
    t.add_argument("--data", nargs="+", required=True, metavar="PATH", help="text files or folders")
    t.add_argument("--out", required=True, metavar="FILE", help="the vectors file to write (.bin: binary "
                                                                "word2vec, else text)")
    t.add_argument("--method", default="skipgram", choices=METHODS, help="(default %(default)s)")
    t.add_argument("--dim", type=int, default=100, help="vector size (default %(default)s)")
    t.add_argument("--window", type=int, default=5, help="words each side (default %(default)s)")
    t.add_argument("--min-count", type=int, default=5, help="rarer words get no vector (default %(default)s)")
    t.add_argument("--epochs", type=int, default=5, help="(default %(default)s)")
    t.add_argument("--negative", type=int, default=5, help="negative samples a word (default %(default)s)")
    t.add_argument("--workers", type=int, default=2, help="threads (default %(default)s)")
    t.add_argument("--seed", type=int, default=0, help="(default %(default)s)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(handler=run_train)
    n = sub.add_parser("neighbours", help="the words nearest to WORD", description="The words whose vectors are "
                                                                               "nearest to WORD's (cosine).")
    n.add_argument("vectors", metavar="FILE", help="a word2vec (text or binary) or GloVe file")
    n.add_argument("word", metavar="WORD")
    n.add_argument("--n", type=int, default=10, help="how many (default %(default)s)")
    n.set_defaults(handler=run_neighbours)


def run_train(args: argparse.Namespace) -> None:
    done = train_vectors(args.data, args.out, args.dim, args.window, args.min_count, args.epochs, args.method,
                         args.negative, args.workers, args.seed, progress=not args.quiet)
    print(f"{done.path}: {done.words} words, {done.dim} dimensions, from {done.tokens} tokens in "
          f"{done.seconds:.1f} s; use it with --vectors {done.path}")


def run_neighbours(args: argparse.Namespace) -> None:
    for word, similarity in neighbours(args.vectors, args.word, args.n):
        print(f"{similarity:.3f}\t{word}")
