"""The language model, declared for the runner: corpus, model, loss, samples, verbs.

The chapter's pipeline (corpus with train/test, design, loss, optimiser,
train, test) is ``rnnlab.training.runner.train`` over this declaration, at
the level of words (``rnnlab lm``) or characters (``rnnlab charlm``, the
English word generator: the same code with its own defaults); ``generate``
samples words or text from a trained model.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import torch

from rnnlab.apps.lm.data import FORMATS, UNITS, Corpus, load_corpus, split_parts, word_tokens
from rnnlab.apps.lm.tasks import StreamTask, WordTask, evaluate_stream, evaluate_words
from rnnlab.data import DataError, Vocabulary, read_lines, read_text
from rnnlab.data.text import tokenize
from rnnlab.data.vocab import BOS, EOS, PAD, UNK
from rnnlab.decoding import sample
from rnnlab.export import check, run_onnx, save, zero_state
from rnnlab.export.onnx_graph import language_model
from rnnlab.models import CELL_KINDS, LanguageModel, Regularization, default_cutoffs
from rnnlab.models.language_model import SOFTMAXES
from rnnlab.training import TrainConfig
from rnnlab.training.options import Config, encoding_option, engine_option, option, out_option
from rnnlab.training.diagnostics import trace
from rnnlab.training.pretrained import LanguageModelRun, check_shape, read_language_model
from rnnlab.training.runner import App, Prepared, Trained, Verb
from rnnlab.training.tbptt import TBPTT
from rnnlab.viz import format_table

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LMConfig(Config):
    """Everything a language-model run needs, saved in its checkpoints; each field is a ``--flag`` of ``train``.

    The defaults are ``rnnlab lm``'s word-level model: a 2-layer LSTM with the AWD-LSTM's regularisers at
    light rates and an adaptive softmax, sized for a CPU (see docs/lm.md)."""

    data: str | None = option(None, "a text file, a folder with train.txt/valid.txt/test.txt, or a folder of "
                                    "documents (one .txt file each)", group="data",
                              none="the Python language reference's prose (words) or English word list (characters)")
    unit: str = option("word", "what the model reads and predicts", choices=UNITS, group="data")
    format: str = option("auto", "how to read a --data file at the character level; auto: a word list when "
                                 "nearly every line is one word", choices=FORMATS, group="data")
    words: int = option(20000, "size of the embedded word list (characters)", group="data")
    validation: float | int = option(0.05, "held-out validation documents, lines or words (count or fraction), "
                                           "or text share before the test text; 0: the test split also selects "
                                           "the model", group="data")
    test: float | int = option(0.05, "held-out test documents, lines or words, or trailing text share",
                               group="data")
    validation_data: str | None = option(None, "a file or folder to validate on instead of a share of --data",
                                         group="data")
    test_data: str | None = option(None, "a file or folder to test on instead of a share of --data", group="data")
    split_seed: int = option(0, "seed of the split into documents or words", group="data")
    reverse: bool = option(False, "read the text right to left: a backward language model, for a task's "
                                  "--init-from-backward", group="data")
    min_freq: int = option(3, "words: rarer training words read as <unk>", group="data")
    max_vocab: int | None = option(30000, "words: the most frequent words kept (with <unk> and <eos>)",
                                   none="all", group="data")
    init_from: str | None = option(None, "start from this language model run: its weights and vocabulary "
                                         "(ULMFiT: fine-tune a pretrained model on a task's own texts)",
                                   metavar="RUN", group="model")
    cell: str = option("lstm", "recurrent cell", choices=CELL_KINDS, group="model")
    layers: int = option(2, "stacked layers", group="model")
    hidden_size: int = option(512, "hidden units a layer", group="model")
    embedding_dim: int = option(256, "learned embedding size; 0: one-hot input", group="model")
    dropout: float = option(0.1, "dropout on the input, between layers and on the output", group="regularisation")
    dropout_input: float | None = option(None, "dropout on the embedded input", none="--dropout",
                                         group="regularisation")
    dropout_hidden: float | None = option(None, "dropout between layers", none="--dropout", group="regularisation")
    dropout_output: float | None = option(None, "dropout on the top layer's output", none="--dropout",
                                          group="regularisation")
    locked: bool = option(True, "a new dropout mask at every step instead of one a sequence (locked dropout)",
                          flag="--unlocked", group="regularisation")
    embedding_dropout: float = option(0.0, "drop whole words from the embedding", group="regularisation")
    weight_drop: float = option(0.1, "DropConnect on the recurrent weights W_h, one mask a batch",
                                group="regularisation")
    ar: float = option(0.0, "activation regularisation: alpha * mean(h_t^2) on the top layer's dropped output",
                       group="regularisation")
    tar: float = option(0.0, "temporal activation regularisation: beta * mean((h_t - h_{t-1})^2)",
                        group="regularisation")
    tie_weights: bool = option(False, "share the embedding with the output layer (full softmax; a projection "
                                      "when the sizes differ)", group="model")
    softmax: str = option("adaptive", "the output layer: the full softmax or an adaptive softmax (frequent words "
                                      "in a head, rare ones in smaller clusters; exact probabilities)",
                          choices=SOFTMAXES, group="model")
    cutoffs: tuple[int, ...] | None = option(None, "adaptive softmax cluster boundaries (vocabulary ranks)",
                                             none="where the head holds 80 and 95 percent of the training words",
                                             group="model")
    engine: str = engine_option()
    batch_size: int = option(64, "", group="model")
    bptt: int = option(70, "text: k1, steps between truncated-BPTT updates", group="model")
    bptt_k2: int | None = option(None, "text: k2, steps backpropagated", none="k1", group="model")
    vary_bptt: bool = option(True, "every window k1 steps, instead of a length drawn around it (the learning "
                                   "rate scaled with it)", flag="--fixed-bptt", group="model")
    samples: int = option(5, "samples to print after training", group="output")
    temperature: float = option(0.8, "sampling temperature", group="output")
    top_k: int = option(0, "sample from the k most likely tokens; 0: all", group="output")
    encoding: str = encoding_option()
    out: str | None = out_option("lm")
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=20, lr=2e-3, schedule="cosine",
                                                                     warmup_steps=100, clip_threshold=0.25,
                                                                     validate_every=500, precision="auto"))

    def __post_init__(self) -> None:
        self.check_choices()
        self.check_split_sizes()
        self.tuples("cutoffs")
        self.check_at_least(("layers", "hidden_size", "batch_size", "bptt", "words", "min_freq"))
        self.check_at_least(("samples",), 0)
        if self.max_vocab is not None:
            self.check_at_least(("max_vocab",), 3)
        self.check_fractions(("dropout", "embedding_dropout", "weight_drop") + tuple(
            f for f in ("dropout_input", "dropout_hidden", "dropout_output") if getattr(self, f) is not None))
        if self.ar < 0 or self.tar < 0:
            raise ValueError(f"ar and tar must not be negative; received {self.ar} and {self.tar}")
        if self.bptt_k2 is not None and self.bptt_k2 < self.bptt:
            raise ValueError(f"bptt k2 must be at least --bptt {self.bptt}; received {self.bptt_k2}")

    def rates(self) -> tuple[float, float, float]:
        return tuple(self.dropout if r is None else r
                     for r in (self.dropout_input, self.dropout_hidden, self.dropout_output))


@dataclass(frozen=True)
class CharLMConfig(LMConfig):
    """``rnnlab charlm``: the character-level English word generator, the same model with its own defaults."""

    data: str | None = option(None, "a word list (one word a line), a plain-text file, or a corpus folder",
                              group="data", none="the embedded English word list")
    unit: str = option("char", "what the model reads and predicts", choices=UNITS, group="data")
    layers: int = option(1, "stacked layers", group="model")
    hidden_size: int = option(256, "hidden units a layer", group="model")
    embedding_dim: int = option(32, "learned embedding size; 0: one-hot input", group="model")
    locked: bool = option(False, "one dropout mask a sequence (locked dropout) instead of a new one every step",
                          flag="--locked", group="regularisation")
    weight_drop: float = option(0.0, "DropConnect on the recurrent weights W_h, one mask a batch",
                                group="regularisation")
    softmax: str = option("full", "the output layer: the full softmax or an adaptive softmax",
                          choices=SOFTMAXES, group="model")
    bptt: int = option(100, "text: k1, steps between truncated-BPTT updates", group="model")
    vary_bptt: bool = option(False, "draw each window's k1 around --bptt (the learning rate scaled with it)",
                             flag="--vary-bptt", group="model")
    samples: int = option(20, "samples to print after training", group="output")
    out: str | None = out_option("charlm")
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=8, lr=3e-3, schedule="cosine"))


def prepare(config: LMConfig, meta: dict | None) -> Prepared:
    start = None
    if meta is None and config.init_from is not None:
        start = read_language_model(config.init_from, "backward" if config.reverse else "forward")
        check_shape(start, config.cell, config.hidden_size, config.layers, "--cell",
                    embedding_dim=("--embedding-dim", config.embedding_dim), softmax=("--softmax", config.softmax))
        if config.unit != "word":
            raise ValueError(f"--init-from {config.init_from}: a word-level language model; this run reads "
                             f"characters (--unit char)")
    vocab = Vocabulary.from_json(meta["vocab"]) if meta is not None else \
        Vocabulary.from_json(start.tokens) if start is not None else None
    corpus = load_corpus(config.data, config.format, config.words, config.validation, config.test,
                         config.split_seed, config.unit, config.min_freq, config.max_vocab, config.validation_data,
                         config.test_data, vocab)
    if config.reverse:
        reverse_corpus(corpus)
    if meta is not None:
        corpus.vocab = vocab
        return Prepared(corpus, meta, corpus.source)
    info = {"vocab": corpus.vocab.to_json(), "corpus": {"kind": corpus.kind, "unit": corpus.unit}}
    if start is not None:  # the pretrained model's vocabulary and output layer, kept whole
        if "cutoffs" in start.meta:
            info["cutoffs"] = start.meta["cutoffs"]
        unknown = float((corpus.train == corpus.vocab.index[UNK]).double().mean())
        return Prepared(corpus, info, corpus.source, initialize=lambda model: load_language_model(model, start),
                        started_from=f"started from {config.init_from}: its vocabulary and weights; {unknown:.1%} "
                                     f"of the training words are <unk> to it")
    if config.softmax == "adaptive":
        cutoffs = config.cutoffs or default_cutoffs(corpus.counts())
        if not cutoffs:
            raise ValueError(f"the vocabulary ({len(corpus.vocab)} tokens) is too small for an adaptive softmax; "
                             f"give --softmax full")
        info["cutoffs"] = list(cutoffs)
    if corpus.unit == "word":
        log.info("%s: %d words in the vocabulary; %d training, %d validation, %d test tokens", corpus.source,
                 len(corpus.vocab), corpus.train.numel(), corpus.validation.numel(), corpus.test.numel())
    return Prepared(corpus, info, corpus.source)


def reverse_corpus(corpus: Corpus) -> None:
    """Each split read right to left (a backward language model's text): the same words, last first."""
    if corpus.kind != "text":
        raise ValueError("--reverse reads a text right to left; a word list (one word a line) is not a text")
    for split in ("train", "validation", "test"):
        text = getattr(corpus, split)
        setattr(corpus, split, text.flip(0) if isinstance(text, torch.Tensor) else text[::-1])


def load_language_model(model: LanguageModel, start: LanguageModelRun) -> None:
    """Every weight of the pretrained language model ``start`` into ``model`` (the same shape)."""
    try:
        model.load_state_dict(start.tensors)
    except RuntimeError as error:
        raise ValueError(f"--init-from {start.path}: its weights do not fit this model "
                         f"({str(error).splitlines()[0][:200]}...); give the options it was trained with") from None


def build_model(config: LMConfig, meta: dict) -> LanguageModel:
    vocab = Vocabulary.from_json(meta["vocab"])
    reg = Regularization(config.embedding_dropout, config.weight_drop, config.ar, config.tar, config.locked)
    return LanguageModel(len(vocab), config.embedding_dim, config.cell, config.hidden_size, config.layers,
                         config.rates(), config.tie_weights, padding_idx=vocab.index.get(PAD), engine=config.engine,
                         regularization=reg, softmax=config.softmax, cutoffs=meta.get("cutoffs") or ())


def task(config: LMConfig, prepared: Prepared):
    corpus = prepared.data
    if corpus.kind == "words":
        return WordTask(corpus, config.batch_size, config.train.seed)
    return StreamTask(corpus, config.batch_size, TBPTT(config.bptt, config.bptt_k2, config.vary_bptt),
                      config.train.seed)


def novelty_of(words: list[str], corpus: Corpus) -> dict[str, float]:
    """The share of generated words that are new (not trained on) and that are real held-out words."""
    n = max(1, len(words))
    return {"new": sum(w not in corpus.train_set for w in words) / n,
            "real_held_out": sum(w in corpus.held_out_set for w in words) / n}


def report(model: LanguageModel, config: CharLMConfig, prepared: Prepared, run_dir: Path) -> dict:
    """Samples from the best weights (``samples.txt``) and, for a word list, how many are new."""
    corpus = prepared.data
    samples = generate(model, corpus.vocab, corpus.kind, config.samples, config.temperature, config.top_k,
                       seed=config.train.seed, unit=corpus.unit, reverse=config.reverse) if config.samples else []
    (run_dir / "samples.txt").write_text("".join(s + "\n" for s in samples), encoding="utf-8")
    return {"samples": samples, "novelty": novelty_of(samples, corpus) if corpus.kind == "words" and samples else {},
            "corpus": {"kind": corpus.kind, "unit": corpus.unit, "source": corpus.source,
                       "vocabulary": len(corpus.vocab)}}


def _table(split: str, metrics: dict) -> str:
    """One row: nats and bits a character (characters) or nats a word and the share of <unk> (words)."""
    row = {"split": split}
    if "bits_per_char" in metrics:
        row.update({"nats/char": metrics["loss"], "bits/char": metrics["bits_per_char"]})
    else:
        row["nats/word"] = metrics["loss"]
    row["perplexity"] = metrics["perplexity"]
    if "unknown_share" in metrics:
        row["<unk> share"] = metrics["unknown_share"]
    return format_table([row])


def show(summary: dict) -> str:
    lines = [_table("test", summary["test"])]
    if summary["samples"] and summary["corpus"].get("unit") == "word":  # passages: a blank line between
        lines += ["", "samples:", "\n\n".join(summary["samples"])]
    elif summary["samples"]:
        lines += ["", "samples:", *summary["samples"]]
    if summary["novelty"]:
        lines += ["", f"new (not in the training words): {summary['novelty']['new']:.0%}; "
                      f"real words held out from training: {summary['novelty']['real_held_out']:.0%}"]
    return "\n".join(lines)


SAMPLE_BATCH = 4096  # samples drawn side by side


@torch.no_grad()
def generate(model: LanguageModel, vocab: Vocabulary, kind: str, n: int, temperature: float = 0.8,
             top_k: int = 0, top_p: float = 1.0, prefix: str = "", max_len: int | None = None,
             seed: int = 0, unit: str = "char", reverse: bool = False) -> list[str]:
    """``n`` samples: words (each ``prefix`` + sampled letters up to ``<eos>``), text passages (characters), or
    ``prefix`` followed by up to ``max_len`` sampled words (words; ``<eos>`` written as a line break).

    A backward model (``reverse``) writes right to left: each sample is up to ``max_len`` words that lead up
    to ``prefix``, printed in reading order."""
    model.eval()
    device = next(model.parameters()).device
    if unit == "word":
        words = tokenize(prefix)
        unknown = [w for w in words if w not in vocab]
        if words and len(unknown) == len(words):
            raise ValueError(f"the prefix is made only of words the model never saw: {', '.join(unknown[:10])}")
        vocab.warn_unknown([words], "prefix words")
        start, max_len = [vocab.eos_id] + vocab.encode(words[::-1] if reverse else words), max_len or 50  # after <eos>
    elif kind == "words":
        _check_known(prefix, vocab, "prefix")
        start, max_len = [vocab.bos_id] + vocab.encode(prefix), max_len or 30
    else:
        _check_known(prefix, vocab, "prefix")
        start, max_len = vocab.encode(prefix or "\n"), max_len or 400
    generator = torch.Generator().manual_seed(seed)
    never = [vocab.index[t] for t in (PAD, BOS, UNK) if t in vocab]  # tokens that are not text to write

    def step(tokens, state):
        logits, state = model(tokens, state)
        return logits.index_fill(-1, torch.tensor(never, device=logits.device), float("-inf")), state
    out = []
    for done in range(0, n, SAMPLE_BATCH):  # memory stays bounded however many are asked for
        prompt = torch.tensor([start] * min(SAMPLE_BATCH, n - done), dtype=torch.long, device=device)  # (rows, T0)
        new = sample(step, None, prompt, max_len, eos_id=vocab.eos_id if kind == "words" else None,
                     temperature=temperature, top_k=top_k, top_p=top_p, generator=generator)
        if unit == "word":
            texts = [vocab.decode(ids[::-1]) + [prefix.strip()] * bool(prefix.strip()) if reverse else
                     [prefix.strip()] * bool(prefix.strip()) + vocab.decode(ids) for ids in new]
            out += [" ".join(t).replace(f" {EOS} ", "\n").replace(f" {EOS}", "").replace(f"{EOS} ", "")
                    for t in texts]
        else:
            out += [prefix + "".join(vocab.decode(ids)) for ids in new]
    return out


def _check_known(text: str, vocab: Vocabulary, what: str) -> None:
    unknown = sorted({c for c in text if c not in vocab})
    if unknown:
        raise ValueError(f"the {what} holds characters the model never saw: {''.join(unknown)!r}")


VOWELS = set("aeiouAEIOU")


def _correlations(values: torch.Tensor, features: dict[str, list[float]], top: int = 5) -> dict[str, list]:
    """For each feature that varies over the text, the ``top`` units most correlated with it: ``[unit, r]``."""
    out = {}
    v = values - values.mean(0)  # (T, H)
    for name, feature in features.items():
        f = torch.tensor(feature)
        f = f - f.mean()
        if float(f.norm()) == 0 or len(feature) < 3:
            continue  # constant over this text: nothing to correlate with
        r = (f @ v) / (f.norm() * v.norm(dim=0)).clamp_min(1e-12)  # (H,)
        order = r.abs().argsort(descending=True)[:top]
        out[name] = [[int(k), round(float(r[k]), 3)] for k in order]
    return out


@torch.no_grad()
def inspect(trained: Trained, text: str, signal: str = "h", unit: int = 0) -> dict:
    """What the top recurrent layer does while it reads ``text`` (``rnnlab lab``'s language-model page).

    ``values``: the chosen ``signal`` (``h``, ``c`` for an LSTM, or a gate:
    ``i``, ``f``, ``o``; ``r``, ``u``) of hidden unit ``unit`` after each
    character; ``top``: the five likeliest next characters after each;
    ``correlated``: the units whose signal follows simple features of the text
    most closely (Pearson r).
    """
    model, vocab = trained.model, Vocabulary.from_json(trained.meta["vocab"])
    words = trained.meta["corpus"]["kind"] == "words"
    if unit_of(trained) != "char":
        raise ValueError("inspect follows a character-level model over characters; this model reads words")
    if not text:
        raise ValueError("the text is empty; expected characters to read")
    _check_known(text, vocab, "text")
    ids = ([vocab.bos_id] if words else []) + vocab.encode(text)
    device = next(model.parameters()).device
    model.eval()
    with trace(model) as steps:
        logits, _ = model(torch.tensor([ids], device=device), None)
    layer = steps[list(steps)[-1]]  # the top layer
    first = 1 if words else 0  # the step that reads <bos> shows no character
    signals = list(layer[0])
    if signal not in signals:
        raise ValueError(f"signal must be one of {', '.join(signals)}; received {signal!r}")
    values = torch.stack([step[signal][0] for step in layer[first:]]).float().cpu()  # (T, H)
    if not 0 <= unit < values.shape[1]:
        raise ValueError(f"unit must be in [0, {values.shape[1] - 1}]; received {unit}")
    probs = logits[0, first:].float().softmax(-1).cpu()  # (T, V): the next character after each
    best = probs.topk(min(5, probs.shape[1]), dim=-1)
    features = {"inside a word": [float(c.isalpha()) for c in text],
                "after a vowel": [float(k > 0 and text[k - 1] in VOWELS) for k in range(len(text))],
                "a vowel": [float(c in VOWELS) for c in text],
                "a space": [float(c == " ") for c in text]}
    return {"chars": list(text), "signal": signal, "signals": signals, "unit": unit, "units": values.shape[1],
            "values": [round(float(v), 4) for v in values[:, unit]],
            "top": [[[vocab.tokens[int(k)], round(float(p), 4)] for p, k in zip(ps, ks)]
                    for ps, ks in zip(best.values, best.indices)],
            "correlated": _correlations(values, features)}


def lab_sample(trained: Trained, params: dict) -> dict:
    """One sample for ``rnnlab lab``: ``{"text"}``, from the parameters ``sample`` takes."""
    o = SampleOptions(n=1, temperature=float(params.get("temperature", 0.8)), top_k=int(params.get("top_k", 0)),
                      top_p=float(params.get("top_p", 1.0)), prefix=str(params.get("prefix", "")),
                      max_len=int(params["length"]) if params.get("length") else None,
                      seed=int(params.get("seed", 0)))
    return {"text": run_sample(trained, o)}


@torch.no_grad()
def export_onnx(trained: Trained, path: Path) -> str:
    """The language model's step function as ONNX (``tokens``, the state in -> ``logits``, the state after;
    see ``rnnlab.export.onnx_graph.language_model``), with ``PATH.json`` beside it (the characters, the special
    tokens, the state's names); checked against rnnlab on a prompt and on one more step fed the state back."""
    model, vocab = trained.model, Vocabulary.from_json(trained.meta["vocab"])
    path = save(language_model(model), path)
    words = trained.meta["corpus"]["kind"] == "words"
    texts = (["the", "cat"], ["and", "a"]) if unit_of(trained) == "word" else ("the", "and")
    prompt = torch.tensor([([vocab.bos_id] if words else []) + vocab.encode(w) for w in texts])  # (2, T)
    model.eval()
    logits, state = model(prompt, None)
    got = run_onnx(path, {"tokens": prompt, **zero_state(path, 2)})
    names = [n for n in got if n != "logits"]
    check(path, got["logits"], logits, 1e-4)
    step = prompt[:, -1:]
    after, _ = model(step, state)
    check(path, run_onnx(path, {"tokens": step, **{f"{n}_in": got[n] for n in names}})["logits"], after, 1e-4)
    path.with_suffix(".json").write_text(json.dumps({
        "app": trained.app.name, "kind": trained.meta["corpus"]["kind"], "unit": unit_of(trained),
        "tokens": vocab.tokens,
        "bos_id": vocab.index.get(BOS), "eos_id": vocab.index.get("<eos>"), "state": names,
        "inputs": {"tokens": "(B, T) int64", **{f"{n}_in": "(B, H) float32; zeros to start" for n in names}},
        "outputs": {"logits": "(B, T, V): the next token after each (its softmax; log-probabilities already "
                              "with an adaptive softmax)", **{n: "(B, H) the state after" for n in names}}},
        indent=1), encoding="utf-8")
    return f"{path}: checked against rnnlab on a prompt and one step more; {path.with_suffix('.json')} holds the " \
           f"tokens and the state's names"


@dataclass(frozen=True)
class SampleOptions(Config):
    n: int = option(20, "how many samples")
    temperature: float = option(0.8, "")
    top_k: int = option(0, "0: all tokens")
    top_p: float = option(1.0, "nucleus sampling")
    prefix: str = option("", "the start of every sample")
    max_len: int | None = option(None, "character-level models: most characters a sample",
                                 none="30 for words, 400 for text")
    words: int | None = option(None, "word-level models: words sampled after the prefix", none="50")
    seed: int = option(0, "")

    def __post_init__(self) -> None:
        self.check_at_least(("n",))
        self.check_at_least(tuple(f for f in ("max_len", "words") if getattr(self, f) is not None))


def unit_of(trained: Trained) -> str:
    return trained.meta["corpus"].get("unit", "char")


def run_sample(trained: Trained, o: SampleOptions) -> str:
    word = unit_of(trained) == "word"
    if (o.words if not word else o.max_len) is not None:
        raise ValueError(f"this model reads {'words' if word else 'characters'}: give "
                         f"{'--words' if word else '--max-len'} for a sample's length")
    return "\n".join(generate(trained.model, Vocabulary.from_json(trained.meta["vocab"]),
                              trained.meta["corpus"]["kind"], o.n, o.temperature, o.top_k, o.top_p, o.prefix,
                              o.words if word else o.max_len, o.seed, unit_of(trained),
                              trained.config.reverse))


@dataclass(frozen=True)
class EvalOptions(Config):
    data: str | None = option(None, "score this file (or corpus folder, all of it)", none="the run's own test split")


def evaluate(trained: Trained, data: str | None = None) -> dict[str, float]:
    """Test metrics of a trained model: on its own test split, or on all of a user file."""
    if data is None:
        return trained.test()
    model, vocab = trained.model, Vocabulary.from_json(trained.meta["vocab"])
    if unit_of(trained) == "word":
        _, parts = split_parts(data, 0, 0, 0)
        ids = torch.tensor(vocab.encode(t for split in ("train", "validation", "test") for doc in
                                        word_tokens(parts[split]) for t in doc), dtype=torch.long)
        if ids.numel() < 2:
            raise DataError(data, "needs at least two words to score")
        if trained.config.reverse:
            ids = ids.flip(0)
        return evaluate_stream(model, ids, unit="word", unk_id=vocab.index[UNK])
    if trained.meta["corpus"]["kind"] == "words":
        words = [line for _, line in read_lines(data)]
        return evaluate_words(model, [[vocab.bos_id] + vocab.encode(w) + [vocab.eos_id] for w in words],
                              vocab.pad_id)
    text = read_text(data)
    if len(text) < 2:
        raise DataError(data, "needs at least two characters to score")
    if trained.config.reverse:
        text = text[::-1]
    return evaluate_stream(model, torch.tensor(vocab.encode(text), dtype=torch.long))


VERBS = (Verb("sample", "generate words or text from a trained model", run_sample, SampleOptions),
         Verb("eval", "cross-entropy, perplexity (bits per character, share of <unk> words) of a trained model",
              lambda trained, o: _table(o.data or "test", evaluate(trained, o.data)), EvalOptions))
LAB = {"sample": lab_sample,
       "inspect": lambda trained, p: inspect(trained, str(p.get("text", "")), str(p.get("signal", "h")),
                                             int(p.get("unit", 0)))}

PARTS = dict(prepare=prepare, build_model=build_model, task=task, report=report, show=show, verbs=VERBS, lab=LAB,
             export=export_onnx)  # one implementation under two names
APP = App(name="lm", help="language model over words or characters (AWD-LSTM regularisers, adaptive softmax)",
          description="Train a word- or character-level RNN language model on a text file, a corpus folder "
                      "(train.txt/valid.txt/test.txt) or a folder of documents; sample from it, evaluate it.",
          config=LMConfig, **PARTS)
CHARLM = App(name="charlm", help="character language model: English word generation",
             description="Train a character-level RNN language model, sample from it, evaluate it "
                         "(rnnlab lm with the character level's defaults).", config=CharLMConfig, **PARTS)
