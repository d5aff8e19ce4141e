"""``rnnlab export RUN``: a trained application model as ONNX, equal in onnxruntime to the application's predict."""

import json
from dataclasses import replace

import pytest
import torch

pytest.importorskip("onnxruntime")

from PIL import Image  # noqa: E402

from rnnlab.apps import caption, lm, framelabel, recognize, registered, sentiment, tag, translate  # noqa: E402
from rnnlab.apps.caption.data import read_image  # noqa: E402
from rnnlab.apps.recognize.tasks import Alphabet, pad_inputs, transcribe  # noqa: E402
from rnnlab.apps.tag.app import encoder_of as tag_encoder  # noqa: E402
from rnnlab.apps.framelabel.tasks import label_videos, video_batch  # noqa: E402
from rnnlab.cli.main import main  # noqa: E402
from rnnlab.data import pad_batch  # noqa: E402
from rnnlab.data.text import tokenize  # noqa: E402
from rnnlab.export import run_onnx, save, zero_state  # noqa: E402
from rnnlab.export.onnx_graph import frame_labeller  # noqa: E402
from rnnlab.models import FrameLabeller, make_stack  # noqa: E402
from rnnlab.training import TrainConfig  # noqa: E402

QUICK = TrainConfig(epochs=1, progress=False, tensorboard=False, device="cpu")
BASE = sentiment.SentimentConfig(embedding_dim=8, hidden_size=8, train=QUICK)


@pytest.mark.parametrize("changes", [{}, {"pooling": "last", "encoder": "gru"}, {"pooling": "mean-max", "layers": 2},
                                     {"encoder": "bow", "pooling": "mean"}, {"bidirectional": False, "encoder": "rnn"}],
                         ids=["default", "last-gru", "mean-max-2-layers", "bag-of-words", "unidirectional-rnn"])
def test_sentiment_exports_and_equals_predict(changes, tmp_path, capsys):
    run = tmp_path / "run"
    sentiment.train(replace(BASE, out=str(run), **changes))
    assert main(["export", str(run), "--out", str(tmp_path / "model.onnx")]) == 0
    assert "checked against rnnlab on 4 sentences" in capsys.readouterr().out
    side = json.loads((tmp_path / "model.json").read_text())
    texts = ["a truly wonderful and moving film", "the plot was not good at all", "zzyzx qwerty"]
    index = {t: k for k, t in enumerate(side["tokens"])}
    ids = [[index.get(w, index["<unk>"]) for w in tokenize(t)] for t in texts]
    tokens, lengths = pad_batch(ids, side["pad_id"])
    probs = run_onnx(tmp_path / "model.onnx", {"tokens": tokens, "lengths": lengths})["probs"]
    expected = sentiment.predict(sentiment.APP.load(run), texts)
    for row, want in zip(probs, expected):
        torch.testing.assert_close(row, torch.tensor([want[label] for label in side["labels"]]), atol=1e-5, rtol=0)


@pytest.mark.parametrize(("cell", "layers", "text"), [("lstm", 2, False), ("gru", 1, True), ("rnn", 1, False)])
def test_language_model_exports_its_step_function(cell, layers, text, tmp_path, capsys):
    run, source = tmp_path / "lm", tmp_path / "play.txt"
    source.write_text("the cat sat on the mat and the dog ate the hat\n" * 40, encoding="utf-8")
    lm.CHARLM.train(lm.CharLMConfig(data=str(source) if text else None, format="text" if text else "auto",
                                     words=300, cell=cell, layers=layers, hidden_size=8, embedding_dim=4, samples=0,
                                     out=str(run), train=QUICK))
    assert main(["export", str(run), "--out", str(tmp_path / "lm.onnx")]) == 0
    side = json.loads((tmp_path / "lm.json").read_text())
    kinds = ("h", "c") if cell == "lstm" else ("h",)
    assert sorted(side["state"]) == sorted(f"{k}_l{n}" for n in range(layers) for k in kinds)
    index = {t: k for k, t in enumerate(side["tokens"])}
    ids = torch.tensor([[index[c] for c in "the mat"] if text else [side["bos_id"]] + [index[c] for c in "them"]])
    trained = lm.CHARLM.load(run)
    with torch.no_grad():
        whole, _ = trained.model(ids, None)
    state = zero_state(tmp_path / "lm.onnx", 1)
    for t in range(ids.shape[1]):  # one token at a time, the state fed back
        got = run_onnx(tmp_path / "lm.onnx", {"tokens": ids[:, t:t + 1], **state})
        torch.testing.assert_close(got["logits"][0, 0], whole[0, t], atol=1e-4, rtol=1e-4)
        state = {f"{n}_in": got[n] for n in side["state"]}


