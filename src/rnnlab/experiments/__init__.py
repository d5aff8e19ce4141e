"""The chapter's claims as experiments: each one command that trains, measures and writes a Markdown report.

``EXPERIMENTS`` maps a name to ``(what it shows, run)``; ``run(out, quick, seeds)`` writes ``out/REPORT.md`` and
its plots and returns the report's path. ``quick`` finishes in under 2 minutes on 2 CPU cores.
"""

from __future__ import annotations

from rnnlab.experiments import exploding, lstm_vs_gru, remedies, truncation, vanishing

EXPERIMENTS = {
    "vanishing": ("tanh RNN, ReLU RNN, LSTM and GRU on the adding problem and the copy task at growing lengths; "
                  "the decay of ||dL/dh_t||", vanishing.run),
    "exploding": ("high learning rate without clipping, with norm clipping and with value clipping: loss, "
                  "gradient norms, NaN events", exploding.run),
    "lstm-vs-gru": ("parameter counts and quality at equal hidden size and at equal parameter count, on the "
                    "character language model", lstm_vs_gru.run),
    "tbptt": ("truncated BPTT: the chunk length k against the longest dependency learned", truncation.run),
    "remedies": ("residual connections, layer normalisation, layer-wise pretraining and weight decay in a deep "
                 "RNN, each against no remedy", remedies.run),
}

__all__ = ["EXPERIMENTS"]
