"""Arrays as small PNG pictures a web page can show inline (``data:`` URLs)."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image


def data_url(pixels, scale: int = 1) -> str:
    """``pixels``: ``(H, W)`` values of any range (stretched to grey levels) or ``(H, W, 3)`` uint8 colours;
    ``scale``: each pixel drawn as a ``scale`` x ``scale`` square. Returns ``data:image/png;base64,...``."""
    a = np.asarray(pixels)
    if a.ndim == 2:
        a = a.astype(np.float32)
        low, high = float(a.min()), float(a.max())
        a = ((a - low) / (high - low if high > low else 1.0) * 255).astype(np.uint8)
    elif a.dtype != np.uint8:
        raise ValueError(f"colour pictures must be uint8 (H, W, 3); received {a.dtype} {a.shape}")
    picture = Image.fromarray(a)
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
