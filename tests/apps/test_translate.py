"""Machine translation: loaders, the generated pairs, splits, learning, the CLI, bad input."""

from collections import Counter
from dataclasses import replace

import pytest

from rnnlab.apps import translate
from rnnlab.apps.translate.data import load_parallel, read_parallel, read_tsv
from rnnlab.apps.translate.app import accuracy_by_kind
from rnnlab.apps.translate.generated import (BASE, DATE_SPELLINGS, NUMBER_SPELLINGS, date, generate_pairs,
                                             german_parts, number, spellings)
from rnnlab.cli.main import main
from rnnlab.data import BadRows, DataError
from rnnlab.data.text import tokenize
from rnnlab.training import TrainConfig

FAST = TrainConfig(epochs=1, progress=False, tensorboard=False, device="cpu")
PAIRS = [("Go.", "Va !"), ("Go.", "Marche."), ("Hi.", "Salut !"), ("Run!", "Cours !"), ("Run!", "Courez !"),
         ("I'm OK.", "Je vais bien."), ("Who?", "Qui ?"), ("Wow!", "Ça alors !"), ("Help!", "À l'aide !"),
         ("Stop!", "Arrête !"), ("Wait!", "Attends !"), ("Hello!", "Bonjour !")]


def config(**kw):
    return translate.TranslateConfig(**{"embedding_dim": 8, "hidden_size": 8, "train": FAST, **kw})


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tatoeba(tmp_path):
    lines = [f"{en}\t{fr}\tCC-BY 2.0 (France) Attribution: tatoeba.org #{k} (CK)" for k, (en, fr) in enumerate(PAIRS)]
    return write(tmp_path / "fra.txt", "\n".join(lines) + "\n")


def test_tatoeba_tsv_groups_translations_and_keeps_them_on_one_side(tatoeba):
    pairs = read_tsv(tatoeba, BadRows(False))
    assert pairs[0] == ("Go.", "Va !") and len(pairs) == len(PAIRS)
    assert read_tsv(tatoeba, BadRows(False), reverse=True)[0] == ("Va !", "Go.")
    for seed in range(5):
        corpus = load_parallel(config(data=str(tatoeba), validation=2, test=2, split_seed=seed))
        sides = [{g.source for g in split} for split in (corpus.train, corpus.validation, corpus.test)]
        assert not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])
        every = {g.source: g.targets for split in (corpus.train, corpus.validation, corpus.test) for g in split}
        assert every[("go", ".")] == (("va", "!"), ("marche", "."))  # both translations of "Go." together
        assert sum(len(g.targets) for split in (corpus.train, corpus.validation, corpus.test) for g in split) == 12


def test_aligned_files_and_the_length_filter(tmp_path):
    src = write(tmp_path / "train.en", "a man rides a horse .\ntwo dogs play\nthe end\n")
    tgt = write(tmp_path / "train.de", "ein mann reitet ein pferd .\nzwei hunde spielen\ndas ende\n")
    assert read_parallel(src, tgt, BadRows(False))[1] == ("two dogs play", "zwei hunde spielen")
    lines = "".join(f"w{k} " * (k % 14 + 1) + "\n" for k in range(60))
    long_src, long_tgt = write(tmp_path / "l.en", lines), write(tmp_path / "l.de", lines)
    corpus = load_parallel(config(data=str(long_src), target_data=str(long_tgt), max_words=10, validation=3, test=3))
    assert corpus.skipped == {"longer than 10 words": sum(1 for k in range(60) if k % 14 + 1 > 10)}
    assert max(len(g.source) for g in corpus.train) <= 10


@pytest.mark.parametrize("files, message", [
    (("a\nb\nc\n", "x\ny\n"), "has 3 lines but .* has 2; aligned files need one translation a line"),
    (("a\n\nc\n", "x\ny\nz\n"), r"train.en, line 2: the line is empty"),
])
def test_bad_aligned_files(tmp_path, files, message):
    src, tgt = write(tmp_path / "train.en", files[0]), write(tmp_path / "train.de", files[1])
    with pytest.raises(DataError, match=message):
        read_parallel(src, tgt, BadRows(False))
    if "empty" in message:
        rows = BadRows(True)
        assert len(read_parallel(src, tgt, rows)) == 2 and rows.skipped == {"the line is empty": 1}


def test_bad_tsv_lines(tmp_path):
    bad = write(tmp_path / "p.tsv", "Go.\tVa !\nno tab here\n")
    with pytest.raises(DataError, match=r"p.tsv, line 2: expected 'source<TAB>target'"):
        read_tsv(bad, BadRows(False))
    assert len(read_tsv(bad, BadRows(True))) == 1


