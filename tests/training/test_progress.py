"""Progress where nobody watches a terminal: plain lines, no carriage returns; tqdm's bar on a terminal."""

import io
import subprocess
import sys

from tqdm import tqdm

from rnnlab.training.progress import Lines, progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_tqdms_bar_and_a_file_gets_lines():
    assert isinstance(progress_bar(10, "training", file=Terminal()), tqdm)
    assert isinstance(progress_bar(10, "training", file=io.StringIO()), Lines)


def test_a_line_at_each_report_with_the_count_rate_and_time_left():
    out = io.StringIO()
    with progress_bar(100, "training", "batch", file=out) as bar:
        for step in range(1, 101):
            bar.update()
            if step % 8 == 0:
                bar.set_postfix(loss=f"{1 / step:.3f}")
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert len(lines) == 13  # twelve reports and the end
    assert lines[0].startswith("training: 8/100 batch (8.0%), loss=0.125, ")
    assert lines[0].endswith(" left") and "batch/s" in lines[0]
    assert lines[-1].startswith("training: 100/100 batch (100.0%), loss=0.010, ") and "done in " in lines[-1]


def test_without_reports_a_line_each_tenth():
    out = io.StringIO()
    with progress_bar(50, "word2vec", "epoch", file=out) as bar:
        for _ in range(50):
            bar.update()
    lines = out.getvalue().splitlines()
    assert [line.split(" ")[1] for line in lines] == [f"{n}/50" for n in range(5, 50, 5)] + ["50/50"]


def test_a_resumed_run_counts_from_where_it_was_and_quiet_writes_nothing():
    out = io.StringIO()
    with progress_bar(100, "training", initial=60, file=out) as bar:
        bar.update(5)
        bar.set_postfix(loss="0.5")
    assert out.getvalue().startswith("training: 65/100 it (65.0%), loss=0.5")
    quiet = io.StringIO()
    with progress_bar(100, "training", disable=True, file=quiet) as bar:
        bar.update(100)
    passing = io.StringIO()
    with progress_bar(100, "inner", leave=False, file=passing) as bar:
        bar.update(100)
    assert quiet.getvalue() == passing.getvalue() == ""


def test_a_training_log_file_has_short_lines_and_no_carriage_return(tmp_path):
    """``rnnlab sentiment train > log 2>&1``: one plain line at each log interval."""
    log = tmp_path / "log.txt"
    with open(log, "w") as out:
        done = subprocess.run([sys.executable, "-m", "rnnlab", "sentiment", "train", "--out", str(tmp_path / "run"),
                               "--epochs", "1", "--max-steps", "30", "--log-every", "10"],
                              stdout=out, stderr=subprocess.STDOUT, timeout=300)
    text = log.read_text()
    assert done.returncode == 0, text
    assert "\r" not in text
    assert max(map(len, text.splitlines())) <= 300
    progress = [line for line in text.splitlines() if line.startswith("training: ")]
    assert [line.split(" ")[1].split("/")[0] for line in progress] == ["10", "20", "30", "30"], text
    assert "loss=" in progress[0] and progress[0].endswith(" left") and "done in" in progress[-1]
