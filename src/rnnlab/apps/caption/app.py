"""Image captioning, declared for the runner: pictures and captions, a CNN and a decoder RNN, BLEU and attributes.

Training selects the epoch by validation BLEU-4, tests it and draws a sheet
of test pictures with their captions (``test-captions.png``); ``describe``
works from a trained run.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from rnnlab.apps.caption.data import FORMATS, CaptionData, generated_pictures, load_captions, read_image
from rnnlab.apps.caption.tasks import CaptionTask, caption_scores, describe_images, pixels
from rnnlab.data import DataError, Vocabulary
from rnnlab.data.captions import as_uint8, image_array
from rnnlab.data.files import read_picture
from rnnlab.data.vocab import BOS, EOS, PAD, UNK
from rnnlab.decoding import greedy
from rnnlab.export import ExportError, check, decoder_steps, run_onnx, save
from rnnlab.export.onnx_graph import decoder_step, image_encoder
from rnnlab.models import ATTENTIONS, CELL_KINDS, IMAGE_AS, Captioner
from rnnlab.training import TrainConfig
from rnnlab.training.options import Config, DecodeOptions, encoding_option, engine_option, option, out_option
from rnnlab.training.runner import App, Prepared, Trained, Verb, evaluate, metrics_table
from rnnlab.training.tasks import device_of
from rnnlab.viz import plot_sheet
from rnnlab.viz.pictures import data_url


@dataclass(frozen=True)
class CaptionConfig(Config):
    """Everything a captioning run needs, saved in its checkpoints; each field is a ``--flag`` of ``train``."""

    data: str | None = option(None, "Flickr8k.token.txt or a COCO captions JSON", none="generated scenes",
                              group="data")
    images: str | None = option(None, "the folder of the pictures --data captions", group="data")
    format: str = option("auto", "auto: by the file's name", choices=FORMATS, group="data")
    train_split: str | None = option(None, "a file listing the training images (Flickr_8k.trainImages.txt)",
                                     group="data")
    validation_split: str | None = option(None, "... the validation images (Flickr_8k.devImages.txt)", group="data")
    test_split: str | None = option(None, "... the test images (Flickr_8k.testImages.txt)", group="data")
    skip_bad_rows: bool = option(False, "count and skip bad lines and images", group="data")
    validation: float | int = option(0.05, "images held out at random without split files", group="data")
    test: float | int = option(0.1, "", group="data")
    split_seed: int = option(0, "also seeds the generated scenes", group="data")
    generated_train: int = option(5000, "", group="data")
    generated_validation: int = option(300, "", group="data")
    generated_test: int = option(1000, "", group="data")
    image_size: int = option(64, "pictures are resized to this square", group="data")
    min_freq: int = option(1, "", group="data")
    max_vocab: int | None = option(None, "", none="all words", group="data")
    channels: tuple[int, ...] = option((32, 64, 128), "CNN widths, a block each", group="model")
    encoder_weights: str | None = option(None, "start the CNN from these weights (safetensors)", group="model")
    embedding_dim: int = option(64, "", group="model")
    cell: str = option("lstm", "decoder cell", choices=CELL_KINDS, group="model")
    hidden_size: int = option(256, "", group="model")
    layers: int = option(1, "", group="model")
    dropout: float = option(0.1, "", group="model")
    attention: str = option("none", "soft attention over the feature map", choices=ATTENTIONS + ("none",),
                            group="model")
    image_as: str = option("state", "the image vector as the decoder's initial state or its first input",
                           choices=IMAGE_AS, group="model")
    engine: str = engine_option()
    batch_size: int = option(32, "pictures a batch, each with all its captions", group="model")
    beam: int = option(1, "beam width for testing; 1: greedy", group="model")
    alpha: float = option(0.0, "length penalty", group="model")
    sheet: int = option(16, "test pictures on the sheet; 0: none")
    encoding: str = encoding_option()
    out: str | None = out_option("caption")
    train: TrainConfig = field(default_factory=lambda: TrainConfig(
        epochs=10, lr=1e-3, schedule="cosine", monitor="bleu4", monitor_mode="max"))

    def __post_init__(self) -> None:
        self.check_choices()
        self.check_split_sizes()
        self.check_at_least(("layers", "hidden_size", "batch_size", "min_freq", "beam", "embedding_dim"))
        self.check_at_least(("image_size",), 8)
        self.check_at_least(("sheet",), 0)
        self.check_fractions(("dropout",))
        self.tuples("channels")


def vocab_of(trained: Trained) -> Vocabulary:
    return Vocabulary.from_json(trained.meta["vocab"])


def load_encoder_weights(model: Captioner, path: str | Path) -> None:
    """Start the CNN from a user's weights (safetensors, the names of ``ConvEncoder.state_dict()``)."""
    try:
        weights = load_file(str(path))
    except (OSError, SafetensorError) as error:
        raise DataError(path, f"is not a safetensors file ({error})") from None
    try:
        model.cnn.load_state_dict(weights)
    except RuntimeError as error:
        raise DataError(path, "does not fit the CNN: " + " ".join(str(error).split())[:300]) from None


