"""Machine translation, declared for the runner: parallel text, an encoder-decoder with or without attention, BLEU.

Training selects the epoch by validation BLEU and tests it (BLEU against
every held-out translation of each source, and perplexity); ``translate``
works from a trained run.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import torch

from rnnlab.apps.translate.data import FORMATS, Group, ParallelCorpus, load_parallel
from rnnlab.apps.translate.generated import PAIRS
from rnnlab.apps.translate.tasks import TranslationTask, translate_ids
from rnnlab.data import Vocabulary, pad_batch
from rnnlab.data.text import tokenize
from rnnlab.data.vocab import BOS, EOS, PAD, UNK
from rnnlab.decoding import Hypothesis
from rnnlab.export import check, run_onnx, save
from rnnlab.export.onnx_graph import decoder_step, encoder
from rnnlab.models import ATTENTIONS, CELL_KINDS, Seq2Seq, embedding_size
from rnnlab.training import TrainConfig
from rnnlab.training.bleu import corpus_bleu
from rnnlab.training.options import (Config, DecodeOptions, embedding_option, encoding_option, engine_option,
                                     init_from_option, option, out_option)
from rnnlab.training.pretrained import check_pretraining, read_models, start_from, with_pretrained_words
from rnnlab.training.runner import App, Prepared, Trained, Verb, evaluate, metrics_table
from rnnlab.viz import plot_attention


EMBEDDING_DIM = 64  # without --embedding-dim or --init-from


@dataclass(frozen=True)
class TranslateConfig(Config):
    """Everything a translation run needs, saved in its checkpoints; each field is a ``--flag`` of ``train``."""

    data: str | None = option(None, "sentence pairs 'source<TAB>target' a line (Tatoeba/manythings), or with "
                                    "--target-data the source side of two aligned files", none="generated pairs",
                              group="data")
    target_data: str | None = option(None, "the translations, aligned line by line with --data", group="data")
    validation_data: str | None = option(None, "pairs to validate on, as --data is read (instead of a share "
                                               "of --data; kept whole, however long)", group="data")
    validation_target_data: str | None = option(None, "the translations of --validation-data (aligned files)",
                                                group="data")
    test_data: str | None = option(None, "pairs to test on, as --data is read (instead of a share of --data; "
                                         "kept whole, however long)", group="data")
    test_target_data: str | None = option(None, "the translations of --test-data (aligned files)", group="data")
    format: str = option("auto", "", choices=FORMATS, group="data")
    reverse: bool = option(False, "tsv: translate the second column into the first", group="data")
    skip_bad_rows: bool = option(False, "count and skip bad lines instead of stopping", group="data")
    max_words: int = option(10, "leave out longer pairs", group="data")
    validation: float | int = option(0.05, "source sentences held out to validate", group="data")
    test: float | int = option(0.1, "source sentences held out to test", group="data")
    split_seed: int = option(0, "also seeds the generated pairs", group="data")
    generated: str = option("en-fr", "the generated pairs' languages", choices=PAIRS, group="data")
    generated_train: int = option(12000, "", group="data")
    generated_validation: int = option(300, "", group="data")
    generated_test: int = option(1000, "", group="data")
    min_freq: int = option(1, "rarer words become <unk>", group="data")
    max_vocab: int | None = option(None, "keep at most this many words a language", none="all", group="data")
    embedding_dim: int | None = embedding_option(EMBEDDING_DIM, "word vectors (source and target)", one_hot=False,
                                                 sources="--init-from")
    encoder_cell: str = option("gru", "", choices=CELL_KINDS, group="model")
    decoder_cell: str = option("gru", "", choices=CELL_KINDS, group="model")
    hidden_size: int = option(128, "units a direction", group="model")
    layers: int = option(1, "", group="model")
    bidirectional: bool = option(True, "an encoder that reads left to right only", flag="--unidirectional",
                                 group="model")
    dropout: float = option(0.1, "", group="model")
    attention: str = option("additive", "additive (Bahdanau), multiplicative (Luong), dot, or none: the context "
                                        "is the encoder's final state", choices=ATTENTIONS + ("none",), group="model")
    teacher_forcing: float = option(1.0, "share of steps fed the true previous word", group="model")
    engine: str = engine_option()
    init_from: str | None = init_from_option()
    init_from_backward: str | None = init_from_option(backward=True)
    batch_size: int = option(64, "", group="model")
    beam: int = option(1, "beam width for testing; 1: greedy", group="model")
    alpha: float = option(0.0, "length penalty ((5 + |Y|) / 6) ** alpha; 0: none", group="model")
    encoding: str = encoding_option()
    out: str | None = out_option("translate")
    train: TrainConfig = field(default_factory=lambda: TrainConfig(
        epochs=12, lr=3e-3, schedule="cosine", monitor="bleu", monitor_mode="max"))

    def __post_init__(self) -> None:
        self.check_choices()
        self.check_split_sizes()
        self.check_at_least(("layers", "hidden_size", "batch_size", "min_freq", "max_words", "beam"))
        if self.embedding_dim is not None:
            self.check_at_least(("embedding_dim",))
        check_pretraining(self.init_from, self.init_from_backward, None, False)
        self.check_fractions(("dropout",))
        if not 0.0 <= self.teacher_forcing <= 1.0:
            raise ValueError(f"teacher forcing must be in [0, 1]; received {self.teacher_forcing}")


def vocabularies(meta: dict) -> tuple[Vocabulary, Vocabulary]:
    return Vocabulary.from_json(meta["source_vocab"]), Vocabulary.from_json(meta["target_vocab"])


def encode(corpus: ParallelCorpus, source_vocab: Vocabulary, target_vocab: Vocabulary) -> dict:
    def pairs(groups: list[Group]):
        return [(source_vocab.encode(g.source), target_vocab.encode(t)) for g in groups for t in g.targets]

    data = {"train": pairs(corpus.train)}
    for split in ("validation", "test"):
        groups = getattr(corpus, split)
        data[f"{split}_pairs"] = pairs(groups)
        data[f"{split}_groups"] = ([source_vocab.encode(g.source) for g in groups],
                                   [[" ".join(t) for t in g.targets] for g in groups])
    return data


def prepare(config: TranslateConfig, meta: dict | None) -> Prepared:
    """The vocabularies; with ``--init-from``, the source side's embedding and encoder start from language
    models of the source language (``rnnlab.training.pretrained``), the decoder fresh."""
    corpus = load_parallel(config)
    fresh = meta is None
    if fresh:
        sources = (g.source for g in corpus.train for _ in g.targets)  # a source counts once per translation
        targets = (t for g in corpus.train for t in g.targets)
        source_vocab = Vocabulary.build(sources, (PAD, UNK), config.min_freq, config.max_vocab)
        training_words = len(source_vocab)
        if config.init_from is not None:
            models = read_models(config.init_from, config.init_from_backward, config.encoder_cell, config.hidden_size,
                                 config.layers, config.bidirectional, cell_flag="--encoder-cell")
            source_vocab = Vocabulary(with_pretrained_words(source_vocab.tokens, models))
        meta = {"source_vocab": source_vocab.to_json(),
                "target_vocab": Vocabulary.build(targets, (PAD, BOS, EOS, UNK), config.min_freq,
                                                 config.max_vocab).to_json(),
                "embedding_dim": EMBEDDING_DIM if config.embedding_dim is None else config.embedding_dim}
    source_vocab, target_vocab = vocabularies(meta)
    prepared = Prepared({"corpus": corpus, "encoded": encode(corpus, source_vocab, target_vocab),
                         "vocabs": (source_vocab, target_vocab)}, meta, corpus.source, corpus.skipped)
    if config.init_from is not None and fresh:
        embedding, load, init = start_from(models, source_vocab.tokens, source_vocab.pad_id, config.train.seed,
                                           training_words)
        prepared.started_from = init.describe()
        meta["embedding_dim"] = embedding_size(config.embedding_dim, embedding.embedding_dim, "--init-from")
        prepared.initialize = lambda model: (setattr(model, "source_embed", embedding), load(model.encoder))
    return prepared


def build_model(config: TranslateConfig, meta: dict) -> Seq2Seq:
    source_vocab, target_vocab = vocabularies(meta)
    embedding_dim = int(meta.get("embedding_dim", config.embedding_dim or EMBEDDING_DIM))
    return Seq2Seq(len(source_vocab), len(target_vocab), embedding_dim, config.encoder_cell,
                   config.decoder_cell, config.hidden_size, config.layers, config.bidirectional, config.dropout,
                   None if config.attention == "none" else config.attention, source_vocab.pad_id,
                   target_vocab.pad_id, config.engine)


def task(config: TranslateConfig, prepared: Prepared) -> TranslationTask:
    return TranslationTask(prepared.data["encoded"], *prepared.data["vocabs"], config.batch_size, config.train.seed,
                           config.teacher_forcing, config.beam, config.alpha)


def baselines(corpus: ParallelCorpus) -> dict[str, float]:
    """Test BLEU of copying the source, and of answering every source with the most common training translation."""
    references = [[" ".join(t) for t in g.targets] for g in corpus.test]
    constant = Counter(" ".join(t) for g in corpus.train for t in g.targets).most_common(1)[0][0]
    return {"bleu_copy_source": corpus_bleu([" ".join(g.source) for g in corpus.test], references),
            "bleu_constant_output": corpus_bleu([constant] * len(corpus.test), references)}


def accuracy_by_kind(corpus: ParallelCorpus, outputs: list[str]) -> dict[str, dict[str, dict]]:
    """Test exact match of the generated pairs, by magnitude (or date) and by spelling: {"by magnitude":
    {"0-9": {"accuracy": 0.99, "sentences": 10}, ...}, "by spelling": {...}}; ``outputs`` answer ``corpus.test``."""
    tallies: dict[str, dict[str, list[int]]] = {"by magnitude": {}, "by spelling": {}}
    for group, output in zip(corpus.test, outputs):
        right = int(tuple(output.split()) in group.targets)
        for table, key in zip(tallies.values(), corpus.kinds[group.source]):
            table.setdefault(key, [0, 0])
            table[key][0] += right
            table[key][1] += 1
    return {name: {key: {"accuracy": right / n, "sentences": n} for key, (right, n) in table.items()}
            for name, table in tallies.items()}


def report(model: Seq2Seq, config: TranslateConfig, prepared: Prepared, run_dir: Path) -> dict:
    """Ten test sentences with the model's translation and a reference; for the generated pairs, the test
    split's exact match by magnitude and by spelling."""
    source_vocab, target_vocab = prepared.data["vocabs"]
    corpus = prepared.data["corpus"]
    groups = corpus.test if corpus.kinds else corpus.test[:10]
    found = translate_ids(model, [source_vocab.encode(g.source) for g in groups], source_vocab, target_vocab,
                          config.beam, config.alpha)
    outputs = [" ".join(target_vocab.decode(h[0].tokens)) for h in found]
    summary = {"examples": [{"source": " ".join(g.source), "output": output,
                             "references": [" ".join(t) for t in g.targets]}
                            for g, output in zip(groups[:10], outputs)]}
    if corpus.kinds:
        summary["held_out"] = accuracy_by_kind(corpus, outputs)
    return summary


