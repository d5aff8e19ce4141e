"""The linear-chain CRF against brute-force enumeration of every tag sequence, batched with lengths."""

import itertools

import pytest
import torch

from rnnlab.models import LinearChainCRF


def brute_force(crf, emissions, n):
    """Every tag sequence of length n, scored by the CRF's formula written out: (scores, sequences)."""
    K = crf.num_tags
    sequences = list(itertools.product(range(K), repeat=n))
    scores = []
    for y in sequences:
        s = crf.pi[y[0]] + crf.omega[y[-1]] + sum(emissions[t, y[t]] for t in range(n))
        s = s + sum(crf.A[y[t - 1], y[t]] for t in range(1, n))
        scores.append(s)
    return torch.stack(scores), sequences


@pytest.fixture
def batch():
    torch.manual_seed(0)
    crf = LinearChainCRF(3).double()
    with torch.no_grad():
        for p in crf.parameters():
            p.normal_()
    lengths = torch.tensor([4, 1, 3, 2])
    emissions = torch.randn(4, 4, 3, dtype=torch.float64)
    tags = torch.randint(3, (4, 4))
    return crf, emissions, tags, lengths


def test_log_partition_score_and_viterbi_equal_brute_force(batch):
    crf, emissions, tags, lengths = batch
    log_z = crf.log_partition(emissions, lengths)
    score = crf.score(emissions, tags, lengths)
    paths = crf.decode(emissions, lengths)
    for b, n in enumerate(lengths.tolist()):
        scores, sequences = brute_force(crf, emissions[b], n)
        torch.testing.assert_close(log_z[b], torch.logsumexp(scores, 0))
        torch.testing.assert_close(score[b], scores[sequences.index(tuple(tags[b, :n].tolist()))])
        assert paths[b] == list(sequences[int(scores.argmax())])
        marginals = torch.stack([torch.stack([torch.logsumexp(scores[[y[t] == k for y in sequences]], 0)
                                              for k in range(3)]) for t in range(n)]) - log_z[b]
        torch.testing.assert_close(crf.marginals(emissions, lengths)[b, :n], marginals.exp())
    nll = crf.nll(emissions, tags, lengths)
    assert (nll > 0).all() and torch.allclose(nll, log_z - score)


def test_padding_changes_nothing(batch):
    crf, emissions, tags, lengths = batch
    padded = emissions.clone()
    padded[torch.arange(4).unsqueeze(0) >= lengths.unsqueeze(1)] = 1e3  # garbage past each length
    torch.testing.assert_close(crf.nll(padded, tags, lengths), crf.nll(emissions, tags, lengths))
    for b, n in enumerate(lengths.tolist()):
        alone = crf.nll(emissions[b:b + 1, :n], tags[b:b + 1, :n], lengths[b:b + 1])
        torch.testing.assert_close(alone[0], crf.nll(emissions, tags, lengths)[b])
        assert crf.decode(padded[b:b + 1, :n], lengths[b:b + 1]) == [crf.decode(padded, lengths)[b]]


def test_the_gradient_is_the_expected_counts_minus_the_observed(batch):
    crf, emissions, tags, lengths = batch
    emissions.requires_grad_(True)
    torch.autograd.gradcheck(lambda e: crf.nll(e, tags, lengths), (emissions,))
    crf.nll(emissions, tags, lengths).sum().backward()
    marginals = emissions.grad[0] + torch.nn.functional.one_hot(tags[0], 3)  # d logZ / d e_t = p(y_t = k | x)
    torch.testing.assert_close(marginals.sum(1), torch.ones(4, dtype=torch.float64))


def test_bad_shapes_are_one_clear_error():
    crf = LinearChainCRF(5)
    with pytest.raises(ValueError, match=r"emissions must be \(B, T, 5\); received \(2, 3, 4\)"):
        crf.decode(torch.zeros(2, 3, 4), torch.tensor([3, 3]))
    with pytest.raises(ValueError, match=r"lengths must be \(B,\) = \(2,\) in \[1, 3\]; received \[0, 3\]"):
        crf.decode(torch.zeros(2, 3, 5), torch.tensor([0, 3]))
