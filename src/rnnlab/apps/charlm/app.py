"""The character language model, declared for the runner: corpus, model, loss, samples, verbs.

The chapter's pipeline (corpus with train/test, design, loss, optimiser,
train, test) is ``rnnlab.training.runner.train`` over this declaration;
``generate`` samples words or text from a trained model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import torch

from rnnlab.apps.charlm.data import FORMATS, Corpus, load_corpus
from rnnlab.apps.charlm.tasks import StreamTask, WordTask, evaluate_stream, evaluate_words
from rnnlab.data import DataError, Vocabulary, read_lines, read_text
from rnnlab.data.vocab import BOS, PAD, UNK
from rnnlab.decoding import sample
from rnnlab.export import check, run_onnx, save, zero_state
from rnnlab.export.onnx_graph import language_model
from rnnlab.models import CELL_KINDS, LanguageModel
from rnnlab.training import TrainConfig
from rnnlab.training.options import Config, encoding_option, engine_option, option, out_option
from rnnlab.training.diagnostics import trace
from rnnlab.training.runner import App, Prepared, Trained, Verb
from rnnlab.training.tbptt import TBPTT
from rnnlab.viz import format_table


@dataclass(frozen=True)
class CharLMConfig(Config):
    """Everything a character-LM run needs, saved in its checkpoints; each field is a ``--flag`` of ``train``."""

    data: str | None = option(None, "a word list (one word a line) or a plain-text file", group="data",
                              none="the embedded English word list")
    format: str = option("auto", "how to read --data; auto: a word list when nearly every line is one word",
                         choices=FORMATS, group="data")
    words: int = option(20000, "size of the embedded word list", group="data")
    validation: float | int = option(0.05, "held-out validation words (count or fraction) or text share before "
                                           "the test text; 0: the test split also selects the model", group="data")
    test: float | int = option(0.05, "held-out test words or trailing text share", group="data")
    split_seed: int = option(0, "seed of the word-list split", group="data")
    cell: str = option("lstm", "recurrent cell", choices=CELL_KINDS, group="model")
    layers: int = option(1, "stacked layers", group="model")
    hidden_size: int = option(256, "hidden units a layer", group="model")
    embedding_dim: int = option(32, "learned embedding size; 0: one-hot input", group="model")
    dropout: float = option(0.1, "", group="model")
    tie_weights: bool = option(False, "share the embedding with the output layer", group="model")
    engine: str = engine_option()
    batch_size: int = option(64, "", group="model")
    bptt: int = option(100, "text: k1, steps between truncated-BPTT updates", group="model")
    bptt_k2: int | None = option(None, "text: k2, steps backpropagated", none="k1", group="model")
    samples: int = option(20, "samples to print after training", group="output")
    temperature: float = option(0.8, "sampling temperature", group="output")
    top_k: int = option(0, "sample from the k most likely characters; 0: all", group="output")
    encoding: str = encoding_option()
    out: str | None = out_option("charlm")
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=8, lr=3e-3, schedule="cosine"))

    def __post_init__(self) -> None:
        self.check_choices()
        self.check_split_sizes()
        self.check_at_least(("layers", "hidden_size", "batch_size", "bptt", "words"))
        self.check_at_least(("samples",), 0)


def prepare(config: CharLMConfig, meta: dict | None) -> Prepared:
    corpus = load_corpus(config.data, config.format, config.words, config.validation, config.test,
                         config.split_seed)
    if meta is not None:
        corpus.vocab = Vocabulary.from_json(meta["vocab"])
    return Prepared(corpus, {"vocab": corpus.vocab.to_json(), "corpus": {"kind": corpus.kind}}, corpus.source)


def build_model(config: CharLMConfig, meta: dict) -> LanguageModel:
    vocab = Vocabulary.from_json(meta["vocab"])
    return LanguageModel(len(vocab), config.embedding_dim, config.cell, config.hidden_size, config.layers,
                         config.dropout, config.tie_weights, padding_idx=vocab.pad_id, engine=config.engine)


def task(config: CharLMConfig, prepared: Prepared):
    corpus = prepared.data
    if corpus.kind == "words":
        return WordTask(corpus, config.batch_size, config.train.seed)
    return StreamTask(corpus, config.batch_size, TBPTT(config.bptt, config.bptt_k2))


def novelty_of(words: list[str], corpus: Corpus) -> dict[str, float]:
    """The share of generated words that are new (not trained on) and that are real held-out words."""
    n = max(1, len(words))
    return {"new": sum(w not in corpus.train_set for w in words) / n,
            "real_held_out": sum(w in corpus.held_out_set for w in words) / n}


def report(model: LanguageModel, config: CharLMConfig, prepared: Prepared, run_dir: Path) -> dict:
    """Samples from the best weights (``samples.txt``) and, for a word list, how many are new."""
    corpus = prepared.data
    samples = generate(model, corpus.vocab, corpus.kind, config.samples, config.temperature, config.top_k,
                       seed=config.train.seed) if config.samples else []
    (run_dir / "samples.txt").write_text("".join(s + "\n" for s in samples), encoding="utf-8")
    return {"samples": samples, "novelty": novelty_of(samples, corpus) if corpus.kind == "words" and samples else {},
            "corpus": {"kind": corpus.kind, "source": corpus.source}}


def _table(split: str, metrics: dict) -> str:
    return format_table([{"split": split, "nats/char": metrics["loss"], "bits/char": metrics["bits_per_char"],
                          "perplexity": metrics["perplexity"]}])


def show(summary: dict) -> str:
    lines = [_table("test", summary["test"])]
    if summary["samples"]:
        lines += ["", "samples:", *summary["samples"]]
    if summary["novelty"]:
        lines += ["", f"new (not in the training words): {summary['novelty']['new']:.0%}; "
                      f"real words held out from training: {summary['novelty']['real_held_out']:.0%}"]
    return "\n".join(lines)


SAMPLE_BATCH = 4096  # samples drawn side by side


@torch.no_grad()
def generate(model: LanguageModel, vocab: Vocabulary, kind: str, n: int, temperature: float = 0.8,
             top_k: int = 0, top_p: float = 1.0, prefix: str = "", max_len: int | None = None,
             seed: int = 0) -> list[str]:
    """``n`` samples: words (each ``prefix`` + sampled letters up to ``<eos>``) or text passages."""
    model.eval()
    unknown = sorted({c for c in prefix if c not in vocab})
    if unknown:
        raise ValueError(f"the prefix holds characters the model never saw: {''.join(unknown)!r}")
    device = next(model.parameters()).device
    if kind == "words":
        start = [vocab.bos_id] + vocab.encode(prefix)
        max_len = max_len or 30
    else:
        start = vocab.encode(prefix or "\n")
        max_len = max_len or 400
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
        out += [prefix + "".join(vocab.decode(ids)) for ids in new]
    return out


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
    if not text:
        raise ValueError("the text is empty; expected characters to read")
    unknown = sorted({c for c in text if c not in vocab})
    if unknown:
        raise ValueError(f"the text holds characters the model never saw: {''.join(unknown)!r}")
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
    prompt = torch.tensor([([vocab.bos_id] if words else []) + vocab.encode(w) for w in ("the", "and")])  # (2, T)
    model.eval()
    logits, state = model(prompt, None)
    got = run_onnx(path, {"tokens": prompt, **zero_state(path, 2)})
    names = [n for n in got if n != "logits"]
    check(path, got["logits"], logits, 1e-4)
    step = prompt[:, -1:]
    after, _ = model(step, state)
    check(path, run_onnx(path, {"tokens": step, **{f"{n}_in": got[n] for n in names}})["logits"], after, 1e-4)
    path.with_suffix(".json").write_text(json.dumps({
        "app": "charlm", "kind": trained.meta["corpus"]["kind"], "tokens": vocab.tokens,
        "bos_id": vocab.index.get(BOS), "eos_id": vocab.index.get("<eos>"), "state": names,
        "inputs": {"tokens": "(B, T) int64", **{f"{n}_in": "(B, H) float32; zeros to start" for n in names}},
        "outputs": {"logits": "(B, T, V): the next token after each", **{n: "(B, H) the state after" for n in names}}},
        indent=1), encoding="utf-8")
    return f"{path}: checked against rnnlab on a prompt and one step more; {path.with_suffix('.json')} holds the " \
           f"characters and the state's names"


@dataclass(frozen=True)
class SampleOptions(Config):
    n: int = option(20, "how many samples")
    temperature: float = option(0.8, "")
    top_k: int = option(0, "0: all characters")
    top_p: float = option(1.0, "nucleus sampling")
    prefix: str = option("", "the start of every sample")
    max_len: int | None = option(None, "most characters a sample", none="30 for words, 400 for text")
    seed: int = option(0, "")

    def __post_init__(self) -> None:
        self.check_at_least(("n",))


def run_sample(trained: Trained, o: SampleOptions) -> str:
    return "\n".join(generate(trained.model, Vocabulary.from_json(trained.meta["vocab"]),
                              trained.meta["corpus"]["kind"], o.n, o.temperature, o.top_k, o.top_p, o.prefix,
                              o.max_len, o.seed))


@dataclass(frozen=True)
class EvalOptions(Config):
    data: str | None = option(None, "score this file", none="the run's own test split")


def evaluate(trained: Trained, data: str | None = None) -> dict[str, float]:
    """Test metrics of a trained model: on its own test split, or on all of a user file."""
    if data is None:
        return trained.test()
    model, vocab = trained.model, Vocabulary.from_json(trained.meta["vocab"])
    if trained.meta["corpus"]["kind"] == "words":
        words = [line for _, line in read_lines(data)]
        return evaluate_words(model, [[vocab.bos_id] + vocab.encode(w) + [vocab.eos_id] for w in words],
                              vocab.pad_id)
    text = read_text(data)
    if len(text) < 2:
        raise DataError(data, "needs at least two characters to score")
    return evaluate_stream(model, torch.tensor(vocab.encode(text), dtype=torch.long))


APP = App(
    name="charlm", help="character language model: English word generation",
    description="Train a character-level RNN language model, sample from it, evaluate it.",
    config=CharLMConfig, prepare=prepare, build_model=build_model, task=task, report=report, show=show,
    verbs=(Verb("sample", "generate words or text from a trained model", run_sample, SampleOptions),
           Verb("eval", "cross-entropy, bits per character and perplexity of a trained model",
                lambda trained, o: _table(o.data or "test", evaluate(trained, o.data)), EvalOptions)),
    lab={"sample": lab_sample,
         "inspect": lambda trained, p: inspect(trained, str(p.get("text", "")), str(p.get("signal", "h")),
                                               int(p.get("unit", 0)))},
    export=export_onnx)