def show(summary: dict) -> str:
    tables = [f"{name}:\n" + "\n".join(f"  {key:<28} {row['accuracy']:7.1%}  ({row['sentences']} sentences)"
                                        for key, row in sorted(table.items()))
              for name, table in summary.get("held_out", {}).items()]
    return "test:\n" + metrics_table(summary["test"]) + "\n\n" + "".join(t + "\n\n" for t in tables) + "\n".join(
        f"{e['source']}\n  -> {e['output']}\n     (reference: {e['references'][0]})" for e in summary["examples"])


@dataclass
class Translation:
    source: list[str]  # the source tokens as the model saw them (unknown words as <unk>)
    outputs: list[str]  # the n best translations, best first
    scores: list[float]
    attention: object | None  # the best one's (output words, source words) weights


def translate(trained: Trained, texts: list[str], beam: int = 1, alpha: float = 0.0, n_best: int = 1,
              max_len: int | None = None) -> list[Translation]:
    """Translate raw sentences; words the model never saw become ``<unk>``."""
    for k, text in enumerate(texts):
        if not text.strip():
            raise ValueError(f"text {k + 1} is empty; expected a sentence to translate")
    if n_best > beam:
        raise ValueError(f"n-best ({n_best}) cannot exceed the beam ({beam})")
    vocab, target_vocab = vocabularies(trained.meta)
    tokens = [tokenize(t) for t in texts]
    vocab.warn_unknown(tokens)
    encoded = [vocab.encode(t) for t in tokens]
    found: list[list[Hypothesis]] = translate_ids(trained.model, encoded, vocab, target_vocab, beam, alpha, max_len,
                                                  n_best)
    return [Translation(vocab.decode(ids), [" ".join(target_vocab.decode(h.tokens)) for h in hyps],
                        [h.score for h in hyps], hyps[0].attention) for ids, hyps in zip(encoded, found)]


