r"""Greedy and beam search over a model's next-token log-probabilities.

A decoder is a ``step(tokens: (N,), state) -> (log_probs: (N, V), state, attention: (N, S) or None)``
function; the search keeps ``N = B * beam`` hypotheses and reorders the state
(leaf by leaf, ``index_select`` on the first axis) to follow them.

Beam search scores a finished hypothesis Y by its log-probability divided by
the length penalty of Wu et al. (2016, GNMT)::

    lp(Y) = ((5 + |Y|) / 6) ** alpha        (alpha = 0: the plain sum of log-probabilities)

A sentence stops once it has ``beam`` finished hypotheses (or at ``max_len``,
where the unfinished ones count as finished); its ``n_best`` best come back
in score order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch
from torch import Tensor

from rnnlab.core import map_state

Step = Callable[[Tensor, Any], tuple[Tensor, Any, "Tensor | None"]]


@dataclass
class Hypothesis:
    tokens: list[int]  # without <bos> and <eos>
    log_prob: float  # sum of the tokens' log-probabilities (the <eos> included when it ended)
    score: float  # log_prob / lp(len(tokens) + 1 if it ended, else len(tokens))
    attention: Tensor | None = None  # (len(tokens), S): where each output token looked


def length_penalty(length: int, alpha: float) -> float:
    return ((5.0 + length) / 6.0) ** alpha


def _select(state: Any, index: Tensor) -> Any:
    return map_state(lambda t: t.index_select(0, index), state)


@torch.no_grad()
def greedy(step: Step, state: Any, bos: Tensor, eos_id: int, max_len: int) -> list[Hypothesis]:
    """The most likely token at each step, for a batch: ``bos: (B,)`` start tokens."""
    B = bos.shape[0]
    tokens, total = bos, torch.zeros(B, dtype=torch.float64)
    out: list[list[int]] = [[] for _ in range(B)]
    attention: list[list[Tensor]] = [[] for _ in range(B)]
    ended = torch.zeros(B, dtype=torch.bool)
    for _ in range(max_len):
        log_probs, state, alpha = step(tokens, state)
        best, tokens = log_probs.float().max(-1)
        for b in range(B):
            if ended[b]:
                continue
            total[b] += float(best[b])
            if int(tokens[b]) == eos_id:
                ended[b] = True
            else:
                out[b].append(int(tokens[b]))
                if alpha is not None:
                    attention[b].append(alpha[b].float().cpu())
        if bool(ended.all()):
            break
    return [Hypothesis(out[b], float(total[b]), float(total[b]),
                       torch.stack(attention[b]) if attention[b] else None) for b in range(B)]


MAX_ALPHA = 10.0  # past it the length penalty overflows a float for long outputs; GNMT uses 0.6-1.0


def check_beam(beam: int, n_best: int, vocabulary: int | None, alpha: float = 0.0) -> None:
    """A beam of 1 to ``vocabulary`` hypotheses (a wider one could never fill: its first step has only that many
    words to choose from, and it would only cost memory; None: no bound), an n-best list of 1 to ``beam``, and a
    length penalty ``alpha`` from 0 to ``MAX_ALPHA``; else ValueError. Callers that know the vocabulary check
    before they repeat an encoder's memory ``beam`` times."""
    if not 1 <= beam <= (vocabulary or beam) or not 1 <= n_best <= beam:
        raise ValueError(f"beam must be from 1 to {vocabulary or 'any size'}"
                         f"{' (the output vocabulary size)' if vocabulary else ''} and n-best from 1 to the beam; "
                         f"received beam {beam}, n-best {n_best}")
    if not 0.0 <= alpha <= MAX_ALPHA:
        raise ValueError(f"alpha (the length penalty) must be from 0 to {MAX_ALPHA:g}; received {alpha}")


@torch.no_grad()
def beam_search(step: Step, state: Any, bos: Tensor, eos_id: int, max_len: int, beam: int = 5,
                alpha: float = 0.0, n_best: int = 1) -> list[list[Hypothesis]]:
    """The ``n_best`` hypotheses of each sentence in score order (see the module's text).

    ``state`` is for ``B`` sentences (``bos: (B,)``); anything else the step
    needs per sentence (an encoder's memory) the caller repeats ``beam``
    times, sentence by sentence (``repeat_interleave``), to match.
    """
    check_beam(beam, n_best, None, alpha)
    B, K = bos.shape[0], beam
    device = bos.device
    state = map_state(lambda t: t.repeat_interleave(K, dim=0), state)  # (B*K, ...)
    tokens = bos.repeat_interleave(K)
    scores = torch.full((B, K), float("-inf"), dtype=torch.float64, device=device)
    scores[:, 0] = 0.0  # one live hypothesis per sentence at the start
    history = torch.empty(B * K, 0, dtype=torch.long, device=device)
    looks: Tensor | None = None  # (B*K, t, S)
    finished: list[list[Hypothesis]] = [[] for _ in range(B)]
    done = torch.zeros(B, dtype=torch.bool)

    def keep(b: int, row: int, log_prob: float, ended: bool) -> None:
        toks = history[row].tolist()
        length = len(toks) + (1 if ended else 0)
        att = None if looks is None else looks[row, : len(toks)].float().cpu()
        finished[b].append(Hypothesis(toks, log_prob, log_prob / length_penalty(length, alpha), att))

    for t in range(max_len):
        log_probs, state, alpha_t = step(tokens, state)
        V = log_probs.shape[-1]
        candidates = (scores.unsqueeze(2) + log_probs.double().view(B, K, V)).view(B, K * V)
        top, index = candidates.topk(K, dim=1)  # (B, K)
        source = (torch.arange(B, device=device).unsqueeze(1) * K + index // V).view(-1)  # rows followed
        tokens = (index % V).view(-1)
        state = _select(state, source)
        history = history.index_select(0, source)
        if alpha_t is not None:
            step_looks = alpha_t.index_select(0, source).unsqueeze(1)
            looks = step_looks if looks is None else torch.cat([looks.index_select(0, source), step_looks], 1)
        scores = top.clone()
        is_eos = (tokens == eos_id).view(B, K)
        for b, k in is_eos.nonzero().tolist():
            if not done[b] and top[b, k] > float("-inf"):
                keep(b, b * K + k, float(top[b, k]), ended=True)
        scores[is_eos] = float("-inf")
        history = torch.cat([history, tokens.unsqueeze(1)], 1)
        for b in range(B):
            if not done[b] and len(finished[b]) >= K:
                done[b] = True
        scores[done] = float("-inf")
        if bool(done.all()):
            break
    for b in range(B):
        if not done[b]:  # out of steps: what is still alive counts as finished
            for k in range(K):
                if scores[b, k] > float("-inf"):
                    keep(b, b * K + k, float(scores[b, k]), ended=False)
    return [sorted(f, key=lambda h: -h.score)[:n_best] for f in finished]
