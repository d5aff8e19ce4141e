"""The embedded default: lines of English words rendered with Pillow's bundled font, distorted like handwriting.

Words come from the embedded word list (``rnnlab.data.english_words``), split
once into training, validation and test words that never overlap: a test line
holds only words the model never saw, so only a reader of characters scores.
Each line is drawn in a random size and grey, sheared and slightly rotated,
blurred, scaled to a fixed height and given pixel noise.
"""

from __future__ import annotations

import random
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from rnnlab.data import english_words, split_items
from rnnlab.data.transcribed import ink_image


@lru_cache(maxsize=None)
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def render_line(text: str, rng: random.Random, height: int = 32) -> np.ndarray:
    """``(height, W)`` float32 ink image of ``text``."""
    face = font(rng.randint(18, 26))
    left, top, right, bottom = face.getbbox(text)
    margin = rng.randint(2, 8)
    picture = Image.new("L", (right - left + 2 * margin + 8, 40), 255)
    ImageDraw.Draw(picture).text((margin + 4 - left, 20 + rng.randint(-2, 2)), text, font=face,
                                 fill=rng.randint(0, 90), anchor="lm")
    shear = rng.uniform(-0.35, 0.35)
    picture = picture.transform(picture.size, Image.AFFINE, (1, shear, -shear * 20, 0, 1, 0), Image.BILINEAR,
                                fillcolor=255)
    picture = picture.rotate(rng.uniform(-2.5, 2.5), Image.BILINEAR, fillcolor=255)
    picture = picture.filter(ImageFilter.GaussianBlur(rng.uniform(0.0, 1.0)))
    image = ink_image(picture, height)
    noise = np.random.default_rng(rng.getrandbits(32)).normal(0, rng.uniform(0.0, 0.08), image.shape)
    return np.clip(image + noise, 0, 1).astype(np.float32)


def word_splits(seed: int, words: int = 12000) -> tuple[list[str], list[str], list[str]]:
    """The embedded list's frequent words of 2-10 letters, split 85 / 5 / 10 into training, validation and test
    words."""
    vocabulary = [w for w in english_words(words) if len(w) <= 10]
    return split_items(vocabulary, 0.05, 0.10, seed=seed)


def generate_lines(counts: tuple[int, int, int], seed: int, height: int = 32,
                   words_a_line: tuple[int, int] = (1, 3)) -> list[list[tuple[np.ndarray, str]]]:
    """Training, validation and test lines ``(image, text)``: 1-3 words each, from the split's own words."""
    rng = random.Random(seed)
    splits = []
    for n, words in zip(counts, word_splits(seed)):
        lines = []
        for _ in range(n):
            text = " ".join(rng.choice(words) for _ in range(rng.randint(*words_a_line)))
            lines.append((render_line(text, rng, height), text))
        splits.append(lines)
    return splits
