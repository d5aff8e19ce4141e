"""Frame labelling: the generated clips, the action-segmentation loaders and each bad input, learning, the CLI."""

from dataclasses import replace

import numpy as np
import pytest

from rnnlab.apps import framelabel
from rnnlab.apps.framelabel.data import load_frame_data, read_array, read_mapping
from rnnlab.apps.framelabel.generated import MOTIONS, SPEED, STEPS, generate_clips
from rnnlab.cli.main import main
from rnnlab.data import DataError
from rnnlab.training import TrainConfig

QUICK = TrainConfig(epochs=1, lr=3e-3, progress=False, tensorboard=False, device="cpu", monitor="accuracy",
                    monitor_mode="max")


# --- the generated clips -----------------------------------------------------------------


def sprite_centre(frame: np.ndarray, colour: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero((frame == colour).all(axis=2))
    return xs.mean(), ys.mean()


def test_the_labels_follow_the_sprite_as_its_pixels_show():
    train, validation, test = generate_clips(30, 2, 2, frames=(10, 40), seed=3)
    seen = set()
    for clip in train:
        x0, y0 = clip.positions[0]
        colour = clip.frames[0, y0, x0]
        centres = [sprite_centre(f, colour) for f in clip.frames]
        assert len(clip.labels) == len(clip.frames) == len(centres)
        for t in range(1, len(centres)):
            dx, dy = centres[t][0] - centres[t - 1][0], centres[t][1] - centres[t - 1][1]
            assert (dx, dy) == tuple(SPEED * s for s in STEPS[MOTIONS[clip.labels[t]]])
        assert all(3 <= x <= 28 and 3 <= y <= 28 for x, y in clip.positions)  # the sprite stays whole
        runs = [k for k in range(1, len(clip.labels)) if clip.labels[k] != clip.labels[k - 1]]
        seen.update(clip.labels)
        assert all(b - a >= 1 for a, b in zip(runs, runs[1:]))
    assert seen == set(range(len(MOTIONS)))
    again = generate_clips(30, 2, 2, frames=(10, 40), seed=3)[0]
    assert all((a.frames == b.frames).all() and a.labels == b.labels for a, b in zip(train, again))


# --- the action-segmentation layout ----------------------------------------------------------


def write_dataset(root, videos: dict[str, list[str]], kind="features", splits=True, shape=(5,)):
    (root / "groundTruth").mkdir(parents=True)
    (root / kind).mkdir()
    (root / "mapping.txt").write_text("0 background\n1 take_cup\n2 pour_milk\n")
    rng = np.random.default_rng(0)
    for name, labels in videos.items():
        (root / "groundTruth" / f"{name}.txt").write_text("".join(f"{x}\n" for x in labels))
        if kind == "features":
            array = rng.normal(size=shape + (len(labels),)).astype(np.float32)  # (D, T)
        else:
            array = rng.integers(0, 256, (len(labels),) + shape).astype(np.uint8)  # (T, H, W[, C])
        np.save(root / kind / f"{name}.npy", array)
    if splits:
        (root / "splits").mkdir()
        names = list(videos)
        (root / "splits" / "train.split1.bundle").write_text("".join(f"{n}.txt\n" for n in names[:-1]))
        (root / "splits" / "test.split1.bundle").write_text(f"{names[-1]}.txt\n")


VIDEOS = {f"v{k}": ["background"] * 2 + ["take_cup"] * (3 + k) + ["pour_milk"] * 4 for k in range(6)}


def test_features_split_files_and_sample_rate(tmp_path):
    write_dataset(tmp_path, VIDEOS)
    config = framelabel.FrameConfig(data=str(tmp_path), validation=1)
    data = load_frame_data(config)
    assert data.kind == "features" and data.classes == ["background", "take_cup", "pour_milk"]
    assert data.test.names == ["v5"] and len(data.train) == 4 and len(data.validation) == 1
    saved = np.load(tmp_path / "features" / "v5.npy")
    np.testing.assert_array_equal(data.test.inputs[0], saved.T)  # (D, T) -> (T, D)
    assert data.test.labels[0].tolist() == [0, 0] + [1] * 8 + [2] * 4
    halved = load_frame_data(framelabel.FrameConfig(data=str(tmp_path), validation=1, sample_rate=2))
    assert halved.test.labels[0].tolist() == [0] + [1] * 4 + [2] * 2
    np.testing.assert_array_equal(halved.test.inputs[0], saved.T[::2])


@pytest.mark.parametrize("shape", [(6, 7), (6, 7, 3)])
def test_raw_frames_without_split_files(tmp_path, shape):
    write_dataset(tmp_path, VIDEOS, kind="frames", splits=False, shape=shape)
    data = load_frame_data(framelabel.FrameConfig(data=str(tmp_path), validation=1, test=2))
    assert data.kind == "frames" and (len(data.train), len(data.validation), len(data.test)) == (3, 1, 2)
    assert data.train.inputs[0].shape[1:] == (6, 7, shape[2] if len(shape) == 3 else 1)
    assert data.train.inputs[0].dtype == np.uint8
    assert framelabel.APP.prepare(framelabel.FrameConfig(data=str(tmp_path), validation=1, test=2), None).meta[
        "frame_shape"] == [data.train.inputs[0].shape[3], 6, 7]


def test_each_bad_input_is_one_error_naming_the_file(tmp_path):
    write_dataset(tmp_path, VIDEOS)
    config = framelabel.FrameConfig(data=str(tmp_path), validation=1)
    truth = tmp_path / "groundTruth" / "v1.txt"
    good = truth.read_text()
    truth.write_text(good + "pour_milk\n")
    with pytest.raises(DataError, match=r"v1.txt: has 11 labels but .*v1.npy has 10 frames"):
        load_frame_data(config)
    truth.write_text(good.replace("take_cup", "wash_cup", 1))
    with pytest.raises(DataError, match=r"v1.txt, line 3: label 'wash_cup' is not in .*mapping.txt"):
        load_frame_data(config)
    truth.write_text(good)
    np.save(tmp_path / "features" / "v2.npy", np.zeros((5, 0), np.float32))
    with pytest.raises(DataError, match=r"v2.npy: has no frames: an empty video"):
        load_frame_data(config)
    np.save(tmp_path / "features" / "v2.npy", np.zeros((5, 2, 9), np.float32))
    with pytest.raises(DataError, match=r"v2.npy: expected features of shape \(D, T\); received shape \(5, 2, 9\)"):
        load_frame_data(config)
    np.save(tmp_path / "features" / "v2.npy", np.zeros((4, 11), np.float32))
    with pytest.raises(DataError, match=r"v2.npy: frames of shape \(4,\) differ"):
        load_frame_data(config)
    (tmp_path / "features" / "v2.npy").write_bytes(b"not numpy")
    with pytest.raises(DataError, match=r"v2.npy: is not a .npy array"):
        load_frame_data(config)
    (tmp_path / "features" / "v2.npy").unlink()
    with pytest.raises(DataError, match=r"v2.npy: no such file"):
        load_frame_data(config)
    (tmp_path / "groundTruth" / "v3.txt").write_text("")
    (tmp_path / "mapping.txt").write_text("0 background\n2 take_cup\n")
    with pytest.raises(DataError, match=r"mapping.txt: ids must run 0..1"):
        read_mapping(tmp_path / "mapping.txt")
    (tmp_path / "mapping.txt").write_text("0 background\ntake_cup\n")
    with pytest.raises(DataError, match=r"mapping.txt, line 2: expected 'id label'"):
        read_mapping(tmp_path / "mapping.txt")
    np.save(tmp_path / "x.npy", np.full((3, 4, 4), 2.0))
    with pytest.raises(DataError, match=r"x.npy: expected uint8 frames or floats in \[0, 1\]"):
        read_array(tmp_path / "x.npy", "frames")
    np.save(tmp_path / "x.npy", np.full((3, 4, 4), np.nan))
    for kind in ("frames", "features"):
        with pytest.raises(DataError, match=r"x.npy: holds NaN or infinite values"):
            read_array(tmp_path / "x.npy", kind)
    np.save(tmp_path / "x.npy", np.array(["a", "b"]))
    with pytest.raises(DataError, match=r"x.npy: expected a numeric array"):
        read_array(tmp_path / "x.npy", "features")


def test_an_empty_label_file_is_named(tmp_path):
    write_dataset(tmp_path, VIDEOS)
    (tmp_path / "groundTruth" / "v0.txt").write_text("\n")
    with pytest.raises(DataError, match=r"v0.txt: the file is empty"):
        load_frame_data(framelabel.FrameConfig(data=str(tmp_path), validation=1))


# --- learning; the command line ------------------------------------------------------------


SMALL = dict(generated_train=300, generated_validation=20, generated_test=40, generated_frames=(16, 24),
             channels=(8, 16), layers=1, batch_size=8, timeline=2)


def test_the_bidirectional_model_learns_what_the_per_frame_baseline_cannot(tmp_path):
    train = TrainConfig(epochs=10, lr=3e-3, progress=False, tensorboard=False, device="cpu", monitor="accuracy",
                        monitor_mode="max")
    rnn = framelabel.train(framelabel.FrameConfig(**SMALL, out=str(tmp_path / "rnn"), train=train))
    frame = framelabel.train(framelabel.FrameConfig(**SMALL, encoder="none", out=str(tmp_path / "frame"),
                                                    train=replace(train, epochs=6)))
    assert rnn.test["accuracy"] > frame.test["accuracy"] + 0.25
    assert rnn.test["edit"] > frame.test["edit"] + 15
    assert (tmp_path / "rnn" / "test-timeline.png").stat().st_size > 1000


def test_cli_train_eval_predict_and_bad_input(tmp_path, capsys):
    write_dataset(tmp_path / "data", VIDEOS)
    out = tmp_path / "run"
    assert main(["framelabel", "train", "--data", str(tmp_path / "data"), "--validation", "1", "--epochs", "2",
                 "--hidden-size", "8", "--frame-size", "8", "--causal", "--encoder", "gru", "--background",
                 "background", "--out", str(out), "--quiet", "--no-tensorboard"]) == 0
    printed = capsys.readouterr().out
    assert "f1@50" in printed and (out / "test-timeline.png").exists()
    assert main(["framelabel", "eval", str(out)]) == 0
    assert "edit" in capsys.readouterr().out
    video, truth = tmp_path / "data" / "features" / "v5.npy", tmp_path / "data" / "groundTruth" / "v5.txt"
    assert main(["framelabel", "predict", str(out), str(video), "--truth", str(truth), "--timeline",
                 str(tmp_path / "t.png")]) == 0
    printed = capsys.readouterr().out
    assert "v5.npy: 14 frames" in printed and "accuracy" in printed and (tmp_path / "t.png").exists()
    np.save(tmp_path / "wrong.npy", np.zeros((7, 10), np.float32))
    assert main(["framelabel", "predict", str(out), str(tmp_path / "wrong.npy")]) == 2
    err = capsys.readouterr().err
    assert "wrong.npy: expected features of shape (D=5, T)" in err and "Traceback" not in err
    short = tmp_path / "short.txt"
    short.write_text("background\n")
    assert main(["framelabel", "predict", str(out), str(video), "--truth", str(short)]) == 2
    assert "short.txt: has 1 labels for a video of 14 frames" in capsys.readouterr().err
    assert main(["framelabel", "train", "--data", str(tmp_path / "data"), "--validation", "1", "--background", "sky",
                 "--out", str(tmp_path / "run2"), "--quiet"]) == 2
    assert "background label 'sky' is not one of the labels" in capsys.readouterr().err
    assert not (tmp_path / "run2").exists()


def test_resume_after_the_step_limit(tmp_path):
    config = framelabel.FrameConfig(**{**SMALL, "generated_train": 16}, out=str(tmp_path / "run"),
                                    train=replace(QUICK, epochs=2, max_steps=2))
    assert framelabel.train(config).stopped == "max_steps"
    result = framelabel.resume(tmp_path / "run", progress=False)
    assert result.stopped != "max_steps" and "accuracy" in result.test
