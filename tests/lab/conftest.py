"""Tiny trained runs for the lab's tests: a language model and a sentiment classifier (trained once)."""

import pytest

from rnnlab.apps import charlm, sentiment, tag, translate
from rnnlab.training import TrainConfig

QUICK = TrainConfig(epochs=1, progress=False, tensorboard=False, device="cpu")


@pytest.fixture(scope="session")
def runs_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs")
    charlm.train(charlm.CharLMConfig(words=2000, hidden_size=32, embedding_dim=8, samples=0,
                                     out=str(folder / "lm"), train=QUICK))
    sentiment.train(sentiment.SentimentConfig(embedding_dim=8, hidden_size=8, out=str(folder / "sent"), train=QUICK))
    translate.train(translate.TranslateConfig(generated_train=300, generated_validation=30, generated_test=30,
                                              embedding_dim=8, hidden_size=16, out=str(folder / "mt"), train=QUICK))
    tag.train(tag.TagConfig(generated_train=300, generated_validation=30, generated_test=30, out=str(folder / "pos"),
                            train=QUICK))
    return folder
