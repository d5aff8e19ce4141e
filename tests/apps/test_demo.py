"""The cell tour: its conformance table is exact and every cell learns."""

import pytest

from rnnlab.apps.demo import DemoConfig, run


def test_every_cell_matches_torch_and_learns():
    result = run(DemoConfig(steps=80, progress=False, device="cpu"))
    assert [r["cell"] for r in result.conformance] == [r["cell"] for r in result.learning]
    compared = [r for r in result.conformance if r["max |diff| outputs"] != "n/a"]
    assert len(compared) == 4  # all but the chapter's GRU, which torch lacks
    for row in compared:
        assert row["max |diff| outputs"] < 1e-12 and row["max |diff| gradients"] < 1e-12, row
    for row in result.learning:
        assert row["loss last 10 steps"] < 0.75 * row["loss first 10 steps"], row
        assert row["held-out accuracy"] > 0.3, row  # chance is 1/8


@pytest.mark.parametrize(("options", "message"), [
    ({"steps": 0}, "steps must be positive; received 0"),
    ({"delay": 20}, "delay must be shorter than seq_len = 20; received 20"),
    ({"vocab": 1}, "vocab must be at least 2; received 1"),
])
def test_bad_config(options, message):
    with pytest.raises(ValueError, match=message):
        DemoConfig(**options)
