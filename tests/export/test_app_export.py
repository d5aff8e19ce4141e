"""``rnnlab export RUN``: a trained application model as ONNX, equal in onnxruntime to the application's predict."""

import json
from dataclasses import replace

import pytest
import torch

pytest.importorskip("onnxruntime")

from rnnlab.apps import charlm, sentiment  # noqa: E402
from rnnlab.cli.main import main  # noqa: E402
from rnnlab.data import pad_batch  # noqa: E402
from rnnlab.data.text import tokenize  # noqa: E402
from rnnlab.export import run_onnx  # noqa: E402
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


def test_export_errors_are_one_line(tmp_path, capsys):
    run = tmp_path / "lm"
    charlm.train(charlm.CharLMConfig(words=300, hidden_size=8, embedding_dim=4, samples=0, out=str(run), train=QUICK))
    assert main(["export", str(run), "--out", str(tmp_path / "lm.onnx")]) == 2
    assert "the charlm application has no ONNX export yet (these have: sentiment)" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "nothing"), "--out", str(tmp_path / "x.onnx")]) == 2
    assert "not a readable rnnlab checkpoint" in capsys.readouterr().err
