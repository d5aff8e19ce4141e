"""Greedy and beam search on a model whose probabilities are known."""

import math

import pytest
import torch

from rnnlab.decoding import beam_search, check_beam, greedy, length_penalty
from rnnlab.models import Seq2Seq

EOS = 0


def table_step(table):
    """A decoder whose next-token log-probabilities depend only on the previous token: ``table[prev]``."""
    log_table = torch.tensor(table).log()

    def step(tokens, state):
        return log_table[tokens], state + 1, None

    return step


# tokens: 0 <eos>, 1 <bos>, 2 a, 3 b. After <bos>: a 0.6, b 0.4. After a: <eos> 0.3, b 0.7 ... see each row.
TABLE = [[1.0, 0.0, 0.0, 0.0],
         [0.0, 0.0, 0.6, 0.4],
         [0.3, 0.0, 0.0, 0.7],
         [0.9, 0.0, 0.05, 0.05]]


def test_greedy_follows_the_most_likely_token():
    [h] = greedy(table_step(TABLE), torch.zeros(1), torch.tensor([1]), EOS, max_len=10)
    assert h.tokens == [2, 3]  # a (0.6), b (0.7), <eos> (0.9)
    assert h.log_prob == pytest.approx(math.log(0.6 * 0.7 * 0.9))


def test_beam_finds_what_greedy_misses_and_orders_by_penalised_score():
    table = [[1.0, 0.0, 0.0, 0.0],
             [0.0, 0.0, 0.55, 0.45],
             [0.0, 0.0, 0.5, 0.5],  # after a: a or b, never <eos>
             [1.0, 0.0, 0.0, 0.0]]  # after b: <eos>
    [g] = greedy(table_step(table), torch.zeros(1), torch.tensor([1]), EOS, max_len=10)
    assert g.tokens == [2, 2, 2, 2, 2, 2, 2, 2, 2, 2]  # a a a ... never ends
    [best] = beam_search(table_step(table), torch.zeros(1), torch.tensor([1]), EOS, 10, beam=2, n_best=1)
    assert best[0].tokens == [3] and best[0].log_prob == pytest.approx(math.log(0.45))
    for alpha in (0.0, 0.6, 2.0):
        [hyps] = beam_search(table_step(table), torch.zeros(1), torch.tensor([1]), EOS, 10, beam=3, alpha=alpha,
                             n_best=3)
        scores = [h.score for h in hyps]
        assert scores == sorted(scores, reverse=True)
        for h in hyps:
            assert h.score == pytest.approx(h.log_prob / length_penalty(len(h.tokens) + 1, alpha))


def test_length_penalty_can_prefer_the_longer_sentence():
    table = [[1.0, 0, 0, 0], [0.5, 0, 0.5, 0], [0.0, 0, 0, 1.0], [0.8, 0, 0, 0.2]]
    # "<eos>" now: log 0.5 over length 1;  "a b <eos>": log(0.5 * 1 * 0.8) over length 3
    short = beam_search(table_step(table), torch.zeros(1), torch.tensor([1]), EOS, 10, beam=2, alpha=0.0)[0][0]
    long = beam_search(table_step(table), torch.zeros(1), torch.tensor([1]), EOS, 10, beam=2, alpha=3.0)[0][0]
    assert short.tokens == [] and long.tokens == [2, 3]


@pytest.mark.parametrize("attention", [None, "additive"])
def test_beam_one_equals_greedy_on_a_batch(attention):
    torch.manual_seed(1)
    model = Seq2Seq(12, 9, 6, "lstm", "lstm", 8, attention=attention).eval()
    source, lengths = torch.randint(1, 12, (4, 5)), torch.tensor([5, 3, 2, 5])
    memory = model.encode(source, lengths)
    bos = torch.full((4,), 1)
    g = greedy(model.step_function(memory), model.initial_state(memory), bos, EOS, 7)
    b = beam_search(model.step_function(memory), model.initial_state(memory), bos, EOS, 7, beam=1)
    for x, [y] in zip(g, b):
        assert x.tokens == y.tokens and x.log_prob == pytest.approx(y.log_prob, abs=1e-5)
        if attention:
            torch.testing.assert_close(x.attention, y.attention)
    wide = beam_search(model.step_function(memory.repeat(4)), model.initial_state(memory), bos, EOS, 7, beam=4,
                       n_best=4)
    for x, hyps in zip(g, wide):
        assert hyps[0].score >= x.log_prob - 1e-9  # a wider beam never finds worse than greedy (alpha 0)
        if attention and hyps[0].tokens:
            assert hyps[0].attention.shape == (len(hyps[0].tokens), 5)


def test_a_padded_batch_decodes_as_each_sentence_alone():
    torch.manual_seed(3)
    model = Seq2Seq(12, 9, 6, "gru", "gru", 8, attention="additive").eval()
    sources = [torch.randint(1, 12, (n,)) for n in (5, 2, 4)]
    batch = torch.zeros(3, 5, dtype=torch.long)
    for k, s in enumerate(sources):
        batch[k, : len(s)] = s
    memory = model.encode(batch, torch.tensor([5, 2, 4]))
    together = beam_search(model.step_function(memory.repeat(3)), model.initial_state(memory), torch.full((3,), 1),
                           EOS, 6, beam=3, alpha=0.6, n_best=2)
    for k, s in enumerate(sources):
        alone_memory = model.encode(s.unsqueeze(0), torch.tensor([len(s)]))
        alone = beam_search(model.step_function(alone_memory.repeat(3)), model.initial_state(alone_memory),
                            torch.full((1,), 1), EOS, 6, beam=3, alpha=0.6, n_best=2)[0]
        assert [h.tokens for h in together[k]] == [h.tokens for h in alone]
        for a, b in zip(together[k], alone):
            assert a.score == pytest.approx(b.score, abs=1e-5)
            if a.tokens:
                torch.testing.assert_close(a.attention[:, : len(s)], b.attention)
                assert torch.all(a.attention[:, len(s):] == 0)


@pytest.mark.parametrize(("beam", "n_best", "alpha", "says"), [
    (0, 1, 0.0, "beam must be from 1 to 7"), (8, 1, 0.0, "beam must be from 1 to 7"), (10 ** 12, 1, 0.0, "from 1 to 7"),
    (3, 4, 0.0, "n-best from 1 to the beam"), (3, 1, -1.0, "alpha .* from 0 to 10"), (3, 1, 1e6, "from 0 to 10"),
    (3, 1, float("nan"), "from 0 to 10")])
def test_a_beam_is_checked_before_anything_is_repeated_for_it(beam, n_best, alpha, says):
    check_beam(7, 7, 7, 10.0)  # the widest allowed
    with pytest.raises(ValueError, match=says):
        check_beam(beam, n_best, 7, alpha)
