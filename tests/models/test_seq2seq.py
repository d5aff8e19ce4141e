"""The encoder-decoder and attention: masking, padding, teacher forcing."""

import pytest
import torch

from rnnlab.models import Attention, Seq2Seq, masked_softmax


@pytest.mark.parametrize("kind", ["additive", "multiplicative", "dot"])
def test_attention_gives_padding_no_weight_and_sums_to_one(kind):
    torch.manual_seed(0)
    attention = Attention(kind, 6, 6)
    keys, q = torch.randn(2, 5, 6), torch.randn(2, 3, 6)
    mask = torch.tensor([[True] * 5, [True, True, False, False, False]])
    context, alpha = attention(q, keys, mask)
    assert alpha.shape == (2, 3, 5) and context.shape == (2, 3, 6)
    assert torch.all(alpha[1, :, 2:] == 0)
    torch.testing.assert_close(alpha.sum(-1), torch.ones(2, 3))
    torch.testing.assert_close(context, alpha @ keys)
    short, _ = attention(q[1:], keys[1:, :2], mask[1:, :2])  # the same sentence without its padding
    torch.testing.assert_close(context[1:], short)


def test_masked_softmax_by_hand():
    alpha = masked_softmax(torch.tensor([[0.0, 0.0, 5.0]]), torch.tensor([[True, True, False]]))
    assert alpha.tolist() == [[0.5, 0.5, 0.0]]


def _model(attention, cell="gru"):
    torch.manual_seed(0)
    return Seq2Seq(20, 15, 8, cell, cell, 10, num_layers=2, bidirectional=True, attention=attention).eval()


@pytest.mark.parametrize("attention", [None, "additive", "multiplicative"])
@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_a_padded_batch_decodes_as_each_sentence_alone(attention, cell):
    model = _model(attention, cell)
    sources = [torch.tensor([3, 4, 5, 6]), torch.tensor([7, 8])]
    batch = torch.zeros(2, 4, dtype=torch.long)
    batch[0], batch[1, :2] = sources[0], sources[1]
    previous = torch.randint(1, 15, (2, 5))
    logits = model(batch, torch.tensor([4, 2]), previous)
    for k, source in enumerate(sources):
        alone = model(source.unsqueeze(0), torch.tensor([len(source)]), previous[k:k + 1])
        torch.testing.assert_close(logits[k], alone[0], rtol=1e-5, atol=1e-6)


def test_step_by_step_equals_the_whole_target_at_once():
    model = _model("additive", "lstm")
    source, lengths = torch.randint(1, 20, (3, 6)), torch.tensor([6, 4, 1])
    previous = torch.randint(1, 15, (3, 5))
    whole = model(source, lengths, previous)
    memory = model.encode(source, lengths)
    step, state = model.step_function(memory), model.initial_state(memory)
    for t in range(5):
        log_probs, state, alpha = step(previous[:, t], state)
        torch.testing.assert_close(log_probs, whole[:, t].log_softmax(-1), rtol=1e-5, atol=1e-6)
        assert torch.all(alpha[2, 1:] == 0)
    # teacher forcing 0 feeds back the model's own argmax: the same as decoding greedily from the first token
    own = model(source, lengths, previous, teacher_forcing=0.0)
    state, token = model.initial_state(memory), previous[:, 0]
    for t in range(5):
        log_probs, state, _ = step(token, state)
        torch.testing.assert_close(log_probs, own[:, t].log_softmax(-1), rtol=1e-5, atol=1e-6)
        token = log_probs.argmax(-1)
