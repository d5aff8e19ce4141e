"""Truncated BPTT: windows, no gradient across a boundary, carried state values."""

import pytest
import torch

from rnnlab import LSTMCell, Recurrent
from rnnlab.core import map_state
from rnnlab.training import TBPTT, run_window


def test_windows_score_every_step_once():
    for k1, k2, n in [(5, 5, 17), (3, 7, 17), (4, 4, 8), (10, 20, 7)]:
        windows = TBPTT(k1, k2).windows(n)
        scored = [t for w in windows for t in range(w.scored_from, w.end)]
        assert scored == list(range(n))
        for w in windows:
            assert w.start <= w.scored_from <= w.end and w.start <= w.carry_at <= w.end
            assert w.end - w.start <= k2 or w.scored_from == w.start
        for a, b in zip(windows, windows[1:]):
            assert a.carry_at == b.start


def test_k2_below_k1_is_refused():
    with pytest.raises(ValueError, match=r"k2 \(steps backpropagated\) must be at least k1"):
        TBPTT(5, 3)
    with pytest.raises(ValueError, match="k1 must be at least 1; received 0"):
        TBPTT(0)


@pytest.mark.parametrize(("k1", "k2"), [(4, 4), (3, 6)])
def test_no_gradient_crosses_a_window_and_the_state_values_carry(k1, k2):
    torch.manual_seed(0)
    layer = Recurrent(LSTMCell(3, 5, dtype=torch.float64))
    x = torch.randn(2, 14, 3, dtype=torch.float64, requires_grad=True)
    full, _ = layer(x)  # one uninterrupted pass: the values TBPTT must reproduce
    carry = None
    for w in TBPTT(k1, k2).windows(14):
        x.grad = None
        out, next_carry = run_window(layer, x, w, carry)
        torch.testing.assert_close(out, full[:, w.scored_from:w.end])  # the carried state's values flow on
        out.sum().backward()
        reach = x.grad.abs().sum(dim=(0, 2))  # (T,) gradient reaching each input step
        assert not reach[: w.start].any(), "gradient crossed the window's start"
        assert reach[w.start:w.end].all()
        assert not reach[w.end:].any()
        _, expected_carry = layer(x[:, : w.carry_at]) if w.carry_at else (None, None)
        if expected_carry is not None:
            for a, b in zip(map_state(lambda t: t, next_carry), expected_carry):
                torch.testing.assert_close(a, b)
                assert not a.requires_grad
        carry = next_carry
