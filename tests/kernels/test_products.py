"""The time loops' matrix product: packed for oneDNN where that pays, the same product either way."""

import pytest
import torch
from conformance import SPEC_IDS, SPECS, flat

from rnnlab import Recurrent
from rnnlab.core import map_state
from rnnlab.kernels import products
from rnnlab.kernels.products import Product


def test_a_product_equals_torch_mm_packed_or_not():
    torch.manual_seed(0)
    W, a, c = torch.randn(1024, 256), torch.randn(32, 256), torch.randn(32, 1024)
    big, small = Product(W, 32, 100), Product(W, 32, 2)
    assert small.packed is None  # too few steps to pay for packing
    assert (big.packed is not None) == products.PACKS
    for p in (big, small):
        torch.testing.assert_close(p(a), a @ W.t(), atol=1e-4, rtol=1e-5)
        torch.testing.assert_close(p.plus(c, a), c + a @ W.t(), atol=1e-4, rtol=1e-5)
        out = c.clone()
        assert p.plus(out, a, out=out) is out
        torch.testing.assert_close(out, c + a @ W.t(), atol=1e-4, rtol=1e-5)
    assert Product(W.double(), 32, 100).packed is None  # oneDNN packs float32 and bfloat16 only
    assert Product(torch.randn(8, 8), 1, 100).packed is None  # too small a product to gain


@pytest.mark.skipif(not products.PACKS, reason="this build of torch has no oneDNN packed products")
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_kernels_with_packed_products_equal_the_reference_loop(spec):
    """Sizes where every kernel packs its recurrent weights: values, final states and every gradient."""
    torch.manual_seed(0)
    B, T, F, H = 64, 9, 16, 256
    assert B * H * H >= Product.MIN_WORK and T >= Product.MIN_STEPS
    cell = spec.make(F, H)
    x = torch.randn(B, T, F, requires_grad=True)
    lengths = torch.randint(1, T + 1, (B,))
    state = map_state(lambda t: (0.5 * torch.randn_like(t)).requires_grad_(), cell.initial_state(B))
    results = []
    for engine in ("bptt", "reference"):
        y, final = Recurrent(cell, engine=engine)(x, state, lengths)
        torch.manual_seed(1)
        outputs = [y, *flat(final)]
        loss = sum((t * torch.randn(t.shape)).sum() for t in outputs)
        results.append(outputs + list(torch.autograd.grad(loss, [x, *flat(state), *cell.parameters()])))
    for a, b in zip(*results):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)
