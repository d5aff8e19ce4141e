"""Starting tasks from language models (--init-from, --init-from-backward), lm train --reverse and --init-from,
and ULMFiT's discriminative rates, gradual unfreezing and slanted triangular schedule."""

import random
from dataclasses import replace

import pytest
import torch

from rnnlab.apps import lm, sentiment, tag, translate
from rnnlab.cli.main import main
from rnnlab.data import Vocabulary
from rnnlab.training import TrainConfig, fit
from rnnlab.training.fit import _Trainer
from rnnlab.training.optim import build_schedule, discriminative, layer_groups, slanted_triangular
from toy import CountingTask, toy_model

QUICK = TrainConfig(epochs=1, progress=False, tensorboard=False, device="cpu")
WORDS = ("the film was good bad great awful not very and but a plot actor movie story fine dull long short "
         "funny boring it is".split())


def text(n, seed):
    rng = random.Random(seed)
    return "\n".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12))) for _ in range(n)) + "\n"


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A forward and a backward 2-layer LSTM language model over words (a few steps: the weights only need to
    be some)."""
    folder = tmp_path_factory.mktemp("lms")
    (folder / "text.txt").write_text(text(300, 0), encoding="utf-8")
    runs = {}
    for direction in ("forward", "backward"):
        config = lm.LMConfig(data=str(folder / "text.txt"), reverse=direction == "backward", layers=2,
                             hidden_size=8, embedding_dim=6 if direction == "forward" else 4, softmax="full",
                             min_freq=1, max_vocab=None, samples=0, batch_size=4, bptt=10,
                             out=str(folder / direction), train=QUICK)
        lm.APP.train(config)
        runs[direction] = folder / direction
    return runs


def lm_model(run):
    return lm.APP.load(run)


def sentiment_config(**kw):
    return sentiment.SentimentConfig(**{"encoder": "lstm", "layers": 2, "hidden_size": 8, "train": QUICK, **kw})


def started(app, config):
    prepared = app.prepare(config, None)
    model = app.build_model(config, prepared.meta)
    prepared.initialize(model)
    return model.eval(), prepared


def test_a_task_word_takes_the_language_models_row_side_by_side(models):
    model, prepared = started(sentiment.APP, sentiment_config(init_from=str(models["forward"]),
                                                               init_from_backward=str(models["backward"])))
    fwd, bwd = lm_model(models["forward"]), lm_model(models["backward"])
    vocab = prepared.data["vocab"]
    fv, bv = (Vocabulary.from_json(m.meta["vocab"]) for m in (fwd, bwd))
    shared = [w for w in vocab.tokens if w in fv and w in bv and not w.startswith("<")]
    assert len(shared) > 10
    E = model.input.weight
    assert E.shape[1] == 6 + 4
    for w in shared:
        assert torch.equal(E[vocab.id(w), :6], fwd.model.input.weight[fv.id(w)])
        assert torch.equal(E[vocab.id(w), 6:], bwd.model.input.weight[bv.id(w)])
    assert torch.equal(E[vocab.id("<unk>"), :6], fwd.model.input.weight[fv.id("<unk>")])
    assert not E[vocab.pad_id].any()
    assert prepared.meta["embedding_dim"] == 10
    # a word only the language model read is in the task's vocabulary too, with its row
    only_lm = [w for w in fv.tokens if not w.startswith("<") and w not in prepared.meta["vocab"][:prepared.meta[
        "training_words"]]]
    for w in only_lm:
        assert torch.equal(E[vocab.id(w), :6], fwd.model.input.weight[fv.id(w)])


def reversed_rows(x, lengths):
    """Each row's valid steps in reverse order (padding stays at the end)."""
    out = x.clone()
    for b, n in enumerate(lengths.tolist()):
        out[b, :n] = x[b, :n].flip(0)
    return out


