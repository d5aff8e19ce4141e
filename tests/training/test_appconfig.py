"""What every app's run shares: where it writes."""

import re
from pathlib import Path

from rnnlab.training.appconfig import run_folder


def test_a_run_writes_where_it_is_told_or_in_a_dated_folder():
    assert run_folder("here/run", "caption") == Path("here/run")
    default = run_folder(None, "framelabel")
    assert default.parent == Path("runs") and re.fullmatch(r"framelabel-\d{8}-\d{6}", default.name)
