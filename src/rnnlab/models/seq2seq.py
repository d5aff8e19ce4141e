r"""The encoder-decoder (many-to-many, unsynced): machine translation as the chapter draws it.

Encoder: ``x_s = embed(w_s)``; ``k_1 .. k_S = RNN_enc(x_1 .. x_S)`` (stacked, optionally
bidirectional); ``z`` = the top layer's final state (both directions), taken
at each sentence's own last word. The decoder (``rnnlab.models.decoder``)
starts from ``z`` and reads ``k_1 .. k_S`` through attention, source padding
masked (its weights are exactly 0), or, without attention, is given ``z`` at
every step.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnnlab.models.classifier import last_hidden
from rnnlab.models.decoder import Decoder, Memory
from rnnlab.models.stack import layer_groups, make_stack


class Seq2Seq(nn.Module):
    """Args: vocabulary sizes and padding ids; ``embedding_dim``; encoder and decoder cell kinds
    (``make_stack``); ``hidden_size`` and ``num_layers`` of both; ``bidirectional`` encoder;
    ``dropout``; ``attention``: None, ``additive``, ``multiplicative`` or ``dot``; ``engine``."""

    def __init__(self, source_vocab: int, target_vocab: int, embedding_dim: int, encoder_cell: str,
                 decoder_cell: str, hidden_size: int, num_layers: int = 1, bidirectional: bool = True,
                 dropout: float = 0.0, attention: str | None = "additive", source_pad: int = 0, target_pad: int = 0,
                 engine: str = "auto") -> None:
        super().__init__()
        self.source_embed = nn.Embedding(source_vocab, embedding_dim, padding_idx=source_pad)
        self.encoder = make_stack(encoder_cell, embedding_dim, hidden_size, num_layers, dropout, bidirectional,
                                  engine=engine)
        self.decoder = Decoder(target_vocab, embedding_dim, decoder_cell, hidden_size, self.encoder.output_size,
                               num_layers, dropout, attention, target_pad, engine)
        self.drop = nn.Dropout(dropout)

    def layer_groups(self) -> list[list[nn.Module]]:
        """ULMFiT's layer groups: the source embedding and each encoder layer; the decoder is the head."""
        return layer_groups(self.source_embed, self.encoder)

    def encode(self, source: Tensor, lengths: Tensor) -> Memory:
        """``source: (B, S)`` ids, ``lengths: (B,)`` -> the decoder's view of it."""
        keys, final = self.encoder(self.drop(self.source_embed(source)), None, lengths)  # (B, S, C)
        mask = torch.arange(source.shape[1], device=source.device) < lengths.to(source.device).unsqueeze(1)
        return self.decoder.memory(keys, mask, last_hidden(final))

    def forward(self, source: Tensor, lengths: Tensor, previous: Tensor, teacher_forcing: float = 1.0,
                positions: Tensor | None = None, generator: torch.Generator | None = None) -> Tensor:
        """Logits ``(B, T, V)`` for the target read as ``previous = [<bos>, y_1, .., y_{T-1}]``
        (``(N, V)`` at ``positions`` only, if given)."""
        return self.decoder(self.encode(source, lengths), previous, teacher_forcing, positions, generator)

    def initial_state(self, memory: Memory):
        return self.decoder.initial_state(memory)

    def step_function(self, memory: Memory):
        return self.decoder.step_function(memory)
