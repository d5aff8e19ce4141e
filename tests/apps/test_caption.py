"""Image captioning: the generated scenes, Flickr8k and COCO loaders, learning, the CLI, bad input."""

import json

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import save_file

from rnnlab.apps import caption
from rnnlab.apps.caption.data import load_captions, read_coco, read_flickr8k, read_image
from rnnlab.apps.caption.generated import COLOURS, Scene, Thing, attribute_accuracy, generate_scenes, parse
from rnnlab.apps.caption.tasks import caption_scores
from rnnlab.cli.main import main
from rnnlab.data import BadRows, DataError
from rnnlab.models import ConvEncoder
from rnnlab.training import TrainConfig

FAST = TrainConfig(epochs=1, progress=False, tensorboard=False, device="cpu")


def config(**kw):
    return caption.CaptionConfig(**{"embedding_dim": 8, "hidden_size": 16, "channels": (4, 8), "image_size": 16,
                                    "sheet": 4, "train": FAST, **kw})


def picture(path, colour=(200, 30, 30)):
    Image.new("RGB", (20, 14), colour).save(path)
    return path


@pytest.fixture
def flickr(tmp_path):
    folder = tmp_path / "Flicker8k_Dataset"
    folder.mkdir()
    names = [f"{k}_img.jpg" for k in range(12)]
    for k, name in enumerate(names):
        picture(folder / name, (20 * k, 100, 200 - 10 * k))
    lines = [f"{name}#{j}\t{'A dog runs .' if k % 2 else 'Two kids play on grass .'}" for k, name in enumerate(names)
             for j in range(2)]
    (tmp_path / "Flickr8k.token.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "train.txt").write_text("\n".join(names[:8]) + "\n")
    (tmp_path / "test.txt").write_text("\n".join(names[10:]) + "\n")
    return tmp_path


# --- the generated scenes -------------------------------------------------------------------


def test_captions_describe_their_scenes_and_parse_back():
    train, _, test = generate_scenes(200, 10, 100, seed=2)
    for scene in train[:50] + test[:50]:
        for text in scene.captions():
            assert parse(text) == list(scene.things), text
            assert attribute_accuracy(parse(text), scene.things) == 1.0
        pixels = np.asarray(scene.image())
        for thing in scene.things:  # each object's colour is painted somewhere
            distance = np.abs(pixels.astype(int) - np.array(COLOURS[thing.colour])).sum(-1)
            assert (distance < 70).sum() > 20, (scene, thing)
    assert parse("a large red circle left of") is None and parse("a blue circle") is None


def test_held_out_colour_shape_pairs_appear_only_in_test():
    train, validation, test = generate_scenes(500, 50, 200, seed=0)
    pairs = lambda scenes: {(t.colour, t.shape) for s in scenes for t in s.things}  # noqa: E731
    held = pairs(test) - pairs(train)
    assert held and not held & pairs(validation)
    assert all(any((t.colour, t.shape) in held for t in s.things) for s in test)
    assert generate_scenes(500, 50, 200, seed=0)[2] == test


def test_attribute_accuracy_by_hand():
    truth = (Thing("small", "red", "circle"), Thing("large", "blue", "square"))
    assert attribute_accuracy([Thing("small", "red", "square")], truth) == pytest.approx(2 / 6)
    assert attribute_accuracy([Thing("small", "red", "square")], truth, ("shape",)) == 0.0
    assert attribute_accuracy([Thing("small", "red", "square")], truth, ("size", "colour")) == pytest.approx(2 / 4)
    assert attribute_accuracy(None, truth) == 0.0
    scores = caption_scores(["a small red square left of a large blue square"], [["x"]], [Scene(truth, 0)])
    assert (scores["attribute_accuracy"], scores["size_accuracy"], scores["shape_accuracy"]) == (
        pytest.approx(5 / 6), 1.0, 0.5)
    assert attribute_accuracy(list(truth) + [Thing("small", "red", "circle")], truth) == pytest.approx(6 / 9)
    assert Scene(truth, 0).captions()[1] == "a large blue square right of a small red circle"


# --- loaders and bad input ------------------------------------------------------------------


def test_flickr8k_with_split_files(flickr):
    data = load_captions(config(data=str(flickr / "Flickr8k.token.txt"), images=str(flickr / "Flicker8k_Dataset"),
                                train_split=str(flickr / "train.txt"), test_split=str(flickr / "test.txt")))
    assert len(data.test) == 2 and len(data.train) + len(data.validation) == 8
    assert data.train.images.shape[1:] == (3, 16, 16) and data.train.images.dtype == torch.uint8
    assert data.test.captions[0] == [("two", "kids", "play", "on", "grass", "."), ] * 2


def test_coco_json(tmp_path):
    folder = tmp_path / "val2017"
    folder.mkdir()
    images = [{"id": k, "file_name": f"{k:012d}.jpg"} for k in range(6)]
    for image in images:
        picture(folder / image["file_name"])
    notes = [{"id": 10 * k + j, "image_id": k, "caption": f"A cat number {k}."} for k in range(6) for j in range(2)]
    path = tmp_path / "captions_val2017.json"
    path.write_text(json.dumps({"images": images, "annotations": notes}))
    assert read_coco(path)["000000000003.jpg"] == ["A cat number 3.", "A cat number 3."]
    data = load_captions(config(data=str(path), images=str(folder), validation=1, test=1))
    assert (len(data.train), len(data.validation), len(data.test)) == (4, 1, 1)
    path.write_text(json.dumps({"images": images, "annotations": [{"image_id": 99, "caption": "x"}]}))
    with pytest.raises(DataError, match="image id 99"):
        read_coco(path)
    path.write_text(json.dumps({"pictures": []}))
    with pytest.raises(DataError, match="is not a COCO captions file"):
        read_coco(path)


def test_bad_images_and_caption_files(flickr):
    folder = flickr / "Flicker8k_Dataset"
    (folder / "3_img.jpg").write_bytes(b"not a jpeg at all")
    (folder / "5_img.jpg").unlink()
    kw = dict(data=str(flickr / "Flickr8k.token.txt"), images=str(folder), validation=1, test=1)
    with pytest.raises(DataError, match=r"3_img.jpg: is not an image Pillow can read"):
        load_captions(config(**kw))
    data = load_captions(config(skip_bad_rows=True, **kw))
    assert data.skipped == {"image unreadable": 1, "image missing": 1}
    assert len(data.train) + len(data.validation) + len(data.test) == 10
    with pytest.raises(DataError, match="no such image"):
        read_image(folder / "5_img.jpg", 16)
    with pytest.raises(DataError, match="is a folder; expected an image file"):
        read_image(folder, 16)
    empty = flickr / "empty.txt"
    empty.write_text("")
    with pytest.raises(DataError, match="empty"):
        read_flickr8k(empty, BadRows(False))
    bad = flickr / "bad.txt"
    bad.write_text("0_img.jpg#0\tA dog .\nno tab on this line\n")
    with pytest.raises(DataError, match=r"bad.txt, line 2: expected 'image.jpg#k<TAB>caption'"):
        read_flickr8k(bad, BadRows(False))
    rows = BadRows(True)
    assert read_flickr8k(bad, rows) == {"0_img.jpg": ["A dog ."]} and rows.skipped == {"bad caption lines": 1}


# --- the model learns; the command line -----------------------------------------------------


def test_learns_held_out_combinations_and_beats_the_blind_baseline(tmp_path):
    result = caption.train(caption.CaptionConfig(
        generated_train=1500, generated_validation=100, generated_test=200, channels=(16, 32, 32), hidden_size=96,
        embedding_dim=32, batch_size=16, out=str(tmp_path / "run"), sheet=4,
        train=TrainConfig(epochs=8, lr=2e-3, progress=False, tensorboard=False, device="cpu", monitor="bleu4",
                          monitor_mode="max")))
    assert result.test["bleu4"] > result.baseline["bleu4"] + 30
    assert result.test["attribute_accuracy"] > result.baseline["attribute_accuracy"] + 0.25
    assert (tmp_path / "run" / "test-captions.png").exists()


def test_cli_train_describe_eval_and_encoder_weights(tmp_path, capsys):
    weights = tmp_path / "cnn.safetensors"
    save_file({k: v.contiguous() for k, v in ConvEncoder(3, (4, 8)).state_dict().items()}, str(weights))
    run = tmp_path / "run"
    common = ["--generated-train", "60", "--generated-validation", "10", "--generated-test", "10", "--channels", "4,8",
              "--image-size", "16", "--hidden-size", "16", "--embedding-dim", "8", "--epochs", "1", "--quiet",
              "--no-tensorboard", "--device", "cpu", "--sheet", "2"]
    assert main(["caption", "train", *common, "--encoder-weights", str(weights), "--out", str(run)]) == 0
    assert "bleu4" in capsys.readouterr().out
    image = picture(tmp_path / "red.png")
    assert main(["caption", "describe", str(run), str(image), "--beam", "2"]) == 0
    assert capsys.readouterr().out.startswith(f"{image}\t")
    assert main(["caption", "eval", str(run)]) == 0
    assert "blind bleu4" in capsys.readouterr().out
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG but not really")
    assert main(["caption", "describe", str(run), str(broken)]) == 2
    assert "broken.png: is not an image Pillow can read" in capsys.readouterr().err
    wrong = tmp_path / "wrong.safetensors"
    save_file({"net.0.weight": torch.zeros(2, 2)}, str(wrong))
    assert main(["caption", "train", *common, "--encoder-weights", str(wrong), "--out", str(tmp_path / "r2")]) == 2
    assert "wrong.safetensors: does not fit the CNN" in capsys.readouterr().err
