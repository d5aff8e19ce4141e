"""CTC decoding against brute force: every alignment of a tiny alphabet and length enumerated and summed."""

import itertools
import math

import pytest
import torch

from rnnlab.decoding.ctc import best_path, collapse, prefix_beam_search


def brute_force(log_probs):
    """Every labelling's probability (summed over its alignments) and the best single alignment."""
    T, K = log_probs.shape
    labellings, best = {}, (None, -math.inf)
    for path in itertools.product(range(K), repeat=T):
        score = float(sum(log_probs[t, s] for t, s in enumerate(path)))
        key = tuple(collapse(path))
        labellings[key] = labellings.get(key, 0.0) + math.exp(score)
        if score > best[1]:
            best = (path, score)
    return labellings, best[0]


def test_collapse_merges_repeats_then_drops_blanks():
    assert collapse([1, 1, 0, 2, 2, 0, 0, 2, 1]) == [1, 2, 2, 1]
    assert collapse([0, 0, 0]) == [] and collapse([]) == []


@pytest.mark.parametrize("seed", range(4))
def test_prefix_beam_search_with_a_wide_beam_gives_every_labellings_exact_probability(seed):
    torch.manual_seed(seed)
    log_probs = torch.randn(5, 3).double().mul(1.5).log_softmax(-1)
    truth, _ = brute_force(log_probs)
    found = prefix_beam_search(log_probs, beam=1000, prune=0)
    assert len(found) == len(truth)
    for labelling, score in found:
        assert math.exp(score) == pytest.approx(truth[tuple(labelling)], rel=1e-9)
    assert abs(sum(math.exp(s) for _, s in found) - 1.0) < 1e-9  # every alignment counted once
    assert [tuple(l) for l, _ in found[:3]] == sorted(truth, key=lambda k: -truth[k])[:3]


@pytest.mark.parametrize("seed", range(6))
def test_a_narrow_beam_finds_the_most_probable_labelling_where_best_path_may_not(seed):
    torch.manual_seed(100 + seed)
    log_probs = torch.randn(6, 3).double().log_softmax(-1)
    truth, path = brute_force(log_probs)
    assert best_path(log_probs[None])[0] == collapse(path)
    top = prefix_beam_search(log_probs, beam=4, prune=0)[0]
    assert tuple(top[0]) == max(truth, key=truth.get)
    assert math.exp(top[1]) <= truth[tuple(top[0])] + 1e-12  # alignments through pruned prefixes are lost


def test_the_textbook_case_best_path_and_beam_search_disagree():
    # frames favour blank, but "a" over all its alignments is more probable than the empty labelling
    p = torch.tensor([[0.6, 0.4], [0.6, 0.4]]).log()
    assert best_path(p[None])[0] == []
    labelling, score = prefix_beam_search(p, beam=4, prune=0)[0]
    assert labelling == [1] and math.exp(score) == pytest.approx(0.4 * 0.4 + 2 * 0.4 * 0.6)


def test_best_path_stops_at_each_items_length():
    log_probs = torch.full((2, 4, 3), -10.0)
    log_probs[:, :, 1] = 0.0  # symbol 1 everywhere
    log_probs[0, 2:, 2] = 1.0  # then symbol 2, inside item 0's length only from step 2
    assert best_path(log_probs, torch.tensor([2, 4])) == [[1], [1]]
    assert best_path(log_probs, torch.tensor([4, 4]))[0] == [1, 2]
