"""The experiments: the synthetic tasks give the right targets; each quick run writes its report and plots."""

import re

import pytest
import torch

from rnnlab.cli.main import main
from rnnlab.experiments import EXPERIMENTS
from rnnlab.experiments.synthetic import adding_problem, copy_task, delayed_echo


def test_the_adding_problem_sums_the_two_marked_values():
    x, y = adding_problem(50, 12, torch.Generator().manual_seed(0))
    assert x.shape == (50, 12, 2) and y.shape == (50,)
    for row, target in zip(x, y):
        marked = row[:, 1].nonzero().flatten().tolist()
        assert len(marked) == 2 and marked[0] < 6 <= marked[1]
        assert float(row[marked, 0].sum()) == pytest.approx(float(target))
    with pytest.raises(ValueError, match="T >= 2"):
        adding_problem(1, 1, torch.Generator())


def test_the_copy_task_repeats_the_symbols_after_the_delimiter():
    x, y = copy_task(20, 7, torch.Generator().manual_seed(0), symbols=8, length=5)
    assert x.shape == y.shape == (20, 17)
    assert (y[:, -5:] == x[:, :5]).all() and (y[:, :-5] == 0).all()
    assert ((x[:, :5] >= 1) & (x[:, :5] <= 8)).all()
    assert (x[:, 12] == 9).all() and (x[:, 5:12] == 0).all() and (x[:, 13:] == 0).all()


def test_the_delayed_echo_is_the_input_shifted():
    x, y = delayed_echo(4, 30, 6, torch.Generator().manual_seed(0))
    assert (y[:, 6:] == x[:, :-6]).all() and (y[:, :6] == -100).all()


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_each_quick_experiment_writes_its_report(tmp_path, name):
    path = EXPERIMENTS[name][1](tmp_path / name, quick=True)
    text = path.read_text()
    assert text.startswith("# ") and "## Results" in text
    assert "## The chapter's claims against the measurements" in text
    assert re.search(r"\| (yes|no) +\|", text)
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images and all((tmp_path / name / image).stat().st_size > 1000 for image in images)
    assert "nan |" not in text.split("## The chapter")[0] or name == "exploding"


def test_the_command_line(tmp_path, capsys):
    assert main(["experiment", "list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in EXPERIMENTS)
    assert main(["experiment", "run", "nothing"]) == 2
    assert "no experiment 'nothing'" in capsys.readouterr().err
    (tmp_path / "REPORT.md").write_text("kept")
    assert main(["experiment", "run", "exploding", "--quick", "--out", str(tmp_path)]) == 2
    assert "already holds a report" in capsys.readouterr().err and (tmp_path / "REPORT.md").read_text() == "kept"
