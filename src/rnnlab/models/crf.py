r"""A linear-chain conditional random field over per-step tag scores: the sequence labeller's output layer.

A softmax per step picks each tag alone; a CRF scores the whole tag sequence,
so that it can learn that ``I-PER`` never follows ``O``. With emissions
``e_t(y)`` (the encoder's score of tag ``y`` at step ``t``) and transitions
``A[y, y']`` (the score of ``y'`` right after ``y``):

.. math::
    s(x, y) = \pi_{y_1} + \sum_{t=1}^{n} e_t(y_t) + \sum_{t=2}^{n} A[y_{t-1}, y_t] + \omega_{y_n},
    \qquad
    p(y \mid x) = \exp s(x, y) / Z(x),\quad Z(x) = \sum_{y'} \exp s(x, y')

``log Z`` comes from the forward algorithm, ``alpha_t(j) = logsumexp_i
(alpha_{t-1}(i) + A[i, j]) + e_t(j)``; the best sequence from Viterbi, the
same recursion with max in place of logsumexp. Both run over a padded batch:
past its length a sequence's ``alpha`` is frozen, as a layer's state is.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class LinearChainCRF(nn.Module):
    """Transitions ``A (K, K)``, start scores ``pi (K,)`` and end scores ``omega (K,)`` for ``K`` tags.

    Shapes: ``emissions (B, T, K)``, ``tags (B, T)``, ``lengths (B,)`` (each at least 1).
    """

    def __init__(self, num_tags: int) -> None:
        super().__init__()
        if num_tags < 1:
            raise ValueError(f"a CRF needs at least one tag; received {num_tags}")
        self.num_tags = num_tags
        self.A = nn.Parameter(torch.empty(num_tags, num_tags))
        self.pi = nn.Parameter(torch.empty(num_tags))
        self.omega = nn.Parameter(torch.empty(num_tags))
        for p in (self.A, self.pi, self.omega):
            nn.init.uniform_(p, -0.1, 0.1)

    def _check(self, emissions: Tensor, lengths: Tensor) -> Tensor:
        if emissions.dim() != 3 or emissions.shape[2] != self.num_tags:
            raise ValueError(f"emissions must be (B, T, {self.num_tags}); received {tuple(emissions.shape)}")
        lengths = lengths.to(emissions.device)
        if lengths.shape != emissions.shape[:1] or int(lengths.min()) < 1 or int(lengths.max()) > emissions.shape[1]:
            raise ValueError(f"lengths must be (B,) = ({emissions.shape[0]},) in [1, {emissions.shape[1]}]; "
                             f"received {lengths.tolist()}")
        return lengths

    def score(self, emissions: Tensor, tags: Tensor, lengths: Tensor) -> Tensor:
        """``s(x, y)`` of the given tag sequences: ``(B,)``."""
        lengths = self._check(emissions, lengths)
        B, T, _ = emissions.shape
        valid = torch.arange(T, device=emissions.device) < lengths.unsqueeze(1)  # (B, T)
        tags = tags.masked_fill(~valid, 0)
        emitted = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)  # (B, T)
        moved = self.A[tags[:, :-1], tags[:, 1:]]  # (B, T-1)
        last = tags.gather(1, (lengths - 1).unsqueeze(1)).squeeze(1)  # (B,)
        return (self.pi[tags[:, 0]] + (emitted * valid).sum(1) + (moved * valid[:, 1:]).sum(1)
                + self.omega[last])

    def log_partition(self, emissions: Tensor, lengths: Tensor) -> Tensor:
        """``log Z(x)`` by the forward algorithm: ``(B,)``."""
        lengths = self._check(emissions, lengths)
        alpha = self.pi + emissions[:, 0]  # (B, K)
        for t in range(1, emissions.shape[1]):
            step = torch.logsumexp(alpha.unsqueeze(2) + self.A, dim=1) + emissions[:, t]  # (B, K)
            alpha = torch.where((t < lengths).unsqueeze(1), step, alpha)  # frozen past each length
        return torch.logsumexp(alpha + self.omega, dim=1)

    def nll(self, emissions: Tensor, tags: Tensor, lengths: Tensor) -> Tensor:
        """``-log p(y | x)`` of each sequence: ``(B,)`` (the training loss, summed or averaged by the caller)."""
        return self.log_partition(emissions, lengths) - self.score(emissions, tags, lengths)

    def marginals(self, emissions: Tensor, lengths: Tensor) -> Tensor:
        """``p(y_t = k | x)`` for every step: ``(B, T, K)``, zero past each length.

        The derivative of ``log Z`` with respect to ``e_t(k)`` is exactly this
        marginal, so one backward pass of the forward algorithm computes it
        (the forward-backward algorithm, by autograd).
        """
        with torch.enable_grad():
            e = emissions.detach().requires_grad_(True)
            (marginal,) = torch.autograd.grad(self.log_partition(e, lengths).sum(), e)
        return marginal

    @torch.no_grad()
    def decode(self, emissions: Tensor, lengths: Tensor) -> list[list[int]]:
        """The highest-scoring tag sequence of each, by Viterbi; each as long as its sequence."""
        lengths = self._check(emissions, lengths)
        delta = self.pi + emissions[:, 0]  # (B, K)
        back = []
        for t in range(1, emissions.shape[1]):
            best, arg = (delta.unsqueeze(2) + self.A).max(dim=1)  # (B, K): the best previous tag for each tag
            moving = (t < lengths).unsqueeze(1)
            delta = torch.where(moving, best + emissions[:, t], delta)
            back.append(arg)
        last = (delta + self.omega).argmax(dim=1)  # (B,)
        paths = []
        for b, n in enumerate(lengths.tolist()):
            path = [int(last[b])]
            for t in range(n - 1, 0, -1):
                path.append(int(back[t - 1][b, path[-1]]))
            paths.append(path[::-1])
        return paths
