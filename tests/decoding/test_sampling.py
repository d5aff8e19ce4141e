"""Sampling: temperature, top-k, top-p, and the autoregressive loop."""

import math

import pytest
import torch

from rnnlab.decoding import filter_logits, sample


def test_top_k_keeps_the_k_most_likely():
    logits = torch.tensor([[1.0, 3.0, 2.0, 0.0]])
    kept = filter_logits(logits, top_k=2)
    assert torch.isfinite(kept).tolist() == [[False, True, True, False]]


def test_top_p_keeps_the_smallest_set_reaching_p():
    probs = torch.tensor([[0.5, 0.3, 0.15, 0.05]])
    kept = filter_logits(probs.log(), top_p=0.7)
    assert torch.isfinite(kept).tolist() == [[True, True, False, False]]
    kept = filter_logits(probs.log(), top_p=0.5)
    assert torch.isfinite(kept).tolist() == [[True, False, False, False]]


def test_temperature_sharpens_and_flattens():
    logits = torch.tensor([[0.0, math.log(3.0)]])
    assert filter_logits(logits, temperature=0.5).softmax(-1)[0, 1] == pytest.approx(0.9)
    assert filter_logits(logits, temperature=1e9).softmax(-1)[0, 1] == pytest.approx(0.5)


def test_bad_sampling_options():
    with pytest.raises(ValueError, match="temperature must be positive; received 0"):
        filter_logits(torch.zeros(1, 3), temperature=0)
    with pytest.raises(ValueError, match=r"top-p must be in \(0, 1\]; received 1.5"):
        filter_logits(torch.zeros(1, 3), top_p=1.5)


def test_sample_stops_at_eos_and_follows_the_model():
    """A 'model' that always says: after token k comes k+1, and 3 ends."""
    def step(tokens, state):
        last = tokens[:, -1]
        logits = torch.full((tokens.shape[0], tokens.shape[1], 5), -1e9)
        logits[torch.arange(tokens.shape[0]), -1, (last + 1) % 5] = 0.0
        return logits, state
    out = sample(step, None, torch.tensor([[0], [1]]), max_new=10, eos_id=3)
    assert out == [[1, 2], [2]]
    assert sample(step, None, torch.tensor([[0]]), max_new=2) == [[1, 2]]


@pytest.mark.parametrize("temperature", [1e-300, 1e-40, 1e-3, 1e3, 3.4e38, 1e300])
def test_any_positive_temperature_gives_probabilities(temperature):
    logits = torch.tensor([[2.0, 1.0, float("-inf"), 0.5], [0.0, 0.0, -1.0, -3.0]])
    probs = filter_logits(logits, temperature).softmax(-1)
    assert torch.isfinite(probs).all() and torch.allclose(probs.sum(-1), torch.ones(2))
    assert probs[0, 2] == 0  # a token taken out stays out
    if temperature < 1e-30:  # the argmax (ties share)
        assert probs[0].tolist() == [1, 0, 0, 0] and probs[1].tolist() == [0.5, 0.5, 0, 0]
    if temperature > 1e30:  # uniform over what is left
        assert torch.allclose(probs[0], torch.tensor([1 / 3, 1 / 3, 0, 1 / 3]))
    with pytest.raises(ValueError, match="temperature must be positive"):
        filter_logits(logits, float("inf"))
