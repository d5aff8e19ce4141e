"""The language model's input forms, tied weights and stacks by name."""

import pytest
import torch

from rnnlab.models import CELL_KINDS, LanguageModel, OneHot, make_cell, make_stack


def test_one_hot_input_is_the_identity_embedding():
    model = LanguageModel(6, 0, "lstm", 8)
    assert isinstance(model.input, OneHot) and model.rnn.input_size == 6
    x = model.input(torch.tensor([[0, 5]]))
    assert x.tolist() == [[[1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1]]]
    assert not list(model.input.parameters())


def test_tied_weights_share_one_matrix():
    model = LanguageModel(10, 16, "gru", 16, tie_weights=True)
    assert model.output.weight is model.input.weight
    logits, state = model(torch.randint(10, (2, 5)))
    assert logits.shape == (2, 5, 10)
    projected = LanguageModel(10, 8, "gru", 16, tie_weights=True)  # h_t (16) projected to the embedding's 8
    assert projected.output.weight is projected.input.weight and projected.projection.weight.shape == (8, 16)
    assert projected(torch.randint(10, (2, 5)))[0].shape == (2, 5, 10)
    with pytest.raises(ValueError, match="tied weights need the full softmax"):
        LanguageModel(10, 8, "gru", 16, tie_weights=True, softmax="adaptive", cutoffs=[4])


@pytest.mark.parametrize("kind", CELL_KINDS)
def test_every_cell_kind_by_name(kind):
    stack = make_stack(kind, 3, 4, num_layers=2, bidirectional=True)
    y, state = stack(torch.randn(2, 5, 3))
    assert y.shape == (2, 5, 8) and len(state) == 2
    assert make_cell(kind, 3, 4).hidden_size == 4
    with pytest.raises(ValueError, match="cell must be one of"):
        make_cell("transformer", 3, 4)


def test_state_carries_between_calls():
    torch.manual_seed(0)
    model = LanguageModel(7, 5, "lstm", 8, num_layers=2).eval()
    tokens = torch.randint(7, (3, 10))
    whole, _ = model(tokens)
    first, state = model(tokens[:, :4])
    second, _ = model(tokens[:, 4:], state)
    torch.testing.assert_close(torch.cat([first, second], 1), whole)
