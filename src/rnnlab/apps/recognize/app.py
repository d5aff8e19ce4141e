"""Speech and handwriting recognition with CTC, declared for the runner: a convolutional front-end, a
bidirectional RNN and connectionist temporal classification.

Training selects the epoch by validation character error rate, tests it and
draws test inputs with their transcripts (``test-sheet.png``); ``transcribe``
reads new recordings or line images, ``eval`` scores the test split or a
folder with prefix beam search when ``--beam`` is above 1.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch
from PIL import Image, ImageDraw, ImageFont

from rnnlab.apps.recognize.data import FORMATS, Recognition, load_recognition, read_input
from rnnlab.apps.recognize.generated import HELD_OUT_FONT, font_size_lines
from rnnlab.apps.recognize.tasks import Alphabet, RecognizeTask, pad_inputs, transcribe
from rnnlab.data import DataError
from rnnlab.data.transcribed import ink_image
from rnnlab.decoding.ctc import best_path, collapse
from rnnlab.export import ExportError, check, run_onnx, save
from rnnlab.export.onnx_graph import recognizer
from rnnlab.models import CELL_KINDS, ConvFrontEnd, Recognizer, make_stack
from rnnlab.training import TrainConfig
from rnnlab.training.error_rates import error_rates
from rnnlab.training.tasks import device_of
from rnnlab.training.options import Config, encoding_option, engine_option, option, out_option
from rnnlab.training.runner import App, Prepared, Trained, Verb, metrics_table
from rnnlab.viz import plot_strips
from rnnlab.viz.pictures import data_url


@dataclass(frozen=True)
class RecognizeConfig(Config):
    """Everything a recognition run needs, saved in its checkpoints; each field is a ``--flag`` of ``train``."""

    data: str | None = option(None, "FSDD (recordings/{digit}_{speaker}_{index}.wav), MNIST's IDX files, or a "
                                    "folder of recordings or line images with transcripts.tsv "
                                    "('name<TAB>text' a line) or LibriSpeech's *.trans.txt",
                              none="generated text-line images", group="data")
    format: str = option("auto", "auto: what the folder holds", choices=FORMATS, group="data")
    validation_data: str | None = option(None, "a folder to validate on instead of a share of --data",
                                         group="data")
    test_data: str | None = option(None, "a folder to test on instead of a share of --data (or of the composed "
                                         "sequences)", group="data")
    held_out_speaker: str | None = option(None, "FSDD: test on every recording of this speaker instead of the "
                                                "recordings numbered 0-4", metavar="NAME", group="data")
    perturb: float = option(0.0, "FSDD: play each training recording up to this much faster or slower (0.1: "
                                 "0.9-1.1x), moving its pitch and formants like another speaker's", group="data")
    skip_bad_rows: bool = option(False, "count and skip bad lines and files instead of stopping", group="data")
    validation: float | int = option(0.1, "share of the training recordings, images or files validated on",
                                     group="data")
    test: float | int = option(0.1, "share of a folder's files tested on", group="data")
    split_seed: int = option(0, "also seeds the generated and composed sequences", group="data")
    sequences: tuple[int, int, int] = option((6000, 300, 1000), "training, validation and test sequences made: "
                                             "text lines, FSDD utterances or MNIST strings", group="data")
    digits: tuple[int, int] | None = option(None, "shortest and longest composed digit sequence",
                                            none="3-7 spoken, 4-8 written", group="data")
    sample_rate: int | None = option(None, "Hz every recording is brought to", none="the data's own",
                                     group="data")
    n_mels: int = option(40, "mel bands of the spectrogram", group="data")
    height: int = option(32, "rows line images are scaled to", group="data")
    augment: bool = option(True, "no SpecAugment (random masked bands and stretches of time on training "
                                 "spectrograms)", flag="--no-augment", group="data")
    warp: float = option(0.0, "SpecAugment also stretches or squeezes the mel bands by up to this share (0.1: "
                              "a tenth either way), as another speaker's vocal tract would", group="data")
    channels: tuple[int, ...] = option((16, 32, 64), "front-end widths, a conv block each; each halves the "
                                       "height", group="model")
    time_pools: int = option(2, "front-end blocks that also halve the time axis", group="model")
    frame_size: int = option(128, "the front-end's vector a step", group="model")
    encoder: str = option("lstm", "recurrent cell, or none: the front-end alone (no recurrence)",
                          choices=CELL_KINDS + ("none",), group="model")
    layers: int = option(2, "", group="model")
    hidden_size: int = option(128, "units a direction", group="model")
    bidirectional: bool = option(True, "left to right only (default: bidirectional)", flag="--causal",
                                 group="model")
    skip: bool = option(True, "the output reads the recurrent layers alone, not the front-end's vector beside them",
                        flag="--no-skip", group="model")
    dropout: float = option(0.2, "", group="model")
    engine: str = engine_option()
    batch_size: int = option(16, "sequences a batch", group="model")
    beam: int = option(1, "prefix beam search width for the validation and test scores; 1: best path",
                       group="model")
    sheet: int = option(8, "test inputs drawn in test-sheet.png; 0: none")
    encoding: str = encoding_option()
    out: str | None = out_option("recognize")
    train: TrainConfig = field(default_factory=lambda: TrainConfig(
        epochs=10, lr=2e-3, schedule="cosine", monitor="cer", monitor_mode="min", clip_threshold=5.0))

    def __post_init__(self) -> None:
        self.check_choices()
        self.check_split_sizes()
        self.check_at_least(("layers", "hidden_size", "frame_size", "batch_size", "n_mels", "height", "beam"))
        self.check_at_least(("sheet",), 0)
        self.check_fractions(("dropout", "perturb", "warp"))
        self.tuples("sequences", "digits", "channels")
        if len(self.sequences) != 3 or min(self.sequences) < 1:
            raise ValueError(f"sequences must be three positive counts (train, validation, test); received "
                             f"{self.sequences}")
        if self.digits is not None and not (len(self.digits) == 2 and 1 <= self.digits[0] <= self.digits[1]):
            raise ValueError(f"digits must be (shortest, longest) with 1 <= shortest <= longest; received "
                             f"{self.digits}")
        if self.sample_rate is not None and self.sample_rate < 1000:
            raise ValueError(f"sample rate must be at least 1000 Hz; received {self.sample_rate}")


def prepare(config: RecognizeConfig, meta: dict | None) -> Prepared:
    data = load_recognition(config, meta)
    if meta is None:
        meta = {"medium": data.medium, "rate": data.rate,
                "symbols": sorted({c for e in data.train for c in e.text})}
    symbols = set(meta["symbols"])
    for split in ("validation", "test"):
        for e in getattr(data, split):
            unknown = sorted(set(e.text) - symbols)
            if unknown:
                raise DataError(data.source, f"{e.name} in the {split} split is transcribed with "
                                             f"{''.join(unknown)!r}, which no training transcript holds")
    return Prepared(data, meta, data.source, data.skipped)


def build_model(config: RecognizeConfig, meta: dict) -> Recognizer:
    height = config.n_mels if meta["medium"] == "audio" else config.height
    front = ConvFrontEnd(height, config.channels, config.time_pools, config.frame_size)
    rnn = None if config.encoder == "none" else make_stack(config.encoder, config.frame_size, config.hidden_size,
                                                            config.layers, config.dropout, config.bidirectional,
                                                            engine=config.engine)
    return Recognizer(front, rnn, len(meta["symbols"]), config.dropout, config.skip)


def task(config: RecognizeConfig, prepared: Prepared) -> RecognizeTask:
    data: Recognition = prepared.data
    return RecognizeTask({"train": data.train, "validation": data.validation, "test": data.test},
                         Alphabet(prepared.meta["symbols"]), config.batch_size, config.train.seed,
                         augment=config.augment and data.medium == "audio", beam=config.beam, warp=config.warp)


def report(model: Recognizer, config: RecognizeConfig, prepared: Prepared, run_dir: Path) -> dict:
    """``test-sheet.png``: the first test inputs with their transcripts and, in grey, the truth; for the
    generated default, the test words' CER by font and size (``by_font_size``) and what the model reads of
    "hello world" drawn by Pillow (``hello_world``)."""
    data: Recognition = prepared.data
    alphabet = Alphabet(prepared.meta["symbols"])
    shown = data.test[:config.sheet]
    if shown:
        found = transcribe(model, [e.input for e in shown], alphabet, config.beam)
        plot_strips([e.input.numpy() for e in shown], [f[0][0] for f in found], [e.text for e in shown],
                    run_dir / "test-sheet.png", cmap="magma" if data.medium == "audio" else "gray")
    if config.data is not None:
        return {"medium": data.medium}
    return {"medium": data.medium, **fonts_and_sizes(model, alphabet, config)}


FONT_SIZE_LINES = 40  # test lines in each font at each size


def fonts_and_sizes(model: Recognizer, alphabet: Alphabet, config: RecognizeConfig) -> dict:
    """The generated test words' CER in each report font at each size (``generated.font_size_lines``; the
    held-out font never trained on), and the transcript of "hello world" drawn by Pillow in black on white
    at 10, 22 and 48 px on a larger page, read as any picture file is (``ink_image``)."""
    cells = font_size_lines(config.split_seed, FONT_SIZE_LINES, config.height)
    by_font_size: dict[str, dict[str, float]] = {}
    for (face, size), lines in cells.items():
        found = transcribe(model, [torch.from_numpy(image) for image, _ in lines], alphabet, config.beam)
        cer = error_rates([text for _, text in lines], [f[0][0] for f in found])["cer"]
        by_font_size.setdefault(face, {})[str(size)] = cer
    hello = {}
    for size in (10, 22, 48):
        page = Image.new("L", (12 * size, 3 * size), 255)
        ImageDraw.Draw(page).text((size, size), "hello world", font=ImageFont.load_default(size), fill=0)
        hello[str(size)] = transcribe(model, [torch.from_numpy(ink_image(page, config.height))], alphabet)[0][0][0]
    return {"by_font_size": by_font_size, "held_out_font": HELD_OUT_FONT, "hello_world": hello}


def show(summary: dict) -> str:
    text = "test:\n" + metrics_table(summary["test"])
    if "by_font_size" in summary:
        table = summary["by_font_size"]
        sizes = list(next(iter(table.values())))
        rows = [f"{'CER %':<16}" + "".join(f"{s + ' px':>8}" for s in sizes)]
        rows += [f"{face + (' (held out)' if face == summary['held_out_font'] else ''):<16}"
                 + "".join(f"{100 * cer:8.2f}" for cer in cells.values()) for face, cells in table.items()]
        hello = ", ".join(f"{size} px: {text!r}" for size, text in summary["hello_world"].items())
        text += "\n\ntest words by font and size:\n" + "\n".join(rows) + f"\n\n'hello world' read at {hello}"
    return text


@dataclass(frozen=True)
class TranscribeOptions(Config):
    files: tuple[str, ...] = option((), "a recording (WAV) or a line image, as the run was trained on",
                                    positional=True, metavar="FILE")
    beam: int = option(1, "prefix beam search: the N best transcripts with their log-probabilities; 1: the best "
                          "path", metavar="N")

    def __post_init__(self) -> None:
        self.check_at_least(("beam",))


def transcribe_files(trained: Trained, files: list[str], beam: int = 1) -> list[list[tuple[str, float]]]:
    """Each file's transcripts with log-probabilities, best first (one without ``beam``)."""
    if not files:
        raise ValueError("expected one or more files to transcribe")
    inputs = [read_input(f, trained.meta["medium"], trained.config, trained.meta.get("rate")) for f in files]
    return transcribe(trained.model, inputs, Alphabet(trained.meta["symbols"]), beam)


