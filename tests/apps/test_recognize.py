"""Recognition with CTC: folders of recordings and line images through the API and the CLI, bad files, the
generated default, and FSDD and MNIST when ../shared/data has them."""

import json
import random
import string
import wave
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from rnnlab.apps import recognize
from rnnlab.apps.recognize.composed import fsdd_recordings, fsdd_splits
from rnnlab.apps.recognize.generated import (HELD_OUT_FONT, REPORT_FONTS, REPORT_SIZES, TRAINING_FONTS,
                                             generate_lines, render_line, word_splits)
from rnnlab.cli.main import main
from rnnlab.training import TrainConfig

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
FAST = TrainConfig(epochs=1, progress=False, tensorboard=False, device="cpu", monitor="cer", lr=5e-3)
QUIET = ["--quiet", "--no-tensorboard", "--device", "cpu"]
TONES = {"a": 400.0, "b": 1100.0, "c": 2400.0}
SMALL = ["--channels", "8,16", "--frame-size", "32", "--hidden-size", "32", "--layers", "1", "--n-mels", "16"]


def write_wav(path, samples, rate=8000):
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(np.round(np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())


def tone_sequence(text, rng, rate=8000):
    """Each symbol a 0.12 s tone of its own pitch, with short gaps."""
    pieces = [np.zeros(int(rate * rng.uniform(0.02, 0.08)))]
    for c in text:
        t = np.arange(int(rate * rng.uniform(0.1, 0.14))) / rate
        pieces += [0.5 * np.sin(2 * np.pi * TONES[c] * t), np.zeros(int(rate * rng.uniform(0.03, 0.08)))]
    return np.concatenate(pieces) + rng.gauss(0, 0.002) * 0


def tone_folder(folder, n, seed=0, symbols="abc", layout="tsv"):
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    lines = []
    for k in range(n):
        text = "".join(rng.choice(symbols) for _ in range(rng.randint(2, 5)))
        write_wav(folder / f"u{k}.wav", tone_sequence(text, rng))
        lines.append(f"u{k}\t{text}" if layout == "tsv" else f"u{k} {text}")
    (folder / ("transcripts.tsv" if layout == "tsv" else "0-0.trans.txt")).write_text("\n".join(lines) + "\n")
    return folder


def config(folder, out, **changes):
    return recognize.RecognizeConfig(data=str(folder), channels=(8, 16), frame_size=32, hidden_size=32, layers=1,
                                     n_mels=16, batch_size=8, sheet=3, out=str(out),
                                     train=replace(FAST, **changes.pop("train", {})), **changes)


def test_learns_sequences_of_tones_from_a_folder_of_wavs(tmp_path):
    folder = tone_folder(tmp_path / "tones", 160)
    result = recognize.train(config(folder, tmp_path / "run", validation=0.1, test=0.15, augment=False,
                                    train={"epochs": 12}))
    assert result.test["cer"] < 0.1, result.test
    assert (tmp_path / "run" / "test-sheet.png").exists() and result.medium == "audio"
    trained = recognize.load(tmp_path / "run")
    assert trained.meta["rate"] == 8000 and trained.meta["symbols"] == ["a", "b", "c"]
    rng = random.Random(99)
    write_wav(tmp_path / "new.wav", tone_sequence("cab", rng))
    write_wav(tmp_path / "new16k.wav", np.repeat(tone_sequence("bca", rng), 2), rate=16000)  # resampled to 8 kHz
    found = recognize.transcribe_files(trained, [str(tmp_path / "new.wav"), str(tmp_path / "new16k.wav")], beam=3)
    assert [f[0][0] for f in found] == ["cab", "bca"]
    assert len(found[0]) <= 3 and found[0][0][1] >= found[0][-1][1]


def test_cli_train_resume_transcribe_and_eval(tmp_path, capsys):
    folder = tone_folder(tmp_path / "tones", 40, layout="librispeech")
    train = ["recognize", "train", "--data", str(folder), "--batch-size", "8", "--epochs", "2", *SMALL, *QUIET]
    assert main([*train, "--out", str(tmp_path / "whole")]) == 0
    assert main([*train, "--out", str(tmp_path / "cut"), "--max-steps", "3"]) == 0
    assert main(["recognize", "train", "--out", str(tmp_path / "cut"), "--resume", "--quiet"]) == 0
    summaries = [json.loads((tmp_path / run / "summary.json").read_text()) for run in ("whole", "cut")]
    assert summaries[0]["test"] == summaries[1]["test"]
    capsys.readouterr()

    assert main(["recognize", "transcribe", str(tmp_path / "whole"), str(folder / "u0.wav"), "--beam", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert 1 <= len(lines) <= 2 and lines[0].startswith(f"{folder / 'u0.wav'}\t1\t")
    assert main(["recognize", "eval", str(tmp_path / "whole"), "--beam", "3"]) == 0
    assert "| cer" in capsys.readouterr().out

    other = tone_folder(tmp_path / "other", 6, seed=5)
    with open(other / "transcripts.tsv", "a") as f:
        f.write("u1\tabz\n")  # a symbol the model never learned (and u1 twice)
    (other / "transcripts.tsv").write_text("u0\tab\nu1\tabz\nu2\tca\n")
    assert main(["recognize", "eval", str(tmp_path / "whole"), "--data", str(other)]) == 2
    err = capsys.readouterr().err
    assert "transcripts.tsv, line 2: 'u1' is transcribed with 'z'" in err and "Traceback" not in err
    assert main(["recognize", "eval", str(tmp_path / "whole"), "--data", str(other), "--skip-bad-rows"]) == 0
    assert "skipped 1" in capsys.readouterr().out

    write_wav(tmp_path / "silent.wav", np.zeros(4000))
    (tmp_path / "text.wav").write_text("not audio")
    for name, message in (("silent.wav", "is silent"), ("text.wav", "is not a PCM WAV file"),
                          ("missing.wav", "no such audio file"), ("line.png", "is an image; this run was trained on "
                                                                             "recordings")):
        assert main(["recognize", "transcribe", str(tmp_path / "whole"), str(tmp_path / name)]) == 2
        err = capsys.readouterr().err
        assert f"{name}: {message}" in err and "Traceback" not in err


def test_bad_files_in_a_training_folder_stop_the_run_or_are_skipped(tmp_path, capsys):
    missing = tone_folder(tmp_path / "missing", 30)
    with open(missing / "transcripts.tsv", "a") as f:
        f.write("gone\tabc\n")
    broken = tone_folder(tmp_path / "broken", 30)
    (broken / "u3.wav").write_bytes(b"RIFF....WAVE garbage")
    silent = tone_folder(tmp_path / "silent", 30)
    write_wav(silent / "u4.wav", np.zeros(2000))
    train = ["recognize", "train", "--epochs", "1", *SMALL, *QUIET]
    for folder, message in ((missing, "transcripts.tsv, line 31: names 'gone', which is not a audio file"),
                            (broken, "u3.wav: is not a PCM WAV file"), (silent, "u4.wav: is silent")):
        assert main([*train, "--data", str(folder), "--out", str(tmp_path / "run")]) == 2
        err = capsys.readouterr().err
        assert message in err and "--skip-bad-rows" in err and "Traceback" not in err
        assert not (tmp_path / "run").exists()
        assert main([*train, "--data", str(folder), "--out", str(tmp_path / folder.name), "--skip-bad-rows"]) == 0
        assert "skipped 1" in capsys.readouterr().out
    for option in (["--held-out-speaker", "theo"], ["--digits", "2,3"], ["--perturb", "0.1"]):
        assert main([*train, "--data", str(missing), *option]) == 2
        assert "only for" in capsys.readouterr().err


def test_official_splits_a_sample_rate_and_a_file_for_a_folder(tmp_path, capsys):
    from rnnlab.apps.recognize.app import prepare

    folders = [tone_folder(tmp_path / name, n, seed) for name, n, seed in (("train", 20, 0), ("dev", 4, 1),
                                                                           ("test", 5, 2))]
    config = recognize.RecognizeConfig(data=str(folders[0]), validation_data=str(folders[1]),
                                       test_data=str(folders[2]), sample_rate=16000, n_mels=16)
    prepared = prepare(config, None)
    data = prepared.data
    assert (len(data.train), len(data.validation), len(data.test)) == (20, 4, 5)
    assert prepared.meta["rate"] == 16000 and data.test[0].input.shape[0] == 16
    assert main(["recognize", "train", "--data", str(folders[0] / "u0.wav"), *QUIET]) == 2
    assert "u0.wav: is a file; expected a folder" in capsys.readouterr().err


def test_a_folder_of_line_images_and_a_broken_image(tmp_path, capsys):
    folder = tmp_path / "lines"
    folder.mkdir()
    lines = []
    rng = random.Random(0)
    for k in range(24):
        text = " ".join("".join(rng.choice("abc") for _ in range(rng.randint(1, 4))) for _ in range(2))
        image = render_line(text, rng)
        Image.fromarray(np.uint8(255 - image * 255)).save(folder / f"line{k}.png")  # dark ink on paper
        lines.append(f"line{k}.png\t{text}")
    (folder / "transcripts.tsv").write_text("\n".join(lines) + "\n")
    args = ["recognize", "train", "--data", str(folder), "--epochs", "1", "--batch-size", "8", *SMALL, *QUIET]
    assert main([*args, "--out", str(tmp_path / "run")]) == 0
    trained = recognize.load(tmp_path / "run")
    assert trained.meta["medium"] == "image" and trained.meta["rate"] is None
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n broken")
    assert main(["recognize", "transcribe", str(tmp_path / "run"), str(folder / "line0.png")]) == 0
    assert main(["recognize", "transcribe", str(tmp_path / "run"), str(tmp_path / "broken.png")]) == 2
    assert "broken.png: is not an image Pillow can read" in capsys.readouterr().err


def test_the_generated_default_tests_on_words_training_never_shows(tmp_path):
    train_words, validation_words, test_words = word_splits(0)
    assert not set(train_words) & set(test_words) and not set(validation_words) & set(test_words)
    train, _, test = generate_lines((200, 5, 50), seed=0)
    assert all(set(text.split()) <= set(test_words) for _, text in test)
    assert not {w for _, t in train for w in t.split()} & {w for _, t in test for w in t.split()}
    assert all(image.shape[0] == 32 and 0 <= image.min() and image.max() <= 1 for image, _ in train)
    result = recognize.train(recognize.RecognizeConfig(sequences=(64, 8, 8), channels=(8, 16), frame_size=32,
                                                       hidden_size=32, layers=1, out=str(tmp_path / "run"),
                                                       train=FAST))
    assert set(result.test) >= {"cer", "wer", "sequence_accuracy"} and (tmp_path / "run" / "test-sheet.png").exists()
    table = result.summary["by_font_size"]  # the report by font and size, the held-out font among them
    assert list(table) == list(REPORT_FONTS) and HELD_OUT_FONT in table and HELD_OUT_FONT not in TRAINING_FONTS
    assert all(list(cells) == [str(s) for s in REPORT_SIZES] and all(c >= 0 for c in cells.values())
               for cells in table.values())
    assert list(result.summary["hello_world"]) == ["10", "22", "48"]
    assert "test words by font and size:" in recognize.APP.show(result.summary)


def test_every_font_draws_every_letter():
    # a face without Latin glyphs draws nothing, or the same box for every letter
    from rnnlab.apps.recognize.generated import FONT_FILES, font
    for face in FONT_FILES:
        glyphs = {bytes(font(face, 24).getmask(letter)) for letter in string.ascii_lowercase}
        assert len(glyphs) == 26 and all(any(g) for g in glyphs), face


def test_training_lines_vary_in_font_and_size_and_report_lines_are_fixed():
    from rnnlab.apps.recognize.generated import font_size_lines
    widths = {render_line("minimum", random.Random(seed)).shape[1] for seed in range(12)}
    assert len(widths) > 4  # fonts (a mono face is wider) and distortions differ from line to line
    cells = font_size_lines(0, 3)
    assert set(cells) == {(f, s) for f in REPORT_FONTS for s in REPORT_SIZES}
    assert [t for _, t in cells[("pillow", 10)]] == [t for _, t in cells[(HELD_OUT_FONT, 48)]]  # the same texts


def test_speed_perturbation_moves_the_pitch_of_a_recording():
    import torch
    from rnnlab.apps.recognize.composed import connected_digits
    from rnnlab.data.audio import log_mel

    recording = [(torch.from_numpy(np.sin(2 * np.pi * 1000 * np.arange(4000) / 8000)).float(), "1", "a")]
    def peak(speed, seed):
        utterance = connected_digits(recording, 1, (1, 1), 8000, random.Random(seed), speed=speed)[0][0]
        return int(log_mel(utterance, 8000).mean(1).argmax())

    plain = {peak(0.0, seed) for seed in range(6)}
    played = {peak(0.3, seed) for seed in range(6)}
    assert len(plain) == 1 and len(played - plain) >= 2


def test_a_connected_digit_utterance_is_said_by_one_speaker():
    import torch
    from rnnlab.apps.recognize.composed import connected_digits

    # speaker a says only ones, speaker b only twos: a mixed utterance would hold both
    recordings = [(torch.ones(400), "1", "a"), (torch.ones(400), "1", "a"), (torch.ones(400), "2", "b")]
    texts = [text for _, text in connected_digits(recordings, 200, (3, 5), 8000, random.Random(0))]
    assert all(set(text) in ({"1"}, {"2"}) for text in texts)
    ones = sum(text[0] == "1" for text in texts)
    assert 100 < ones < 170  # speakers drawn in proportion to their recordings (2 of 3)


@pytest.mark.skipif(not (SHARED / "fsdd" / "recordings").is_dir(), reason="../shared/data/fsdd is absent")
def test_fsdd_connected_digits_on_its_own_split_and_a_held_out_speaker(tmp_path):
    recordings = fsdd_recordings(SHARED / "fsdd")
    train, validation, test = fsdd_splits(recordings, None, 0.1, 0)
    assert len(recordings) == 3000 and all(r.index <= 4 for r in test) and len(test) == 300
    train, validation, test = fsdd_splits(recordings, "theo", 0.1, 0)
    assert {r.speaker for r in test} == {"theo"} and "theo" not in {r.speaker for r in train + validation}
    result = recognize.train(recognize.RecognizeConfig(data=str(SHARED / "fsdd"), sequences=(40, 8, 8),
                                                       held_out_speaker="theo", channels=(8, 16), frame_size=32,
                                                       hidden_size=32, layers=1, out=str(tmp_path / "run"),
                                                       train=FAST))
    assert result.medium == "audio" and "theo" in json.loads((tmp_path / "run" / "best.json").read_text())["source"]


@pytest.mark.skipif(not (SHARED / "mnist").is_dir(), reason="../shared/data/mnist is absent")
def test_mnist_digit_strings_train_and_test_on_different_writers(tmp_path):
    result = recognize.train(recognize.RecognizeConfig(data=str(SHARED / "mnist"), sequences=(40, 8, 8),
                                                       channels=(8, 16), frame_size=32, hidden_size=32, layers=1,
                                                       out=str(tmp_path / "run"), train=FAST))
    assert result.medium == "image" and set(recognize.load(tmp_path / "run").meta["symbols"]) == set("0123456789")


def test_a_warp_outside_zero_to_one_is_one_clear_error(capsys):
    assert main(["recognize", "train", "--warp", "1.5"]) == 2
    assert "warp must be in [0, 1); received 1.5" in capsys.readouterr().err
