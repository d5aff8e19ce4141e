"""The frame labeller: padding changes nothing, the causal model never looks ahead, the baseline sees one frame."""

import pytest
import torch

from rnnlab.models import FrameLabeller, make_stack


def labeller(shape, bidirectional=True, encoder="lstm"):
    torch.manual_seed(0)
    stack = None if encoder is None else make_stack(encoder, 12, 10, 2, bidirectional=bidirectional)
    return FrameLabeller(4, shape, 12, stack, hidden_size=10, channels=(4, 8), grid=2).eval()


@pytest.mark.parametrize("shape", [(3, 8, 8), (6,)])
@pytest.mark.parametrize("encoder", ["lstm", "gru", None])
def test_a_padded_batch_labels_each_video_as_alone(shape, encoder):
    model = labeller(shape, encoder=encoder)
    x, lengths = torch.rand((3, 7) + shape), torch.tensor([7, 4, 2])
    batch = model(x, lengths)
    assert batch.shape == (3, 7, 4)
    for k, n in enumerate(lengths.tolist()):
        alone = model(x[k:k + 1, :n], torch.tensor([n]))
        torch.testing.assert_close(batch[k:k + 1, :n], alone, rtol=1e-5, atol=1e-6)
    assert model.label(x, lengths)[2] == batch[2, :2].argmax(-1).tolist()


def test_the_causal_model_never_looks_ahead_and_the_bidirectional_one_does():
    x, lengths = torch.rand(1, 6, 3, 8, 8), torch.tensor([6])
    later = x.clone()
    later[:, 4:] = torch.rand(1, 2, 3, 8, 8)
    causal, both = labeller((3, 8, 8), bidirectional=False), labeller((3, 8, 8))
    torch.testing.assert_close(causal(x, lengths)[:, :4], causal(later, lengths)[:, :4])
    assert not torch.allclose(causal(x, lengths)[:, 4:], causal(later, lengths)[:, 4:])
    assert not torch.allclose(both(x, lengths)[:, :4], both(later, lengths)[:, :4])


def test_the_baseline_labels_each_frame_alone():
    model = labeller((6,), encoder=None)
    x = torch.rand(1, 5, 6)
    shuffled = x[:, [4, 2, 0, 1, 3]]
    torch.testing.assert_close(model(x, torch.tensor([5]))[:, [4, 2, 0, 1, 3]], model(shuffled, torch.tensor([5])))


def test_bad_shapes_are_named():
    model = labeller((3, 8, 8))
    with pytest.raises(ValueError, match=r"frames must be \(B, T, 3, 8, 8\); received \(1, 5, 8, 8, 3\)"):
        model(torch.rand(1, 5, 8, 8, 3), torch.tensor([5]))
    with pytest.raises(ValueError, match="frame shape"):
        FrameLabeller(4, (8, 8), 12, None)
