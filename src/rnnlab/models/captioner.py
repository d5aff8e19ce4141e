r"""One-to-many: an image in, a sentence out (image captioning, the chapter's example).

    F = CNN(image)                          (B, C, h, w): the feature map; its h*w cells are the keys k_1..k_S
    z = relu(W_z flatten(pool_4x4(F)))      (B, C): the image vector; it keeps where things are

The decoder (``rnnlab.models.decoder``) then writes the caption either from
the image vector as its initial state, ``s_0 = tanh(W_b z)`` (``image_as="state"``),
or from the image vector as its first input, ``s_1 = RNN(W_i z, 0)`` (Vinyals et
al. 2015, ``image_as="input"``); with ``attention`` it also looks at the cells
of the feature map at every word (soft attention, Xu et al. 2015).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnnlab.core import map_state
from rnnlab.models.cnn import ConvEncoder, GridVector
from rnnlab.models.decoder import Decoder, Memory

IMAGE_AS = ("state", "input")


class Captioner(nn.Module):
    def __init__(self, vocab_size: int, embedding_dim: int, cell: str, hidden_size: int, num_layers: int = 1,
                 dropout: float = 0.0, attention: str | None = None, image_as: str = "state",
                 channels: tuple[int, ...] = (32, 64, 128), padding_idx: int = 0, engine: str = "auto") -> None:
        super().__init__()
        if image_as not in IMAGE_AS:
            raise ValueError(f"image as must be one of {', '.join(IMAGE_AS)}; received {image_as!r}")
        self.cnn = ConvEncoder(3, channels)
        C = self.cnn.out_channels
        self.image_as = image_as
        self.vector = GridVector(C, 4, C)  # W_z
        self.decoder = Decoder(vocab_size, embedding_dim, cell, hidden_size, C, num_layers, dropout, attention,
                               padding_idx, engine)
        self.image_input = nn.Linear(C, embedding_dim) if image_as == "input" else None  # W_i

    def encode(self, images: Tensor) -> Memory:
        """``images: (B, 3, H, W)`` in [0, 1] -> the decoder's view of them."""
        features = self.cnn(images)  # (B, C, h, w)
        keys = features.flatten(2).transpose(1, 2)  # (B, h*w, C)
        mask = torch.ones(keys.shape[:2], dtype=torch.bool, device=keys.device)
        z = self.vector(features)  # (B, C)
        return self.decoder.memory(keys, mask, z)

    def initial_state(self, memory: Memory):
        """The decoder's state before the first word: bridged from the image, or after reading it."""
        state = self.decoder.initial_state(memory)
        if self.image_as == "state":
            return state
        state = map_state(torch.zeros_like, state)
        return self.decoder.read(self.image_input(memory.summary), state, memory)

    def forward(self, images: Tensor, previous: Tensor, positions: Tensor | None = None,
                owners: Tensor | None = None) -> Tensor:
        """Logits ``(B, T, V)`` for captions read as ``previous = [<bos>, w_1, .., w_{T-1}]``
        (``(N, V)`` at ``positions`` only, if given). ``owners`` (B,): the picture of each caption, when
        ``images`` holds each picture once for all its captions; by default caption k is of picture k."""
        memory = self.encode(images)
        if owners is not None:
            memory = memory.select(owners)
        return self.decoder.decode(previous, self.initial_state(memory), memory, positions)[0]

    def step_function(self, memory: Memory):
        return self.decoder.step_function(memory)
