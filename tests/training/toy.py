"""A tiny next-token task for the fit loop's tests: count up modulo V."""

import random

import torch
import torch.nn.functional as F

from rnnlab.models import LanguageModel


class CountingTask:
    """Sequences ``s, s+1, s+2, ... (mod V)``; the model must learn to add one."""

    def __init__(self, n=96, T=8, V=7, batch=8, poison=None):
        starts = torch.arange(n) % V
        self.data = (starts.unsqueeze(1) + torch.arange(T + 1)) % V  # (n, T+1)
        self.val = self.data[:16]
        self.batch, self.poison, self.calls = batch, poison, 0
        self.V = V

    def batches(self, epoch):
        order = list(range(len(self.data)))
        random.Random(epoch).shuffle(order)
        return [order[k:k + self.batch] for k in range(0, len(order), self.batch)]

    def start_epoch(self, epoch):
        pass

    def loss(self, model, batch):
        self.calls += 1
        seq = self.data[batch].to(next(model.parameters()).device)
        logits, _ = model(seq[:, :-1])
        loss = F.cross_entropy(logits.flatten(0, 1), seq[:, 1:].flatten())
        if self.poison is not None and self.poison(self.calls):
            loss = loss * float("nan")
        return loss, seq[:, 1:].numel()

    @torch.no_grad()
    def evaluate(self, model, split):
        model.eval()
        seq = self.val.to(next(model.parameters()).device)
        logits, _ = model(seq[:, :-1])
        return {"loss": float(F.cross_entropy(logits.flatten(0, 1), seq[:, 1:].flatten()))}

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


def toy_model(cell="gru", dropout=0.0):
    torch.manual_seed(0)
    return LanguageModel(7, 8, cell, 16, num_layers=2, dropout=dropout)