@pytest.mark.parametrize("softmax", ["adaptive", "tied"])
def test_word_language_model_exports_with_its_softmax(softmax, tmp_path):
    """The word-level model's adaptive softmax (or tied weights through a projection) in the ONNX file: the same
    log-probabilities as ``lm`` computes, one word at a time with the state fed back."""
    run, source = tmp_path / "lm", tmp_path / "words.txt"
    source.write_text("".join(f"the cat {w} on the mat and a dog ate {w} hat .\n" for w in
                              ("sat", "lay", "ran", "slept", "stood")) * 30, encoding="utf-8")
    lm.train(lm.LMConfig(data=str(source), hidden_size=16, embedding_dim=8, min_freq=1, samples=0, out=str(run),
                         softmax="full" if softmax == "tied" else "adaptive", tie_weights=softmax == "tied",
                         cutoffs=(6, 10) if softmax == "adaptive" else None, train=QUICK))
    assert main(["export", str(run), "--out", str(tmp_path / "lm.onnx")]) == 0
    side = json.loads((tmp_path / "lm.json").read_text())
    assert side["unit"] == "word" and side["app"] == "lm"
    index = {t: k for k, t in enumerate(side["tokens"])}
    ids = torch.tensor([[index[w] for w in "the cat sat on the mat".split()]])
    with torch.no_grad():
        whole, _ = lm.APP.load(run).model(ids, None)
    state = zero_state(tmp_path / "lm.onnx", 1)
    for t in range(ids.shape[1]):
        got = run_onnx(tmp_path / "lm.onnx", {"tokens": ids[:, t:t + 1], **state})
        torch.testing.assert_close(got["logits"][0, 0], whole[0, t], atol=1e-4, rtol=1e-4)
        state = {f"{n}_in": got[n] for n in side["state"]}


def onnx_greedy(stem, side, encoder_inputs, words, limit):
    """Decode with the two exported files alone, greedy: what a program outside Python would do."""
    found = run_onnx(f"{stem}.encoder.onnx", encoder_inputs)
    feed = {k: found[k] for k in ("keys", "mask", "summary", "prepared")}
    feed.update({f"{n}_in": found[n] for n in side["state"]})
    token, out = torch.tensor([side["bos_id"]]), []
    for _ in range(limit):
        got = run_onnx(f"{stem}.decoder.onnx", {"token": token, **feed})
        token = got["log_probs"].argmax(-1)
        if int(token) == side["eos_id"]:
            break
        out.append(words[int(token)])
        feed.update({f"{n}_in": got[n] for n in side["state"]})
    return " ".join(out)


def onnx_translate(stem, side, text):
    index = {t: k for k, t in enumerate(side["source_tokens"])}
    source = torch.tensor([[index.get(w, index["<unk>"]) for w in tokenize(text)]])
    return onnx_greedy(stem, side, {"source": source, "lengths": torch.tensor([source.shape[1]])},
                       side["target_tokens"], 2 * source.shape[1] + 10)  # translate's own limit


@pytest.mark.parametrize("changes", [{}, {"attention": "none", "decoder_cell": "lstm"},
                                     {"attention": "multiplicative", "layers": 2, "encoder_cell": "lstm"},
                                     {"attention": "dot", "bidirectional": False}],
                         ids=["additive-gru", "no-attention-lstm", "multiplicative-2-layers", "dot-unidirectional"])