def test_the_started_encoder_computes_both_language_models_layers(models):
    model, prepared = started(sentiment.APP, sentiment_config(init_from=str(models["forward"]),
                                                               init_from_backward=str(models["backward"])))
    fwd, bwd = lm_model(models["forward"]).model.eval(), lm_model(models["backward"]).model.eval()
    vocab = prepared.data["vocab"]
    lm_vocab = Vocabulary.from_json(lm_model(models["forward"]).meta["vocab"])
    sentences = [["the", "film", "was", "not", "good", "and", "dull"], ["a", "great", "movie"],
                 ["it", "is", "fine", "but", "long"]]
    lengths = torch.tensor([len(s) for s in sentences])
    T = int(lengths.max())
    task_ids = torch.tensor([vocab.encode(s) + [vocab.pad_id] * (T - len(s)) for s in sentences])
    lm_ids = torch.tensor([lm_vocab.encode(s) + [0] * (T - len(s)) for s in sentences])
    with torch.no_grad():
        h, _ = model.encoder(model.input(task_ids), None, lengths)  # (B, T, 2H)
        want_f, _ = fwd.rnn(fwd.input(lm_ids), None, lengths)
        want_b, _ = bwd.rnn(bwd.input(reversed_rows(lm_ids, lengths)), None, lengths)
    want_b = reversed_rows(want_b, lengths)
    for b, n in enumerate(lengths.tolist()):
        torch.testing.assert_close(h[b, :n, :8], want_f[b, :n], rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(h[b, :n, 8:], want_b[b, :n], rtol=1e-5, atol=1e-6)


def test_a_tagger_starts_from_the_language_model_whatever_its_character_features(models):
    config = tag.TagConfig(encoder="lstm", layers=2, hidden_size=8, init_from=str(models["forward"]), train=QUICK)
    model, prepared = started(tag.APP, config)
    fwd = lm_model(models["forward"]).model.eval()
    words = tag.app.encoder_of(prepared.meta).words
    lm_vocab = Vocabulary.from_json(lm_model(models["forward"]).meta["vocab"])
    sentence = ["the", "film", "was", "good"]
    with torch.no_grad():
        x = model.input(torch.tensor([words.encode(sentence)]))
        chars = torch.randn(1, 4, model.chars.output_size)  # the character features do not move the forward half
        h, _ = model.encoder(torch.cat([x, chars], -1), None, torch.tensor([4]))
        want, _ = fwd.rnn(fwd.input(torch.tensor([lm_vocab.encode(sentence)])), None, torch.tensor([4]))
    torch.testing.assert_close(h[..., :8], want, rtol=1e-5, atol=1e-6)
    # the training words are what "unseen" is measured against, not the language model's
    assert tag.app.encoder_of(prepared.meta).known == set(words.tokens[:prepared.meta["training_words"]])


def test_a_translation_encoder_starts_from_both_language_models_and_the_decoder_fresh(models, tmp_path, capsys):
    pairs = tmp_path / "pairs.tsv"  # English sources (the language models' words), made-up targets
    pairs.write_text("".join(f"{line}\t{' '.join(w.upper() for w in reversed(line.split()))}\n"
                             for line in text(200, 1).splitlines()), encoding="utf-8")
    config = translate.TranslateConfig(data=str(pairs), encoder_cell="lstm", layers=2, hidden_size=8,
                                       validation=20, test=20, init_from=str(models["forward"]),
                                       init_from_backward=str(models["backward"]), train=QUICK)
    model, prepared = started(translate.APP, config)
    fwd, bwd = lm_model(models["forward"]).model.eval(), lm_model(models["backward"]).model.eval()
    source = prepared.data["vocabs"][0]
    lm_vocab = Vocabulary.from_json(lm_model(models["forward"]).meta["vocab"])
    sentence = ["the", "plot", "was", "not", "funny"]
    assert model.source_embed.embedding_dim == 10 == prepared.meta["embedding_dim"]
    n = torch.tensor([len(sentence)])
    with torch.no_grad():
        h, _ = model.encoder(model.source_embed(torch.tensor([source.encode(sentence)])), None, n)
        ids = torch.tensor([lm_vocab.encode(sentence)])
        want_f, _ = fwd.rnn(fwd.input(ids), None, n)
        want_b, _ = bwd.rnn(bwd.input(ids.flip(1)), None, n)
    torch.testing.assert_close(h[..., :8], want_f, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(h[..., 8:], want_b.flip(1), rtol=1e-5, atol=1e-6)
    assert "started from" in prepared.started_from
    groups = layer_groups(model)  # ULMFiT's: the source embedding, each encoder layer, the decoder as the head
    assert len(groups) == 4 and groups[0] == [model.source_embed.weight]
    assert {id(p) for p in model.decoder.parameters()} <= {id(p) for p in groups[-1]}
    # the run trains, saves and comes back with the started embedding's size
    trained = translate.APP.train(replace(config, out=str(tmp_path / "mt")))
    assert translate.APP.load(tmp_path / "mt").model.source_embed.embedding_dim == 10
    assert "started from" in trained.summary["started_from"]
    # the cell that does not match is named by the translator's own option
    assert main(["translate", "train", "--data", str(pairs), "--init-from", str(models["forward"]), "--layers", "2",
                 "--hidden-size", "8", "--quiet", "--out", str(tmp_path / "gru")]) == 2
    assert "give --encoder-cell lstm" in capsys.readouterr().err


def test_lm_reverse_reads_the_same_text_right_to_left(models):
    forward = lm.LMConfig(data=str(models["forward"].parent / "text.txt"), min_freq=1, max_vocab=None,
                          softmax="full", train=QUICK)
    a = lm.APP.prepare(forward, None).data
    b = lm.APP.prepare(lm.LMConfig(**{**forward.to_json(), "train": QUICK, "reverse": True}), None).data
    for split in ("train", "validation", "test"):
        assert torch.equal(getattr(a, split).flip(0), getattr(b, split))
    trained = lm.APP.load(models["backward"])
    sample = lm.app.run_sample(trained, lm.app.SampleOptions(n=2, prefix="the film", words=5))
    assert all(line.endswith("the film") for line in sample.splitlines() if line)


def test_lm_init_from_keeps_the_vocabulary_and_every_weight(models, tmp_path):
    (tmp_path / "task.txt").write_text(text(50, 7) + "zebra quagga\n", encoding="utf-8")
    source = lm_model(models["forward"])
    config = lm.LMConfig(**{**source.config.to_json(), "train": QUICK, "data": str(tmp_path / "task.txt"),
                            "init_from": str(models["forward"]), "out": None})
    model, prepared = started(lm.APP, config)
    assert prepared.meta["vocab"] == source.meta["vocab"]  # zebra and quagga read as <unk>
    for name, tensor in source.model.state_dict().items():
        assert torch.equal(model.state_dict()[name], tensor), name
    with pytest.raises(ValueError, match="hidden size 16; give --hidden-size 8"):
        lm.APP.prepare(lm.LMConfig(**{**config.to_json(), "train": QUICK, "hidden_size": 16}), None)


@pytest.mark.parametrize("args, message", [
    (["--init-from", "{missing}"], "--init-from {missing}: {missing}: no such checkpoint"),
    (["--init-from", "{sentiment}"], "a run of rnnlab sentiment, not a language model"),
    (["--init-from", "{charlm}"], "a character-level language model"),
    (["--init-from", "{backward}"], "a backward language model (trained with --reverse) where a forward one"),
    (["--init-from", "{forward}", "--init-from-backward", "{forward}"], "a forward language model (trained "
                                                                        "without --reverse) where a backward one"),
    (["--init-from-backward", "{backward}"], "--init-from-backward needs --init-from"),
    (["--init-from", "{forward}", "--embedding-dim", "32"], "gives 6-dimensional word vectors, but "
                                                            "--embedding-dim is 32"),
    (["--init-from", "{forward}", "--layers", "1"], "this run asks for layers 1; give --layers 2"),
    (["--init-from", "{forward}", "--encoder", "gru"], "give --encoder lstm"),
    (["--init-from", "{forward}", "--vectors", "v.txt"], "give --vectors or --init-from, not both"),
])
def test_bad_starting_points_are_one_line_each(models, tmp_path, capsys, args, message):
    charlm = tmp_path / "charlm"
    paths = {"missing": str(tmp_path / "nowhere"), "forward": str(models["forward"]),
             "backward": str(models["backward"]), "sentiment": str(tmp_path / "sent"), "charlm": str(charlm)}
    if "{sentiment}" in args:
        sentiment.APP.train(sentiment_config(layers=1, generated_train=64, generated_validation=16,
                                             generated_test=16, out=paths["sentiment"]))
    if "{charlm}" in args:
        lm.CHARLM.train(lm.CharLMConfig(words=200, hidden_size=8, embedding_dim=4, samples=0, out=str(charlm),
                                        train=QUICK))
    argv = ["sentiment", "train", "--layers", "2", "--hidden-size", "8", "--out", str(tmp_path / "run"), "--quiet",
            "--generated-train", "64"] + [a.format(**paths) for a in args]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert message.format(**paths) in err[-1] and len([e for e in err if "error" in e]) == 1
    assert not (tmp_path / "run").exists()


def test_discriminative_rates_fall_by_the_factor_from_the_head_down(tmp_path):
    model = toy_model()
    groups = layer_groups(model)
    assert len(groups) == 4  # embedding, layer 0, layer 1, head
    assert sum(len(g) for g in groups) == len(list(model.parameters()))
    config = TrainConfig(epochs=1, lr=0.01, discriminative=2.6, **dict(progress=False, tensorboard=False,
                                                                        device="cpu"))
    trainer = _Trainer(model, CountingTask(), config, tmp_path, {"app": "toy"})
    rates = [g["lr"] for g in trainer.optimizer.param_groups]
    assert rates == pytest.approx([0.01 / 2.6 ** 3, 0.01 / 2.6 ** 2, 0.01 / 2.6, 0.01])
    assert discriminative(groups, 1.0, 1.0)[0]["lr"] == 1.0
    with pytest.raises(ValueError, match="at least 1"):
        TrainConfig(discriminative=0.5)


@pytest.mark.parametrize("epochs", [1, 2, 4])
def test_gradual_unfreezing_trains_one_more_group_each_epoch(tmp_path, epochs):
    before = [[p.detach().clone() for p in g] for g in layer_groups(toy_model())]
    config = TrainConfig(epochs=epochs, lr=0.01, gradual_unfreezing=True, progress=False, tensorboard=False,
                         device="cpu")
    model = fit(toy_model(), CountingTask(), config, tmp_path, {"app": "toy"}, test=False).model
    after = layer_groups(model)
    changed = [any(not torch.equal(a, b) for a, b in zip(ga, gb)) for ga, gb in zip(after, before)]
    assert changed == [k >= 4 - epochs for k in range(4)]
    assert all(p.requires_grad for p in model.parameters())  # unfrozen again at the end


def test_the_slanted_triangular_rate_climbs_for_a_tenth_then_falls():
    T = 1000
    f = [slanted_triangular(t, T) for t in range(T)]
    assert f[0] == pytest.approx(1 / 32)
    assert max(f) == pytest.approx(1.0) and f.index(max(f)) == 100
    assert all(a < b for a, b in zip(f[:100], f[1:101]))  # a straight climb
    assert all(a > b for a, b in zip(f[100:-1], f[101:]))  # a long straight fall
    assert f[-1] == pytest.approx(1 / 32, abs=0.002)
    steps = torch.tensor(f[1:100]) - torch.tensor(f[:99])
    assert torch.allclose(steps, steps[0].expand_as(steps))
    optimizer = torch.optim.SGD(toy_model().parameters(), lr=0.5)
    schedule = build_schedule(optimizer, "stlr", T)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.5 / 32)
    for _ in range(100):
        optimizer.step()
        schedule.step()
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.5)
