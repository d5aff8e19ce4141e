"""How much a compiled time loop would buy the chapter's GRU at inference (by hand; docs/performance-compiled.md).

    python benchmarks/probe_compiled_gru.py --markdown docs/performance-compiled.md

rnnlab's GRU kernel runs its time loop in Python. This probe measures two
compiled versions of the same forward loop (no gradient, no lengths), beside
torch.nn.GRU in the same run:

- ``torchscript``: the loop as written in ``rnnlab.kernels.gru``, run by torch.jit.script;
- ``c++``: the loop in C++ (torch.utils.cpp_extension, needs a compiler and
  ninja), the gate arithmetic of each step fused into two plain loops, the two
  recurrent products left to ATen.

It is a probe, not an engine: it tells whether a compiled engine would reach
the 1.3x target of docs/performance.md, and where it could not.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import torch
from machine import describe, markdown

SHAPES = {"c1": (32, 100, 64, 256), "c2": (64, 50, 128, 512), "c3": (1, 200, 64, 256), "c4": (128, 35, 650, 650)}

CPP = r"""
#include <torch/extension.h>
#include <cmath>
// A: (T, B, 3H) = W_x x_t + b for all t; returns Hs: (T + 1, B, H) with Hs[0] = h0.
torch::Tensor gru_before_forward(torch::Tensor A, torch::Tensor h0, torch::Tensor W_ruT, torch::Tensor W_hcT) {
  const int64_t T = A.size(0), B = A.size(1), H = h0.size(1);
  auto Hs = torch::empty({T + 1, B, H}, A.options());
  Hs[0].copy_(h0);
  auto ru = torch::empty({B, 2 * H}, A.options()), rh = torch::empty({B, H}, A.options());
  auto n = torch::empty({B, H}, A.options());
  float *pru = ru.data_ptr<float>(), *prh = rh.data_ptr<float>(), *pn = n.data_ptr<float>();
  for (int64_t t = 0; t < T; ++t) {
    auto h = Hs[t];
    const float *pa = A[t].data_ptr<float>(), *ph = h.data_ptr<float>();
    float *pout = Hs[t + 1].data_ptr<float>();
    at::mm_out(ru, h, W_ruT);  // W_h[r,u] h_{t-1}
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t j = 0; j < 2 * H; ++j)
        pru[b * 2 * H + j] = 1.f / (1.f + std::exp(-(pa[b * 3 * H + j] + pru[b * 2 * H + j])));  // r, u
      for (int64_t j = 0; j < H; ++j) prh[b * H + j] = pru[b * 2 * H + j] * ph[b * H + j];  // r * h_{t-1}
    }
    at::mm_out(n, rh, W_hcT);  // W_hc (r * h_{t-1})
    for (int64_t b = 0; b < B; ++b)
      for (int64_t j = 0; j < H; ++j) {
        const float c = std::tanh(pa[b * 3 * H + 2 * H + j] + pn[b * H + j]), u = pru[b * 2 * H + H + j];
        pout[b * H + j] = u * ph[b * H + j] + (1.f - u) * c;  // u h + (1 - u) h~
      }
  }
  return Hs;
}
"""


def python_loop(A: torch.Tensor, Hs: torch.Tensor, W_ruT: torch.Tensor, W_hcT: torch.Tensor, H: int) -> torch.Tensor:
    As, hs = A.unbind(1), Hs.unbind(1)  # A: (B, T, 3H), Hs: (B, T + 1, H)
    for t in range(len(As)):
        h, a = hs[t], As[t]
        ru = a[:, : 2 * H].addmm_(h, W_ruT).sigmoid_()
        r, u = ru[:, :H], ru[:, H:]
        n = a[:, 2 * H:].addmm_(r * h, W_hcT).tanh_()
        torch.lerp(n, h, u, out=hs[t + 1])
    return Hs


def rate(fn, tokens: int, seconds: float) -> float:
    for _ in range(3):
        fn()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn()
        n += 1
    return tokens * n / (time.perf_counter() - t0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    p.add_argument("--markdown", type=Path, help="write the table to this file")
    args = p.parse_args()
    from torch.utils.cpp_extension import load_inline
    t0 = time.time()
    ext = load_inline("rnnlab_probe_gru", cpp_sources=CPP, functions=["gru_before_forward"],
                      extra_cflags=["-O3", "-march=native", "-ffast-math"])
    compile_s = time.time() - t0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scripted = torch.jit.script(python_loop)
    rows = []
    torch.manual_seed(0)
    for name, (B, T, I, H) in SHAPES.items():
        X = torch.randn(B, T, I)
        W_x, W_h, b = torch.randn(3 * H, I) * 0.1, torch.randn(3 * H, H) * 0.05, torch.zeros(3 * H)
        W_ruT, W_hcT = W_h[: 2 * H].t(), W_h[2 * H:].t()
        peer = torch.nn.GRU(I, H, batch_first=True)

        def run(loop):
            return loop(torch.nn.functional.linear(X, W_x, b), X.new_zeros(B, T + 1, H), W_ruT, W_hcT, H)

        def cpp():
            A = torch.nn.functional.linear(X.transpose(0, 1), W_x, b).contiguous()  # (T, B, 3H)
            return ext.gru_before_forward(A, X.new_zeros(B, H), W_ruT, W_hcT)

        with torch.no_grad():
            res = {"torch.nn.GRU": rate(lambda: peer(X), B * T, args.seconds),
                   "python": rate(lambda: run(python_loop), B * T, args.seconds),
                   "torchscript": rate(lambda: run(scripted), B * T, args.seconds),
                   "c++": rate(cpp, B * T, args.seconds)}
        rows.append((name, (B, T, I, H), res))
        print(name, {k: f"{v:,.0f} ({v / res['torch.nn.GRU']:.2f}x)" for k, v in res.items()}, flush=True)
    lines = ["# A compiled loop for the chapter's GRU: probe", "",
             f"Measured by `python benchmarks/probe_compiled_gru.py --markdown docs/performance-compiled.md` "
             f"on {markdown(describe())}. C++ compile time {compile_s:.0f} s.", "",
             "Inference tokens/s of the chapter's GRU forward loop, and the ratio to torch.nn.GRU "
             "(the other reset form, one recurrent product per step) in the same run.", "",
             "| shape (B, T, I, H) | torch.nn.GRU | python loop | torchscript | c++ fused |", "|---|---:|---:|---:|---:|"]
    for name, shape, res in rows:
        base = res["torch.nn.GRU"]
        cells = [f"{res[k]:,.0f} ({res[k] / base:.2f}x)" for k in ("python", "torchscript", "c++")]
        lines.append(f"| {name} {shape} | {base:,.0f} | " + " | ".join(cells) + " |")
    if args.markdown:
        args.markdown.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
