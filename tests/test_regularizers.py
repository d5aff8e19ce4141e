"""The AWD-LSTM regularisers, each against a plain reference: weight drop on every engine, locked and embedding
dropout, AR/TAR, and the language model's adaptive softmax."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch.func import functional_call

from rnnlab.core import ElmanCell, GRUCell, LSTMCell
from rnnlab.layers import Bidirectional, LockedDropout, Recurrent, Stacked, WeightDrop
from rnnlab.models import LanguageModel, Regularization, activation_penalty, default_cutoffs, embedding_dropout

P = 0.5
CELLS = {"lstm": lambda: LSTMCell(3, 5), "gru": lambda: GRUCell(3, 5), "gru-after": lambda: GRUCell(3, 5, reset="after"),
         "elman": lambda: ElmanCell(3, 5)}


def _layer(kind, engine, bidirectional):
    torch.manual_seed(1)
    if bidirectional:
        return Bidirectional(Recurrent(CELLS[kind](), engine=engine), Recurrent(CELLS[kind](), reverse=True, engine=engine))
    return Recurrent(CELLS[kind](), engine=engine)


def _engines(kind):
    return ["reference", "bptt", "auto"] + (["torch"] if kind != "gru" else [])


def _recurrent_names(layer):
    """The parameter name of every cell's W_h, in the order weight drop draws their masks."""
    names = {id(p): n for n, p in layer.named_parameters()}
    return [names[id(m.stacked_weights().W_h)] for m in layer.modules() if hasattr(m, "stacked_weights")]


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("kind", list(CELLS))
def test_weight_drop_equals_a_masked_reference_on_every_engine(kind, bidirectional):
    """DropConnect on W_h, one mask a call, on every engine (lengths that differ, so segments run too): equal in
    value and gradient to the reference loop over W_h * M / (1 - p) with the same masks, given as plain tensors."""
    x = torch.randn(4, 7, 3, dtype=torch.float64)
    lengths = torch.tensor([7, 3, 5, 1])
    weights = torch.randn(4, 7, 10 if bidirectional else 5, dtype=torch.float64)
    reference = _layer(kind, "reference", bidirectional).double().train()
    names = _recurrent_names(reference)
    torch.manual_seed(7)
    masks = [F.dropout(torch.ones_like(dict(reference.named_parameters())[n]), P) for n in names]  # drawn as weight drop does
    params = dict(reference.named_parameters())
    masked = {**params, **{n: params[n] * m for n, m in zip(names, masks)}}
    y_ref, _ = functional_call(reference, masked, (x,), {"lengths": lengths})
    grads_ref = torch.autograd.grad((y_ref * weights).sum(), list(params.values()))
    assert any(float(m.min()) == 0.0 for m in masks)  # the masks do drop something
    for engine in _engines(kind):
        layer = WeightDrop(_layer(kind, engine, bidirectional).double(), P).train()
        torch.manual_seed(7)
        y, _ = layer(x, lengths=lengths)
        torch.testing.assert_close(y, y_ref, msg=f"{kind} {engine}: value")
        grads = torch.autograd.grad((y * weights).sum(), list(layer.parameters()))
        for g, g_ref in zip(grads, grads_ref):
            torch.testing.assert_close(g, g_ref, msg=f"{kind} {engine}: gradient")
        assert all(m.dropped_W_h is None for m in layer.modules() if hasattr(m, "dropped_W_h"))  # nothing left behind


def test_weight_drop_draws_a_new_mask_each_call_and_none_in_eval():
    layer = WeightDrop(Recurrent(LSTMCell(3, 5)), P).train()
    x = torch.randn(2, 4, 3)
    first, second = layer(x)[0], layer(x)[0]
    assert not torch.allclose(first, second)
    plain = layer.layer
    layer.eval()
    torch.testing.assert_close(layer(x)[0], plain(x)[0])
    with pytest.raises(ValueError, match=r"drop rate must be in \[0, 1\); received 1.0"):
        WeightDrop(plain, 1.0)


