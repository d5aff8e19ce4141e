"""The command line: version, help, the demo, and one clear line for user mistakes."""

import subprocess
import sys
from pathlib import Path

import pytest

import rnnlab
from rnnlab.apps import registered
from rnnlab.cli.main import main


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"rnnlab {rnnlab.__version__}"


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("demo", "charlm", "sentiment", "translate", "caption"):
        assert command in out
    assert main([]) == 0


def test_demo_prints_both_tables(capsys):
    assert main(["demo", "--steps", "3", "--quiet", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "max |diff| outputs" in out and "held-out accuracy" in out
    assert out.count("GRU (chapter: reset before)") == 2


@pytest.mark.parametrize(("argv", "message"), [
    (["demo", "--steps", "0"], "rnnlab demo: error: demo: steps must be positive; received 0"),
    (["demo", "--device", "tpu"], "rnnlab demo: error: device must be auto, cpu, cuda, cuda:N or mps; received 'tpu'"),
    (["sentiment", "train", "--pooling", "last", "--dropout", "1.5"],
     "rnnlab sentiment train: error: dropout must be in [0, 1); received 1.5"),
    (["translate", "train", "--teacher-forcing", "2"],
     "rnnlab translate train: error: teacher forcing must be in [0, 1]; received 2.0"),
    (["caption", "train", "--image-size", "4"],
     "rnnlab caption train: error: image size must be at least 8; received 4"),
    (["sentiment", "train", "--monitor-mode", "up"], None),
    *[([app, "train", "--validation", "-1"], f"rnnlab {app} train: error: validation size must not be negative; "
                                             f"received -1")  # checked even where the default data has its splits
      for app in ("charlm", "sentiment", "translate", "caption", "framelabel", "tag", "recognize")],
    (["lab", "--port", "99999"], None),
    (["recognize", "train", "--height", "1000000000"],
     "rnnlab recognize train: error: a number too large to work with (signed integer is greater than maximum); "
     "lower the sizes given"),
    (["caption", "train", "--test", "1.5"],
     "rnnlab caption train: error: test size as a fraction must be in [0, 1); received 1.5"),
])
def test_user_mistakes_get_one_line_and_status_2(capsys, argv, message):
    if message is None:  # a bad choice: argparse's own one line
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 2 and capsys.readouterr().err.count("\n") == 1
        return
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.strip() == message
    assert "Traceback" not in err


def test_console_script_and_module_entry_points():
    script = Path(sys.executable).parent / "rnnlab"
    commands = [[sys.executable, "-m", "rnnlab", "--version"]]
    if script.exists():  # installed with pip
        commands.append([str(script), "--version"])
    for command in commands:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and done.stdout.strip() == f"rnnlab {rnnlab.__version__}", done


def test_flags_are_written_from_the_config_fields(capsys):
    from rnnlab.apps import caption, sentiment
    from rnnlab.cli.main import build_parser
    from rnnlab.cli.options import configure

    args = build_parser().parse_args(["sentiment", "train", "--labels", "neg,pos", "--unidirectional", "--validation",
                                      "0.2", "--test", "30", "--epochs", "2", "--quiet", "--clip", "none"])
    config = configure(args, sentiment.SentimentConfig())
    assert (config.labels, config.bidirectional, config.validation, config.test) == (("neg", "pos"), False, 0.2, 30)
    assert (config.train.epochs, config.train.progress, config.train.clip) == (2, False, None)
    assert config.train.lr == sentiment.SentimentConfig().train.lr  # the app's own training default, untouched
    args = build_parser().parse_args(["caption", "train", "--channels", "8,16"])
    assert configure(args, caption.CaptionConfig()).channels == (8, 16)
    for app, epochs in (("charlm", 8), ("sentiment", 6)):  # each app's training default is the one shown
        with pytest.raises(SystemExit):
            main([app, "train", "--help"])
        assert f"passes over the training data (default {epochs})" in " ".join(capsys.readouterr().out.split())
    with pytest.raises(SystemExit) as stop:
        main(["caption", "train", "--channels", "8,x"])
    assert stop.value.code == 2 and "expected numbers like 32,64,128; received '8,x'" in capsys.readouterr().err


@pytest.mark.parametrize("command", [[app.name, verb] for app in registered()
                                     for verb in ("train", *(v.name for v in app.verbs))],
                         ids=lambda words: " ".join(words))
def test_every_command_prints_its_help(command, capsys):
    """Every option's help text formats (argparse reads % in it)."""
    with pytest.raises(SystemExit) as stop:
        main([*command, "--help"])
    assert stop.value.code == 0 and "usage: rnnlab" in capsys.readouterr().out