def test_translation_exports_an_encoder_and_a_decoder_step(changes, tmp_path, capsys):
    run = tmp_path / "mt"
    config = translate.TranslateConfig(generated_train=300, generated_validation=30, generated_test=30,
                                       embedding_dim=8, hidden_size=8, out=str(run), train=QUICK, **changes)
    translate.train(config)
    assert main(["export", str(run), "--out", str(tmp_path / "mt.onnx")]) == 0
    assert "checked against rnnlab for 3 greedy steps" in capsys.readouterr().out
    side = json.loads((tmp_path / "mt.json").read_text())
    trained = translate.APP.load(run)
    for text in ("twenty one", "the fifth of may"):
        assert onnx_translate(tmp_path / "mt", side, text) == translate.translate(trained, [text])[0].outputs[0]


@pytest.mark.parametrize("changes", [{}, {"encoder": "none"}, {"encoder": "gru", "bidirectional": False}],
                         ids=["bilstm", "per-frame", "forward-gru"])
def test_frame_labeller_exports_with_its_cnn(changes, tmp_path, capsys):
    run = tmp_path / "clips"
    framelabel.train(framelabel.FrameConfig(generated_train=8, generated_validation=3, generated_test=4,
                                            generated_frames=(16, 24), channels=(8,), hidden_size=8, frame_size=8,
                                            layers=1, timeline=0, out=str(run), train=QUICK, **changes))
    assert main(["export", str(run), "--out", str(tmp_path / "clips.onnx")]) == 0
    assert "checked against rnnlab on 3 test clips" in capsys.readouterr().out
    trained = framelabel.APP.load(run)
    clips = trained.prepared().data.test.inputs
    x, lengths = video_batch(clips, "cpu")
    probs = run_onnx(tmp_path / "clips.onnx", {"frames": x, "lengths": lengths})["probs"]
    predicted = [row[:n].argmax(-1).tolist() for row, n in zip(probs, lengths.tolist())]
    assert predicted == label_videos(trained.model, clips)