def test_locked_dropout_keeps_one_mask_over_time():
    drop = LockedDropout(0.5).train()
    y = drop(torch.ones(8, 20, 6))
    kept = y != 0  # (B, T, F)
    assert (kept == kept[:, :1]).all()  # the same units at every step of a sequence
    assert kept[:, 0].any() and not kept[:, 0].all()  # some dropped, some kept
    assert torch.allclose(y[kept], torch.tensor(2.0))  # the kept ones rescaled by 1 / (1 - p)
    assert not (kept[0] == kept[1]).all() or not (kept[2] == kept[3]).all()  # sequences get their own masks
    drop.eval()
    assert torch.equal(drop(torch.ones(2, 3, 4)), torch.ones(2, 3, 4))
    stacked = Stacked([Recurrent(LSTMCell(3, 4)), Recurrent(LSTMCell(4, 4))], dropout=LockedDropout(0.3))
    assert stacked.dropout.p == 0.3 and stacked(torch.randn(2, 5, 3))[0].shape == (2, 5, 4)


def test_embedding_dropout_drops_whole_words():
    torch.manual_seed(0)
    embedding = torch.nn.Embedding(50, 4).train()
    tokens = torch.randint(50, (6, 30))
    x = embedding_dropout(embedding, tokens, 0.5)
    ratio = x / embedding(tokens)  # 0 or 2 for each token, the same wherever a word occurs
    assert set(ratio.round(decimals=4).unique().tolist()) == {0.0, 2.0}
    assert (ratio == ratio[..., :1]).all()  # the whole row
    for word in tokens.unique():
        assert ratio[tokens == word][:, 0].unique().numel() == 1
    # the same as dropping rows of E: value and gradient
    torch.manual_seed(3)
    mask = torch.empty(50).bernoulli_(0.5) / 0.5
    reference = F.embedding(tokens, embedding.weight * mask[:, None])
    torch.manual_seed(3)
    torch.testing.assert_close(embedding_dropout(embedding, tokens, 0.5), reference)
    embedding.eval()
    assert torch.equal(embedding_dropout(embedding, tokens, 0.5), embedding(tokens))


def test_activation_penalty_is_ar_plus_tar():
    h = torch.randn(2, 6, 3)
    dropped = h * (torch.rand_like(h) > 0.5)
    got = activation_penalty(dropped, h, 2.0, 1.0)
    ar = sum(float(v) ** 2 for v in dropped.flatten()) / dropped.numel()
    tar = sum(float(v) ** 2 for v in (h[:, 1:] - h[:, :-1]).flatten()) / (2 * 5 * 3)
    assert math.isclose(float(got), 2.0 * ar + 1.0 * tar, rel_tol=1e-5)
    model = LanguageModel(10, 4, "lstm", 4, regularization=Regularization(ar=2.0, tar=1.0)).train()
    model.drop_output.p = 0.0
    h, _ = model.hidden(torch.randint(10, (2, 5)))
    targets = torch.randint(10, (2, 5))
    with_penalty, _ = model.loss(h, targets)
    model.regularization = Regularization()
    without, _ = model.loss(h, targets)
    torch.testing.assert_close(with_penalty - without, activation_penalty(h, h, 2.0, 1.0))


def test_adaptive_softmax_gives_normalised_log_probabilities():
    torch.manual_seed(0)
    model = LanguageModel(40, 8, "lstm", 16, softmax="adaptive", cutoffs=[10, 25]).eval()
    tokens = torch.randint(40, (3, 6))
    scores, _ = model(tokens)
    assert scores.shape == (3, 6, 40)
    torch.testing.assert_close(scores.exp().sum(-1), torch.ones(3, 6))  # a distribution at every step
    h, _ = model.hidden(tokens)
    targets = torch.randint(40, (3, 6))
    targets[0, :2] = -100  # not scored
    nll = model.token_nll(model.features(h), targets)
    expected = -scores.gather(-1, targets.clamp_min(0).unsqueeze(-1)).squeeze(-1)[targets != -100]
    torch.testing.assert_close(nll, expected)  # the loss is the exact log-probability of each target
    with pytest.raises(ValueError, match="cutoffs must rise strictly between 1 and 39"):
        LanguageModel(40, 8, "lstm", 16, softmax="adaptive", cutoffs=[10, 60])


def test_default_cutoffs_follow_the_word_frequencies():
    counts = [1000 // (k + 1) for k in range(200)]  # Zipf
    cutoffs = default_cutoffs(counts)
    total = sum(counts)
    assert len(cutoffs) == 2 and cutoffs[0] < cutoffs[1] < 199
    assert sum(counts[:cutoffs[0]]) >= 0.8 * total > sum(counts[:cutoffs[0] - 1])