def prepare(config: CaptionConfig, meta: dict | None) -> Prepared:
    data = load_captions(config)
    if meta is None:
        meta = {"vocab": Vocabulary.build((c for refs in data.train.captions for c in refs), (PAD, BOS, EOS, UNK),
                                          config.min_freq, config.max_vocab).to_json()}
    prepared = Prepared(data, meta, data.source, data.skipped)
    if config.encoder_weights:
        prepared.initialize = lambda model: load_encoder_weights(model, config.encoder_weights)
    return prepared


def build_model(config: CaptionConfig, meta: dict) -> Captioner:
    vocab = Vocabulary.from_json(meta["vocab"])
    return Captioner(len(vocab), config.embedding_dim, config.cell, config.hidden_size, config.layers,
                     config.dropout, None if config.attention == "none" else config.attention, config.image_as,
                     config.channels, vocab.pad_id, config.engine)


def task(config: CaptionConfig, prepared: Prepared) -> CaptionTask:
    data: CaptionData = prepared.data
    return CaptionTask({"train": data.train, "validation": data.validation, "test": data.test},
                       Vocabulary.from_json(prepared.meta["vocab"]), config.batch_size, config.train.seed,
                       config.beam, config.alpha)


def blind_baseline(data: CaptionData) -> dict[str, float]:
    """The test scores of giving every picture the most common training caption."""
    common = Counter(" ".join(c) for refs in data.train.captions for c in refs).most_common(1)[0][0]
    return caption_scores([common] * len(data.test), [[" ".join(c) for c in refs] for refs in data.test.captions],
                          data.test.scenes)


def report(model: Captioner, config: CaptionConfig, prepared: Prepared, run_dir: Path) -> dict:
    """The blind baseline, and a sheet of test pictures with their captions."""
    data: CaptionData = prepared.data
    if config.sheet:
        vocab = Vocabulary.from_json(prepared.meta["vocab"])
        shown = data.test.subset(list(range(min(config.sheet, len(data.test)))))
        found = describe_images(model, shown.images, vocab, config.beam, config.alpha)
        plot_sheet(shown.images.permute(0, 2, 3, 1).numpy(), [" ".join(vocab.decode(h.tokens)) for h in found],
                   [" ".join(refs[0]) for refs in shown.captions], run_dir / "test-captions.png")
    return {"baseline": blind_baseline(data)}


def show(summary: dict) -> str:
    return (f"test:\n{metrics_table(summary['test'])}\n\nblind baseline (the most common training caption for "
            f"every picture):\n{metrics_table(summary['baseline'])}")


def describe(trained: Trained, paths: list[str | Path], beam: int = 1, alpha: float = 0.0) -> list[str]:
    """A caption for each picture file."""
    vocab = vocab_of(trained)
    images = torch.stack([read_image(p, trained.config.image_size) for p in paths])
    return [" ".join(vocab.decode(h.tokens)) for h in describe_images(trained.model, images, vocab, beam, alpha)]


UPLOAD_BYTES = 4 << 20  # the largest picture the lab takes
UPLOAD_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")


def _uploaded(text: str, size: int) -> torch.Tensor:
    """A picture sent as a ``data:image/...;base64,`` URL: ``(3, size, size)`` uint8, after checking its size
    and that it is a picture of a common kind."""
    header, _, encoded = text.partition(",")
    if not header.startswith("data:image/") or ";base64" not in header:
        raise ValueError("the upload must be a picture sent as a data:image/...;base64 URL")
    try:
        data = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise ValueError("the upload is not valid base64") from None
    if len(data) > UPLOAD_BYTES:
        raise ValueError(f"the upload is {len(data):,} bytes; pictures of at most {UPLOAD_BYTES:,} bytes, please")
    picture = read_picture("the upload", data)
    if picture.format not in UPLOAD_FORMATS:
        raise ValueError(f"the upload is {picture.format}; send one of {', '.join(UPLOAD_FORMATS)}")
    return as_uint8(image_array(picture, size))