@torch.no_grad()
def lab_example(trained: Trained, params: dict) -> dict:
    """A test input for ``rnnlab lab``: the picture (a spectrogram or a line of writing), its transcript beside
    the truth, and the CTC best path: each output frame's likeliest symbol ("" for the blank) and probability,
    frame k covering the input's columns ``[k * stride, (k + 1) * stride)``."""
    test = trained.prepared().data.test
    index = int(params.get("index", 0))
    if not 0 <= index < len(test):
        raise ValueError(f"index must be in [0, {len(test) - 1}] (the test split's inputs); received {index}")
    example, alphabet = test[index], Alphabet(trained.meta["symbols"])
    trained.model.eval()
    log_probs, steps = trained.model(*pad_inputs([example.input], device_of(trained.model)))
    best = log_probs[0, :int(steps[0])].float().cpu().max(-1)
    path = [alphabet.symbols[k - 1] if k else "" for k in best.indices.tolist()]
    return {"index": index, "count": len(test), "name": example.name, "truth": example.text,
            "transcript": alphabet.decode(collapse(best.indices.tolist())), "medium": trained.meta["medium"],
            "picture": data_url(example.input.numpy()[::-1] if trained.meta["medium"] == "audio"
                                else example.input.numpy(), scale=2),
            "columns": int(example.input.shape[1]), "stride": example.input.shape[1] / max(1, len(path)),
            "path": path, "probs": [round(float(p), 4) for p in best.values.exp()]}