def test_generated_pairs_follow_num2words_and_hold_out_numbers():
    assert number(71, "en-fr") == ("seventy one", "soixante et onze")
    assert number(71, "en-fr", "twenty-one") == ("seventy-one", "soixante et onze")
    assert number(21, "en-de") == ("twenty one", "ein und zwanzig")  # the units first
    assert number(0, "en-de", "seven") == ("zero", "null")
    assert german_parts("dreihundertvierundfünfzig") == "drei hundert vier und fünfzig"
    assert date(2, 21, "en-fr") == ("march twenty first", "le vingt et un mars")
    assert date(0, 1, "en-de") == ("january first", "der erste januar")
    train, validation, test = generate_pairs("en-de", 800, 100, 200, seed=1)
    assert generate_pairs("en-de", 800, 100, 200, seed=1)[2] == test
    numbers = lambda split: {int_of[s] for s, t, kind, _ in split if kind != "date"}  # noqa: E731
    int_of = {number(n, "en-de", s)[0]: n for n in range(10000) for s in spellings(n)}
    held_out = numbers(test) - BASE
    assert held_out and not numbers(train) & held_out and not numbers(validation) & held_out
    assert not (numbers(validation) - BASE) & numbers(train)
    days = lambda split: {t for s, t, kind, _ in split if kind == "date"}  # noqa: E731
    assert not days(train) & days(test) and not days(validation) & days(train)