def attention_plot(translation: Translation, path: str | Path) -> Path:
    """Draw the best translation's attention over its source words."""
    if translation.attention is None:
        raise ValueError("this model has no attention to draw (it was trained with --attention none), "
                         "or the translation is empty")
    return plot_attention(translation.attention.numpy(), translation.source, translation.outputs[0].split(), path)


def lab_translate(trained: Trained, params: dict) -> dict:
    """One sentence for ``rnnlab lab``: the n best with their scores and the best one's attention."""
    beam = int(params.get("beam", 5))
    found = translate(trained, [str(params.get("text", ""))], beam, float(params.get("alpha", 0.0)),
                      min(beam, int(params.get("n_best", beam))))[0]
    return {"source": found.source, "outputs": found.outputs, "scores": [round(s, 4) for s in found.scores],
            "attention": None if found.attention is None else [[round(float(w), 4) for w in row]
                                                               for row in found.attention]}


EXAMPLES = ("twenty-one", "the third of march", "a hundred and five")


@torch.no_grad()
def export_onnx(trained: Trained, path: Path) -> str:
    """The encoder and one decoder step as two ONNX files (``STEM.encoder.onnx``, ``STEM.decoder.onnx``; see
    ``rnnlab.export.onnx_graph.encoder`` and ``decoder_step``), with ``STEM.json`` (both vocabularies, the special
    tokens, the state's names); checked against rnnlab for three greedy steps on the example sentences."""
    path = Path(path)
    stem = path.with_suffix("") if path.suffix == ".onnx" else path
    model, (vocab, target_vocab) = trained.model, vocabularies(trained.meta)
    encoder_path = save(encoder(model), stem.with_name(stem.name + ".encoder.onnx"))
    decoder_path = save(decoder_step(model.decoder, model.encoder.output_size), stem.with_name(stem.name + ".decoder.onnx"))
    model.eval()
    source, lengths = pad_batch([vocab.encode(tokenize(t)) for t in EXAMPLES], vocab.pad_id)
    memory = model.encode(source, lengths)
    state = model.initial_state(memory)
    found = run_onnx(encoder_path, {"source": source, "lengths": lengths})
    check(encoder_path, found["keys"], memory.keys, 1e-5)
    names = [n for n in found if n[:2] in ("h_", "c_")]
    ours = {"keys": found["keys"], "mask": found["mask"], "summary": found["summary"], "prepared": found["prepared"],
            **{f"{n}_in": found[n] for n in names}}
    step = model.step_function(memory)
    token = torch.full((len(EXAMPLES),), target_vocab.bos_id)
    for _ in range(3):  # greedy, both fed the same token
        log_probs, state, alpha = step(token, state)
        got = run_onnx(decoder_path, {"token": token, **ours})
        check(decoder_path, got["log_probs"], log_probs, 1e-4)
        if alpha is not None:
            check(decoder_path, got["alpha"], alpha, 1e-4)
        ours.update({f"{n}_in": got[n] for n in names})
        token = log_probs.argmax(-1)
    side = stem.with_name(stem.name + ".json")
    side.write_text(json.dumps({
        "app": "translate", "source_tokens": vocab.tokens, "target_tokens": target_vocab.tokens,
        "source_pad_id": vocab.pad_id, "bos_id": target_vocab.bos_id, "eos_id": target_vocab.eos_id,
        "state": names, "encoder": encoder_path.name, "decoder": decoder_path.name,
        "tokenize": "lower-cased word and punctuation tokens (rnnlab.data.text.tokenize); unknown words: <unk>",
        "decode": "run the encoder once; feed the decoder <bos>, its state from the encoder (h_l0 -> h_l0_in, "
                  "...) and keys, mask, summary, prepared; then its own state and the token chosen, until <eos>"},
        indent=1), encoding="utf-8")
    return f"{encoder_path} and {decoder_path}: checked against rnnlab for 3 greedy steps on {len(EXAMPLES)} " \
           f"sentences; {side} holds the vocabularies and how to decode"