def run_transcribe(trained: Trained, o: TranscribeOptions) -> str:
    lines = []
    for path, found in zip(o.files, transcribe_files(trained, list(o.files), o.beam)):
        if o.beam == 1:
            lines.append(f"{path}\t{found[0][0]}")
        else:
            lines += [f"{path}\t{rank}\t{score:.3f}\t{text}" for rank, (text, score) in enumerate(found, start=1)]
    return "\n".join(lines)


@dataclass(frozen=True)
class EvalOptions(Config):
    data: str | None = option(None, "score this folder of transcribed files", none="the run's own test split")
    beam: int = option(1, "prefix beam search width; 1: the best path")
    skip_bad_rows: bool = option(False, "count and skip bad lines and files instead of stopping")

    def __post_init__(self) -> None:
        self.check_at_least(("beam",))


def run_eval(trained: Trained, o: EvalOptions) -> str:
    config = replace(trained.config, beam=o.beam, test_data=o.data, skip_bad_rows=o.skip_bad_rows)
    prepared = prepare(config, trained.meta)
    metrics = task(config, prepared).evaluate(trained.model, "test")
    skipped = "".join(f"\nskipped {n}: {what}" for what, n in prepared.skipped.items())
    return metrics_table(metrics) + skipped


@torch.no_grad()
def export_onnx(trained: Trained, path: Path) -> str:
    """The front-end, the recurrent layers and the CTC scores as ONNX (see ``rnnlab.export.onnx_graph.
    recognizer``), with ``PATH.json`` beside it (the symbols, the blank, the input the app makes from a file).
    Checked: the scores equal rnnlab's, and best-path decoding of them writes ``transcribe``'s transcripts, on
    inputs of several lengths in one padded batch."""
    model, alphabet, medium = trained.model.eval(), Alphabet(trained.meta["symbols"]), trained.meta["medium"]
    out = save(recognizer(model), path)
    height = trained.config.n_mels if medium == "audio" else trained.config.height
    generator = torch.Generator().manual_seed(0)
    inputs = [torch.rand(height, columns, generator=generator) for columns in (96, 64, 37, 8)]
    x, lengths = pad_inputs(inputs, "cpu")
    found = run_onnx(out, {"x": x, "lengths": lengths})
    log_probs, steps = model(x.to(device_of(model)), lengths.to(device_of(model)))
    if not torch.equal(found["steps"], steps.cpu()):
        raise ExportError(f"{out}: the file counts {found['steps'].tolist()} steps, rnnlab {steps.tolist()}")
    inside = torch.arange(log_probs.shape[1]) < steps.cpu().unsqueeze(1)
    check(out, found["log_probs"][inside], log_probs.cpu()[inside], 1e-4)
    got = [alphabet.decode(ids) for ids in best_path(found["log_probs"], found["steps"])]
    if got != [t[0][0] for t in transcribe(model, inputs, alphabet)]:
        raise ExportError(f"{out}: best-path decoding of the file's scores differs from rnnlab's transcripts")
    side = out.with_suffix(".json")
    side.write_text(json.dumps({
        "app": "recognize", "symbols": alphabet.symbols, "blank": 0, "medium": medium, "height": height,
        "input": (f"a log-mel spectrogram, {height} bands (rnnlab.apps.recognize.data.audio_features) at "
                  f"{trained.meta.get('rate')} Hz" if medium == "audio" else
                  f"a line image in grey, {height} rows (rnnlab.apps.recognize.data.read_input)")
                 + "; a batch zero-padded to its longest, (B, 1, height, columns), with each item's columns",
        "decode": "best path: each step's likeliest of log_probs[:steps]; merge repeats, drop the blank (id 0); "
                  "id k is symbols[k - 1]"}, indent=1), encoding="utf-8")
    return f"{out}: its scores equal rnnlab's and best-path decoding writes rnnlab's transcripts on " \
           f"{len(inputs)} inputs; {side} holds the symbols and how to make the input"


APP = App(
    name="recognize", help="speech and handwriting recognition with CTC: a transcript for a recording or a "
                           "line image",
    description="Train a CRNN (convolutional front-end, bidirectional RNN, CTC) on speech or line images, "
                "evaluate it, transcribe files.",
    config=RecognizeConfig, prepare=prepare, build_model=build_model, task=task, report=report, show=show,
    verbs=(Verb("eval", "character and word error rates and sequence accuracy on the test split or a folder",
                run_eval, EvalOptions),
           Verb("transcribe", "the transcript of each FILE (with --beam N, the N best with log-probabilities)",
                run_transcribe, TranscribeOptions)),
    lab={"example": lab_example},
    export=export_onnx)