@pytest.mark.parametrize("pair", ["en-fr", "en-de"])
def test_generated_pairs_cover_every_magnitude_and_the_usual_spellings(pair):
    train, _, test = generate_pairs(pair, 6000, 100, 1000, seed=0)
    for split in (train, test):  # small numbers as often as large ones; a fifth dates
        assert set(Counter(kind for *_, kind, _ in split).values()) == {len(split) // 5}
    assert {spelling for *_, spelling in train} == set(NUMBER_SPELLINGS + DATE_SPELLINGS)
    assert number(1121, pair, "a hundred")[0] == "a thousand, one hundred and twenty-one"
    assert number(105, pair, "one hundred twenty-one")[0] == "one hundred five"
    assert spellings(7) == ["seven"] and spellings(100) == ["twenty-one", "a hundred"]
    assert [date(2, 3, pair, s)[0] for s in DATE_SPELLINGS] == [
        "march third", "march third", "march 3rd", "march 3", "the third of march", "the 3rd of march"]
    # what a user types is read as the training pairs were: every word of these is a training word
    words = {w for s, *_ in train for w in tokenize(s)}
    for typed in ("twenty-one", "twenty one", "forty-two", "a hundred", "one hundred and five", "march 3rd",
                  "the third of march", "March 3", "nine thousand, nine hundred and ninety-nine"):
        assert set(tokenize(typed)) <= words, typed


def test_accuracy_by_kind_counts_each_test_sentence_once():
    corpus = load_parallel(config(generated_train=100, generated_validation=10, generated_test=50))
    outputs = [" ".join(g.targets[0]) for g in corpus.test]
    wrong = next(k for k, g in enumerate(corpus.test) if corpus.kinds[g.source][0] == "date")
    outputs[wrong] = "le trente"
    found = accuracy_by_kind(corpus, outputs)
    dates = found["by magnitude"]["date"]
    assert dates["sentences"] == sum(corpus.kinds[g.source][0] == "date" for g in corpus.test)
    assert dates["accuracy"] == pytest.approx(1 - 1 / dates["sentences"])
    assert all(row["accuracy"] == 1.0 for kind, row in found["by magnitude"].items() if kind != "date")
    assert sum(row["sentences"] for row in found["by spelling"].values()) == len(corpus.test)


def test_learns_held_out_numbers_and_beats_the_baselines(tmp_path):
    small = dict(generated_train=1500, generated_validation=100, generated_test=200, embedding_dim=32, hidden_size=64,
                 batch_size=32, out=str(tmp_path / "run"),
                 train=TrainConfig(epochs=10, lr=5e-3, progress=False, tensorboard=False, device="cpu",
                                   monitor="bleu", monitor_mode="max"))
    result = translate.train(translate.TranslateConfig(**small))
    assert result.test["bleu"] > 60 and result.test["exact_match"] > 0.3
    by_magnitude = result.held_out["by magnitude"]
    assert set(by_magnitude) == {"0-9", "10-99", "100-999", "1000-9999", "date"}
    assert by_magnitude["0-9"]["accuracy"] == 1.0 and set(result.held_out["by spelling"]) >= set(DATE_SPELLINGS)
    base = translate.baselines(load_parallel(translate.TranslateConfig(**small)))
    assert result.test["bleu"] > base["bleu_copy_source"] + 40 and result.test["bleu"] > base["bleu_constant_output"] + 40


def test_cli_train_eval_translate_and_attention_plot(tatoeba, tmp_path, capsys, caplog):
    run = tmp_path / "run"
    assert main(["translate", "train", "--data", str(tatoeba), "--validation", "2", "--test", "2", "--out", str(run),
                 "--embedding-dim", "8", "--hidden-size", "8", "--epochs", "2", "--quiet", "--no-tensorboard",
                 "--device", "cpu"]) == 0
    assert "bleu" in capsys.readouterr().out
    assert main(["translate", "eval", str(run), "--beam", "2"]) == 0
    assert "bleu copy source" in capsys.readouterr().out
    picture = tmp_path / "att.png"
    assert main(["translate", "translate", str(run), "Go, zorblax!", "--beam", "3", "--n-best", "2",
                 "--plot-attention", str(picture)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Go, zorblax!" and len([line for line in out if line.startswith("  ")]) == 2
    translator = translate.load(run)
    [found] = translate.translate(translator, ["Go, zorblax!"], beam=3, n_best=2)
    assert "<unk>" in found.source  # the unknown word, not a crash
    assert "words the model never saw (read as <unk>): " in caplog.text and "'zorblax'" in caplog.text  # and said
    if found.outputs[0]:
        assert picture.exists()
    assert main(["translate", "translate", str(run), "  "]) == 2
    assert "text 1 is empty" in capsys.readouterr().err
    assert main(["translate", "translate", str(run), "Go.", "--beam", "0"]) == 2
    assert "beam must be at least 1; received 0" in capsys.readouterr().err
    assert main(["translate", "translate", str(run), "Go.", "--beam", "1000000000"]) == 2  # refused, not allocated
    assert "beam must be from 1 to " in capsys.readouterr().err
    assert main(["translate", "translate", str(run), "Go.", "--beam", "2", "--alpha", "-716"]) == 2
    assert "alpha (the length penalty) must be from 0 to 10; received -716.0" in capsys.readouterr().err
    assert main(["translate", "translate", str(run), "Go.", "--plot-attention", str(tmp_path / "no" / "a.png")]) == 2
    assert capsys.readouterr().err.strip().endswith(f"{tmp_path / 'no' / 'a.png'}: no such file or directory")


def test_cli_bad_input_is_one_line(tmp_path, capsys):
    src, tgt = write(tmp_path / "a.en", "a\nb\nc\n"), write(tmp_path / "a.fr", "x\ny\n")
    assert main(["translate", "train", "--data", str(src), "--target-data", str(tgt), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "has 3 lines but" in err
    assert main(["translate", "train", "--data", str(tmp_path / "none.tsv"), "--quiet"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["translate", "translate", str(tmp_path / "no-run"), "hello"]) == 2
    assert not (tmp_path / "runs").exists()


def test_resume_continues_the_run(tmp_path):
    base = config(generated_train=200, generated_validation=20, generated_test=20, out=str(tmp_path / "a"),
                  train=replace(FAST, epochs=2))
    whole = translate.train(base)
    translate.train(replace(base, out=str(tmp_path / "b"), train=replace(base.train, max_steps=3)))
    resumed = translate.resume(tmp_path / "b", progress=False)
    assert resumed.test == whole.test


def test_published_validation_and_test_splits(tmp_path, capsys):
    """Multi30k-style: train/val/test files as published, aligned .de/.en pairs, used as they are."""
    def pair(name, n, words=3):
        (tmp_path / f"{name}.de").write_text("".join(f"{'ein ' * words}haus {k}\n" for k in range(n)), encoding="utf-8")
        (tmp_path / f"{name}.en").write_text("".join(f"{'a ' * words}house {k}\n" for k in range(n)), encoding="utf-8")
        return str(tmp_path / f"{name}.de"), str(tmp_path / f"{name}.en")
    train, val, test = pair("train", 40), pair("val", 7), pair("test_2016_flickr", 9, words=12)  # long: kept whole
    config = translate.TranslateConfig(data=train[0], target_data=train[1], validation_data=val[0],
                                       validation_target_data=val[1], test_data=test[0], test_target_data=test[1])
    corpus = load_parallel(config)
    assert (len(corpus.train), len(corpus.validation), len(corpus.test)) == (40, 7, 9)
    assert "test: " in corpus.source and "val.de" in corpus.source
    only_test = load_parallel(translate.TranslateConfig(data=train[0], target_data=train[1], test_data=test[0],
                                                        test_target_data=test[1], validation=5))
    assert (len(only_test.train), len(only_test.validation), len(only_test.test)) == (35, 5, 9)
    with pytest.raises(ValueError, match="--validation-target-data needs --validation-data"):
        load_parallel(translate.TranslateConfig(data=train[0], target_data=train[1], validation_target_data=val[1]))
    with pytest.raises(ValueError, match="aligned files need the translations beside"):
        load_parallel(translate.TranslateConfig(data=train[0], target_data=train[1], test_data=test[0]))
    with pytest.raises(ValueError, match="go with --data"):
        load_parallel(translate.TranslateConfig(test_data=test[0], test_target_data=test[1]))
    run = tmp_path / "run"
    assert main(["translate", "train", "--data", train[0], "--target-data", train[1], "--validation-data", val[0],
                 "--validation-target-data", val[1], "--test-data", test[0], "--test-target-data", test[1],
                 "--out", str(run), "--embedding-dim", "4", "--hidden-size", "4", "--epochs", "1", "--quiet",
                 "--no-tensorboard"]) == 0
    assert "bleu" in capsys.readouterr().out
