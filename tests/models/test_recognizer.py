"""The CTC recogniser: a padded batch gives each item what it gives alone; every part learns."""

import pytest
import torch

from rnnlab.apps.recognize.tasks import Alphabet, transcribe
from rnnlab.models import make_stack
from rnnlab.models.recognizer import ConvFrontEnd, Recognizer


def model(encoder="lstm", time_pools=1, bidirectional=True):
    torch.manual_seed(0)
    front = ConvFrontEnd(16, (8, 16), time_pools, 24)
    rnn = None if encoder == "none" else make_stack(encoder, 24, 16, 2, bidirectional=bidirectional)
    return Recognizer(front, rnn, 4)


@pytest.mark.parametrize("encoder, time_pools, bidirectional", [("lstm", 1, True), ("gru", 2, False),
                                                                ("none", 0, True)])
def test_a_padded_batch_gives_each_item_what_it_gives_alone(encoder, time_pools, bidirectional):
    m = model(encoder, time_pools, bidirectional)
    m.train()
    m.loss(torch.randn(4, 1, 16, 40), torch.tensor([40, 33, 21, 9]), torch.tensor([[1, 2], [3, 0], [4, 4], [1, 0]]),
           torch.tensor([2, 1, 2, 1])).backward()  # batch norm gets running statistics of its own
    m.eval()
    inputs = [torch.randn(16, n) for n in (37, 20, 11, 40)]
    batch = torch.zeros(4, 1, 16, 40)
    for b, x in enumerate(inputs):
        batch[b, 0, :, :x.shape[1]] = x
    log_probs, steps = m(batch, torch.tensor([37, 20, 11, 40]))
    assert steps.tolist() == [n // 2 ** time_pools for n in (37, 20, 11, 40)]
    for b, x in enumerate(inputs):
        alone, n = m(x[None, None], torch.tensor([x.shape[1]]))
        assert torch.allclose(alone[0], log_probs[b, :int(n)], atol=1e-5)
    alphabet = Alphabet(["a", "b", "c", "d"])
    together = transcribe(m, inputs, alphabet, batch_size=4)
    for (text, score), x in zip((t[0] for t in together), inputs):
        alone = transcribe(m, [x], alphabet)[0][0]
        assert text == alone[0] and score == pytest.approx(alone[1], abs=1e-4)


def test_ctc_loss_trains_every_parameter_and_an_impossible_item_counts_zero():
    m = model()
    loss = m.loss(torch.randn(2, 1, 16, 12), torch.tensor([12, 12]), torch.tensor([[1, 2, 3, 4, 1, 2, 3, 4], [1] * 8]),
                  torch.tensor([8, 2]))  # item 0: 8 symbols in 6 steps has no alignment
    assert torch.isfinite(loss)
    loss.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in m.parameters())


def test_the_front_end_refuses_inputs_too_low_for_its_blocks():
    with pytest.raises(ValueError, match="inputs 8 high shrink to nothing after 4 blocks"):
        ConvFrontEnd(8, (4, 4, 4, 4))
