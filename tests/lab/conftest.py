"""Tiny trained runs for the lab's tests: a language model and a sentiment classifier (trained once)."""

import pytest

from rnnlab.apps import caption, lm, framelabel, recognize, sentiment, tag, translate
from rnnlab.training import TrainConfig

QUICK = TrainConfig(epochs=1, progress=False, tensorboard=False, device="cpu")


@pytest.fixture(scope="session")
def runs_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs")
    lm.CHARLM.train(lm.CharLMConfig(words=2000, hidden_size=32, embedding_dim=8, samples=0,
                                     out=str(folder / "lm"), train=QUICK))
    sentiment.train(sentiment.SentimentConfig(embedding_dim=8, hidden_size=8, out=str(folder / "sent"), train=QUICK))
    translate.train(translate.TranslateConfig(generated_train=300, generated_validation=30, generated_test=30,
                                              embedding_dim=8, hidden_size=16, out=str(folder / "mt"), train=QUICK))
    tag.train(tag.TagConfig(generated_train=300, generated_validation=30, generated_test=30, out=str(folder / "pos"),
                            train=QUICK))
    recognize.train(recognize.RecognizeConfig(sequences=(40, 10, 12), channels=(8, 16), frame_size=32, hidden_size=16,
                                              layers=1, batch_size=8, sheet=2, out=str(folder / "ocr"), train=QUICK))
    framelabel.train(framelabel.FrameConfig(generated_train=12, generated_validation=4, generated_test=5,
                                            generated_frames=(16, 24), channels=(8,), hidden_size=16, frame_size=16,
                                            layers=1, timeline=2, out=str(folder / "clips"), train=QUICK))
    caption.train(caption.CaptionConfig(generated_train=40, generated_validation=8, generated_test=6, image_size=32,
                                        channels=(8, 16), hidden_size=16, embedding_dim=8, attention="additive",
                                        sheet=2, out=str(folder / "pics"), train=QUICK))
    return folder
