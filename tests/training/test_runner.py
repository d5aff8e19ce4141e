"""The runner: where a run writes, and an application declared outside rnnlab that gets the whole command line."""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import torch
from toy import CountingTask

from rnnlab.cli.main import main
from rnnlab.models import LanguageModel
from rnnlab.training import TrainConfig
from rnnlab.training.options import Config, option
from rnnlab.training.checkpoint import CheckpointError
from rnnlab.training.runner import App, Prepared, Verb, evaluate, rnnlab_version, run_folder


def test_a_run_writes_where_it_is_told_or_in_a_dated_folder():
    assert run_folder("here/run", "caption") == Path("here/run")
    default = run_folder(None, "framelabel")
    assert default.parent == Path("runs") and re.fullmatch(r"framelabel-\d{8}-\d{6}", default.name)


# --- a tiny application: "count up modulo V", declared in a dozen lines --------------------------


@dataclass(frozen=True)
class CountConfig(Config):
    modulo: int = option(7, "count modulo this", group="data")
    hidden_size: int = option(16, "hidden units", group="model")
    out: str | None = option(None, "run folder")
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=3, lr=0.02))

    def __post_init__(self) -> None:
        self.check_at_least(("modulo",), 2)


@dataclass(frozen=True)
class NextOptions(Config):
    numbers: tuple[str, ...] = option((), "numbers counted so far", positional=True, metavar="N")


def run_next(trained, options: NextOptions) -> str:
    logits, _ = trained.model(torch.tensor([[int(n) for n in options.numbers]]))
    return str(int(logits[0, -1].argmax()))


COUNT = App(
    name="count", help="count up modulo V", config=CountConfig,
    prepare=lambda config, meta: Prepared(None, meta or {"V": config.modulo}, "generated counts"),
    build_model=lambda config, meta: LanguageModel(meta["V"], 8, "gru", config.hidden_size),
    task=lambda config, prepared: CountingTask(V=config.modulo),
    verbs=(Verb("eval", "loss on the test split", evaluate), Verb("next", "the next number", run_next, NextOptions)))


def test_an_application_declared_outside_gets_train_resume_eval_and_its_verbs(tmp_path, capsys):
    quiet = ["--quiet", "--no-tensorboard", "--device", "cpu"]
    with pytest.raises(SystemExit):
        main(["--help"], apps=[COUNT])
    assert "count up modulo V" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["count", "train", "--help"], apps=[COUNT])
    help_text = capsys.readouterr().out
    assert "count modulo this (default 7)" in help_text and "--epochs" in help_text
    assert main(["count", "train", "--out", str(tmp_path / "whole"), *quiet], apps=[COUNT]) == 0
    assert main(["count", "train", "--out", str(tmp_path / "cut"), "--max-steps", "5", *quiet], apps=[COUNT]) == 0
    assert "stopped at the step limit" in capsys.readouterr().out
    assert main(["count", "next", str(tmp_path / "cut"), "2"], apps=[COUNT]) == 2  # before its first validation
    assert capsys.readouterr().err.strip() == (
        f"rnnlab count next: error: {tmp_path / 'cut'}: no trained model yet (no best.json): the run stopped before "
        f"its first validation; continue it with rnnlab count train --out {tmp_path / 'cut'} --resume")
    assert main(["count", "train", "--out", str(tmp_path / "cut"), "--resume", "--quiet"], apps=[COUNT]) == 0
    summaries = [json.loads((tmp_path / run / "summary.json").read_text()) for run in ("whole", "cut")]
    assert summaries[0]["test"] == summaries[1]["test"] and summaries[0]["test"]["loss"] < 1.0
    assert (tmp_path / "cut" / "curves.png").exists()
    capsys.readouterr()
    assert main(["count", "eval", str(tmp_path / "whole")], apps=[COUNT]) == 0
    assert f"{summaries[0]['test']['loss']:.4f}" in capsys.readouterr().out
    assert main(["count", "next", str(tmp_path / "whole"), "2", "3", "4"], apps=[COUNT]) == 0
    assert capsys.readouterr().out.strip() == "5"
    assert main(["count", "train", "--modulo", "1", *quiet], apps=[COUNT]) == 2
    assert capsys.readouterr().err.strip() == "rnnlab count train: error: modulo must be at least 2; received 1"


def test_checkpoints_of_the_earlier_layout_load_and_a_foreign_one_names_the_versions(tmp_path):
    run = tmp_path / "run"
    assert main(["count", "train", "--out", str(run), "--epochs", "1", "--quiet", "--no-tensorboard"],
                apps=[COUNT]) == 0
    record = json.loads((run / "best.json").read_text())
    assert record["rnnlab"] == rnnlab_version()
    earlier = {k: v for k, v in record.items() if k != "rnnlab"}  # rnnlab 0.1 wrote no version, and TrainConfig twice
    (run / "best.json").write_text(json.dumps({**earlier, "train_config": record["config"]["train"]}))
    assert COUNT.load(run).config == CountConfig(out=str(run), train=TrainConfig(epochs=1, lr=0.02, progress=False,
                                                                                 tensorboard=False))
    (run / "best.json").write_text(json.dumps({**record, "rnnlab": "9.9", "config": {**record["config"], "new": 1}}))
    with pytest.raises(CheckpointError, match=r"unknown CountConfig fields: new\); it was written by rnnlab 9.9, "
                                              r"this is rnnlab"):
        COUNT.load(run)
