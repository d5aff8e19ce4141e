"""What every layer shares: input checks and PackedSequence handling."""

from __future__ import annotations

from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence

from rnnlab.core.checks import shape_str
from rnnlab.layers.lengths import check_lengths, repack_like, unpack


class Layer(nn.Module):
    """Base of the layers. Subclasses set ``input_size``, ``output_size`` and define
    ``_run(x, state, lengths)`` on checked input, and ``initial_state``.

    ``forward`` checks once at the boundary; layers inside a layer call each
    other's ``_run`` so that nothing is checked twice.
    """

    input_size: int
    output_size: int

    def forward(self, x, state=None, lengths=None):
        """Run the layer over a sequence.

        Args:
            x: ``(B, T, F)`` batch-first input, or a PackedSequence.
            state: the initial state (see ``initial_state``), or None for zeros.
            lengths: ``(B,)`` valid lengths in any order, each in ``[1, T]``; None
                when every sequence fills all ``T`` steps.

        Returns:
            ``(y, final_state)``: ``y: (B, T, output_size)`` with zeros past each
            length (a PackedSequence if ``x`` was one), and the state at each
            sequence's last valid step.
        """
        name = type(self).__name__
        if isinstance(x, PackedSequence):
            if lengths is not None:
                raise ValueError(f"{name}: a PackedSequence carries its own lengths; do not pass lengths too")
            padded, lengths = unpack(x)
            y, state = self.forward(padded, state, lengths)
            return repack_like(y, lengths, x), state
        if not isinstance(x, Tensor) or x.dim() != 3 or x.shape[2] != self.input_size:
            raise ValueError(f"{name}: x must be (B, T, {self.input_size}); received {shape_str(x)}")
        if x.shape[1] == 0:
            raise ValueError(f"{name}: x must have at least one time step; received {shape_str(x)}")
        lengths = check_lengths(lengths, x.shape[0], x.shape[1], name, x.device)
        return self._run(x, state, lengths)

    def _run(self, x: Tensor, state, lengths: Tensor | None):
        raise NotImplementedError

    def initial_state(self, batch: int, *, device=None, dtype=None):
        raise NotImplementedError
