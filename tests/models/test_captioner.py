"""The CNN encoder and the captioner: shapes, both ways of giving the decoder the image, step by step = all at once."""

import pytest
import torch

from rnnlab.models import Captioner, ConvEncoder


def test_conv_encoder_halves_each_block():
    encoder = ConvEncoder(3, (8, 16))
    assert encoder(torch.rand(2, 3, 32, 32)).shape == (2, 16, 8, 8) and encoder.out_channels == 16
    with pytest.raises(ValueError, match="channels"):
        ConvEncoder(3, ())


@pytest.mark.parametrize("image_as", ["state", "input"])
@pytest.mark.parametrize("attention", [None, "additive"])
def test_step_by_step_equals_the_whole_caption(image_as, attention):
    torch.manual_seed(0)
    model = Captioner(12, 8, "lstm", 16, attention=attention, image_as=image_as, channels=(4, 8)).eval()
    images, previous = torch.rand(3, 3, 16, 16), torch.randint(1, 12, (3, 5))
    whole = model(images, previous)
    assert whole.shape == (3, 5, 12)
    memory = model.encode(images)
    assert memory.keys.shape == (3, 16, 8)  # a 4 x 4 feature map of 8 channels
    step, state = model.step_function(memory), model.initial_state(memory)
    for t in range(5):
        log_probs, state, alpha = step(previous[:, t], state)
        torch.testing.assert_close(log_probs, whole[:, t].log_softmax(-1), rtol=1e-5, atol=1e-6)
        assert (alpha is None) == (attention is None)
    positions = torch.rand(3, 5) > 0.3
    torch.testing.assert_close(model(images, previous, positions), whole[positions])
    owners = torch.tensor([2, 0, 2, 1])  # each picture once, captions of any of them in any order
    captions = torch.randint(1, 12, (4, 5))
    torch.testing.assert_close(model(images, captions, owners=owners), model(images[owners], captions),
                               rtol=1e-5, atol=1e-6)


def test_the_image_changes_the_caption():
    torch.manual_seed(0)
    model = Captioner(12, 8, "gru", 16, image_as="input", channels=(4,)).eval()
    previous = torch.randint(1, 12, (1, 4))
    a, b = model(torch.zeros(1, 3, 8, 8), previous), model(torch.ones(1, 3, 8, 8), previous)
    assert not torch.allclose(a, b)
