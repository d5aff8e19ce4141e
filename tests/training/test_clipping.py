"""Gradient clipping: the chapter's formula and its counters."""

import pytest
import torch

from rnnlab.training import Clipper, clip_grad_norm, clip_grad_value, grad_norm


def _params(*grads):
    ps = []
    for g in grads:
        p = torch.zeros_like(torch.as_tensor(g, dtype=torch.float64), requires_grad=True)
        p.grad = torch.as_tensor(g, dtype=torch.float64).clone()
        ps.append(p)
    return ps


def test_norm_clipping_is_theta_g_over_norm_g():
    ps = _params([3.0, 0.0], [[4.0]])  # ||g|| = 5 over both tensors together
    norm, clipped = clip_grad_norm(ps, theta=1.0)
    assert norm == pytest.approx(5.0) and clipped
    torch.testing.assert_close(ps[0].grad, torch.tensor([0.6, 0.0], dtype=torch.float64))
    torch.testing.assert_close(ps[1].grad, torch.tensor([[0.8]], dtype=torch.float64))
    assert float(grad_norm(ps)) == pytest.approx(1.0)


def test_norm_below_theta_is_left_alone():
    ps = _params([0.3, 0.4])
    norm, clipped = clip_grad_norm(ps, theta=1.0)
    assert norm == pytest.approx(0.5) and not clipped
    torch.testing.assert_close(ps[0].grad, torch.tensor([0.3, 0.4], dtype=torch.float64))


def test_value_clipping_clamps_each_component():
    ps = _params([3.0, -0.5, -7.0])
    norm, clipped = clip_grad_value(ps, theta=1.0)
    assert clipped and norm == pytest.approx((9 + 0.25 + 49) ** 0.5)
    torch.testing.assert_close(ps[0].grad, torch.tensor([1.0, -0.5, -1.0], dtype=torch.float64))


def test_clipper_counts_and_reports_the_norm_before_clipping():
    clipper = Clipper("norm", 1.0)
    assert clipper(_params([3.0, 4.0])) == pytest.approx(5.0)
    assert clipper(_params([0.1])) == pytest.approx(0.1)
    assert (clipper.steps, clipper.clipped, clipper.share) == (2, 1, 0.5)
    measure = Clipper(None)
    ps = _params([30.0])
    assert measure(ps) == pytest.approx(30.0) and ps[0].grad.item() == 30.0


def test_matches_torch_clip_grad_norm():
    torch.manual_seed(0)
    a = [torch.randn(5, 3, requires_grad=True) for _ in range(3)]
    b = [t.detach().clone().requires_grad_() for t in a]
    for x, y in zip(a, b):
        x.grad = torch.randn(5, 3) * 10
        y.grad = x.grad.clone()
    clip_grad_norm(a, 2.0)
    torch.nn.utils.clip_grad_norm_(b, 2.0)
    for x, y in zip(a, b):
        torch.testing.assert_close(x.grad, y.grad, rtol=1e-5, atol=1e-6)


def test_bad_clipping_options():
    with pytest.raises(ValueError, match="clipping must be 'norm', 'value' or none; received 'max'"):
        Clipper("max")
    with pytest.raises(ValueError, match="threshold must be positive; received 0"):
        Clipper("norm", 0)