def test_frame_labeller_on_features_exports(tmp_path):
    model = FrameLabeller(5, (12,), 8, make_stack("lstm", 8, 6, 2, 0.0, True)).eval()
    x, lengths = torch.randn(3, 9, 12), torch.tensor([9, 4, 1])
    path = save(frame_labeller(model), tmp_path / "features.onnx")
    got = run_onnx(path, {"features": x, "lengths": lengths})["logits"]
    with torch.no_grad():
        torch.testing.assert_close(got, model(x, lengths), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("changes", [{}, {"crf": True}, {"char_hidden": 0, "encoder": "gru"}, {"encoder": "none"}],
                         ids=["softmax-chars", "crf", "no-chars-gru", "no-encoder"])
def test_tagger_exports_its_scores(changes, tmp_path, capsys):
    run = tmp_path / "pos"
    tag.train(tag.TagConfig(generated_train=60, generated_validation=10, generated_test=10, hidden_size=8,
                            embedding_dim=8, char_dim=4, out=str(run), train=QUICK, **changes))
    assert main(["export", str(run), "--out", str(tmp_path / "pos.onnx")]) == 0
    side = json.loads((tmp_path / "pos.json").read_text())
    assert (side["crf"] is not None) == bool(changes.get("crf"))
    trained = tag.APP.load(run)
    sentences = [["the", "dog", "runs"], ["a", "big", "red", "car", "stops"]]
    inputs = tag_encoder(trained.meta).batch(sentences, "cpu")
    got = run_onnx(tmp_path / "pos.onnx", dict(zip(("words", "chars", "char_lengths", "lengths"), inputs)))
    with torch.no_grad():
        tags, _ = trained.model.predict(*inputs)
    if side["crf"] is None:
        assert [row[:n].argmax(-1).tolist() for row, n in zip(got["probs"], inputs[3].tolist())] == tags
    else:
        torch.testing.assert_close(got["emissions"], trained.model.emissions(*inputs).detach(), atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("changes", [{}, {"attention": "additive", "cell": "lstm"}, {"image_as": "input", "layers": 2},
                                     {"image_as": "input", "attention": "dot", "hidden_size": 8}],
                         ids=["state-gru", "attention-lstm", "input-2-layers", "input-dot"])
def test_captioner_exports_and_decodes_as_describe(changes, tmp_path, capsys):
    run = tmp_path / "pics"
    caption.train(caption.CaptionConfig(generated_train=40, generated_validation=4, generated_test=4, image_size=32,
                                        channels=(8,), embedding_dim=8, sheet=0, out=str(run),
                                        train=replace(QUICK, epochs=2), **{"hidden_size": 16, **changes}))
    assert main(["export", str(run), "--out", str(tmp_path / "pics.onnx")]) == 0
    assert "greedy decoding through them writes rnnlab's captions of 4 pictures" in capsys.readouterr().out
    side = json.loads((tmp_path / "pics.json").read_text())
    trained = caption.APP.load(run)
    files = []
    for k, picture in enumerate(trained.prepared().data.test.images[:3]):
        files.append(tmp_path / f"picture{k}.png")
        Image.fromarray(picture.permute(1, 2, 0).numpy()).save(files[-1])
    expected = caption.describe(trained, files)
    assert any(expected)
    for path, want in zip(files, expected):
        pixels = read_image(path, side["image_size"]).float().div(255).unsqueeze(0)
        assert onnx_greedy(tmp_path / "pics", side, {"images": pixels}, side["tokens"], 30) == want


@pytest.mark.parametrize("changes", [{}, {"encoder": "none"},
                                     {"encoder": "gru", "bidirectional": False, "skip": False, "time_pools": 1}],
                         ids=["bilstm", "no-recurrence", "causal-gru"])
def test_recognizer_exports_and_decodes_as_transcribe(changes, tmp_path, capsys):
    run = tmp_path / "lines"
    recognize.train(recognize.RecognizeConfig(sequences=(60, 8, 8), channels=(4, 8), frame_size=8, hidden_size=8,
                                              layers=1, sheet=0, out=str(run), train=QUICK, **changes))
    assert main(["export", str(run), "--out", str(tmp_path / "lines.onnx")]) == 0
    assert "best-path decoding writes rnnlab's transcripts on 4 inputs" in capsys.readouterr().out
    side = json.loads((tmp_path / "lines.json").read_text())
    trained = recognize.APP.load(run)
    inputs = [example.input for example in trained.prepared().data.test][:5]
    x, lengths = pad_inputs(inputs, "cpu")
    found = run_onnx(tmp_path / "lines.onnx", {"x": x, "lengths": lengths})
    got = []
    for row, n in zip(found["log_probs"], found["steps"].tolist()):
        path = row[:n].argmax(-1).tolist()
        ids = [s for k, s in enumerate(path) if s != side["blank"] and (k == 0 or s != path[k - 1])]
        got.append("".join(side["symbols"][s - 1] for s in ids))
    assert got == [t[0][0] for t in transcribe(trained.model, inputs, Alphabet(side["symbols"]))]


def test_export_errors_are_one_line(tmp_path, capsys, monkeypatch):
    run = tmp_path / "pics"
    caption.train(caption.CaptionConfig(generated_train=20, generated_validation=4, generated_test=4, image_size=32,
                                        channels=(8,), hidden_size=8, embedding_dim=4, sheet=0, out=str(run),
                                        train=QUICK))
    apps = [replace(app, export=None) if app.name == "caption" else app for app in registered()]
    monkeypatch.setattr("rnnlab.cli.export.registered", lambda: apps)  # an application without an export
    assert main(["export", str(run), "--out", str(tmp_path / "pics.onnx")]) == 2
    assert "the caption application has no ONNX export yet (these have: charlm, lm, sentiment, translate, " \
           "framelabel, tag, recognize)" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "nothing"), "--out", str(tmp_path / "x.onnx")]) == 2
    assert "not a readable rnnlab checkpoint" in capsys.readouterr().err


def test_an_export_never_writes_over_a_checkpoint(tmp_path, capsys):
    run = tmp_path / "run"
    sentiment.train(replace(BASE, out=str(run)))
    before = (run / "best.json").read_bytes()
    for out in ("best", "best.onnx"):  # beside best.onnx its JSON would be best.json, the run's checkpoint
        assert main(["export", str(run), "--out", str(run / out)]) == 2
        err = capsys.readouterr().err
        assert f"{run / 'best.json'} is a checkpoint, and exporting to {run / 'best.onnx'} would write over it" in err
    assert (run / "best.json").read_bytes() == before and not (run / "best.onnx").exists()