@dataclass(frozen=True)
class TranslateOptions(Config):
    texts: tuple[str, ...] = option((), "a sentence in the source language", positional=True, metavar="TEXT")
    beam: int | None = option(None, "beam width; 1: greedy", none="--n-best")
    alpha: float = option(0.0, "length penalty ((5 + |Y|) / 6) ** alpha; 0: none")
    n_best: int = option(1, "print this many translations each")
    plot_attention: str | None = option(None, "draw the first sentence's attention", metavar="FILE.png")

    def __post_init__(self) -> None:
        self.check_at_least(("n_best",) + (("beam",) if self.beam is not None else ()))


def run_translate(trained: Trained, o: TranslateOptions) -> str:
    found = translate(trained, list(o.texts), o.beam or max(1, o.n_best), o.alpha, o.n_best)
    lines = []
    for text, translation in zip(o.texts, found):
        if o.n_best == 1:
            lines.append(translation.outputs[0])
        else:
            lines += [text] + [f"  {score:.3f}\t{output}" for output, score in zip(translation.outputs,
                                                                                 translation.scores)]
    if o.plot_attention:
        lines.append(f"attention: {attention_plot(found[0], o.plot_attention)}")
    return "\n".join(lines)


APP = App(
    name="translate", help="machine translation: an encoder-decoder with or without attention",
    description="Train an RNN encoder-decoder on sentence pairs, score it with BLEU, translate new sentences.",
    config=TranslateConfig, prepare=prepare, build_model=build_model, task=task, report=report, show=show,
    baselines=lambda prepared: baselines(prepared.data["corpus"]),
    verbs=(Verb("eval", "BLEU, exact match and perplexity on the run's test split, baselines beside", evaluate,
                DecodeOptions),
           Verb("translate", "translate each TEXT", run_translate, TranslateOptions)),
    lab={"translate": lab_translate},
    export=export_onnx)