@torch.no_grad()
def lab_caption(trained: Trained, params: dict) -> dict:
    """A caption for ``rnnlab lab``: of test picture ``index``, or of an uploaded picture (``image``: a data
    URL); with an attention model, where each word looked (one weight a cell of the CNN's map)."""
    if params.get("image"):
        image, references, index, count = _uploaded(str(params["image"]), trained.config.image_size), [], None, None
    else:
        test = trained.prepared().data.test
        index, count = int(params.get("index", 0)), len(test.images)
        if not 0 <= index < count:
            raise ValueError(f"index must be in [0, {count - 1}] (the test split's pictures); received {index}")
        image, references = test.images[index], [" ".join(c) for c in test.captions[index]]
    vocab = vocab_of(trained)
    found = describe_images(trained.model, image.unsqueeze(0), vocab, int(params.get("beam", 1)))[0]
    attention = None
    if found.attention is not None and found.attention.numel():
        cells = found.attention.shape[1]
        side = int(round(cells ** 0.5))
        if side * side == cells:  # the CNN's square map
            attention = found.attention.reshape(-1, side, side).mul(1e4).round().div(1e4).tolist()
    return {"index": index, "count": count, "picture": data_url(image.permute(1, 2, 0).numpy(), scale=4),
            "words": vocab.decode(found.tokens), "references": references, "attention": attention}


@torch.no_grad()
def export_onnx(trained: Trained, path: Path) -> str:
    """The CNN encoder and one decoder step as two ONNX files (``STEM.encoder.onnx``, ``STEM.decoder.onnx``;
    see ``rnnlab.export.onnx_graph.image_encoder`` and ``decoder_step``), with ``STEM.json`` (the words, the
    special tokens, the state's names, the picture size). Checked: greedy decoding through the files writes
    the captions ``describe`` writes, on generated pictures."""
    path = Path(path)
    stem = path.with_suffix("") if path.suffix == ".onnx" else path
    model, vocab, size = trained.model, vocab_of(trained), trained.config.image_size
    encoder_path = save(image_encoder(model, size), stem.with_name(stem.name + ".encoder.onnx"))
    decoder_path = save(decoder_step(model.decoder, model.cnn.out_channels),
                        stem.with_name(stem.name + ".decoder.onnx"))
    model.eval()
    images = generated_pictures(4, size)
    memory = run_onnx(encoder_path, {"images": pixels(images, "cpu")})
    check(encoder_path, memory["keys"], model.encode(pixels(images, device_of(model))).keys, 1e-4)
    names = [n for n in memory if n[:2] in ("h_", "c_")]
    step, state = decoder_steps(decoder_path, memory, names)
    found = greedy(step, state, torch.full((len(images),), vocab.bos_id), vocab.eos_id, 30)
    expected = describe_images(model, images, vocab)
    if [h.tokens for h in found] != [h.tokens for h in expected]:
        raise ExportError(f"{decoder_path}: greedy decoding through the ONNX files wrote other captions than "
                          f"rnnlab's ({' '.join(vocab.decode(found[0].tokens))!r} against "
                          f"{' '.join(vocab.decode(expected[0].tokens))!r} for the first picture)")
    side = stem.with_name(stem.name + ".json")
    side.write_text(json.dumps({
        "app": "caption", "tokens": vocab.tokens, "bos_id": vocab.bos_id, "eos_id": vocab.eos_id, "state": names,
        "image_size": size, "encoder": encoder_path.name, "decoder": decoder_path.name,
        "pictures": f"RGB, resized to {size} x {size}, (B, 3, {size}, {size}) floats in [0, 1]",
        "decode": "run the encoder once; feed the decoder <bos>, its state from the encoder (h_l0 -> h_l0_in, "
                  "...) and keys, mask, summary, prepared; then its own state and the word chosen, until <eos>"},
        indent=1), encoding="utf-8")
    return f"{encoder_path} and {decoder_path}: greedy decoding through them writes rnnlab's captions of " \
           f"{len(images)} pictures; {side} holds the words and how to decode"


@dataclass(frozen=True)
class DescribeOptions(DecodeOptions):
    images: tuple[str, ...] = option((), "a picture file (PNG, JPEG, ...)", positional=True, metavar="IMAGE")


def run_describe(trained: Trained, o: DescribeOptions) -> str:
    return "\n".join(f"{path}\t{text}" for path, text in zip(o.images, describe(trained, list(o.images), o.beam,
                                                                                o.alpha)))


APP = App(
    name="caption", help="image captioning: a CNN and a decoder RNN, one image to many words",
    description="Train a captioner, score it with BLEU, describe new pictures.",
    config=CaptionConfig, prepare=prepare, build_model=build_model, task=task, report=report, show=show,
    baselines=lambda prepared: {f"blind_{k}": v for k, v in blind_baseline(prepared.data).items()},
    verbs=(Verb("eval", "BLEU-1..4, exact match (and attribute accuracy) on the run's test split", evaluate,
                DecodeOptions),
           Verb("describe", "a caption for each IMAGE", run_describe, DescribeOptions)),
    lab={"caption": lab_caption},
    export=export_onnx)
