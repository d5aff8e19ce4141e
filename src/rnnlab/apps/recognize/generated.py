"""The embedded default: lines of English words rendered in several fonts and sizes, distorted like a scan.

Words come from the embedded word list (``rnnlab.data.english_words``), split
once into training, validation and test words that never overlap: a test line
holds only words the model never saw, so only a reader of characters scores.
Each line is drawn in one of the 17 training fonts (Pillow's own, and the
DejaVu Sans, Serif and Mono and Computer Modern faces that matplotlib ships,
some bold, oblique or italic) at a size from 8 to 48 pixels (three in ten
lines at 8-14, the hardest to read), with word spaces of half to one and a
half times the face's own, in a grey on a lighter paper, some strokes
thickened or thinned. Small text is drawn either at its size, hinted to the
pixel grid as a screen shows it, or larger and then reduced, as a scan or a
scaled screenshot has it. Then the line is narrowed or widened, sheared,
slightly rotated, blurred in proportion to the size, cropped to its ink and
scaled to a fixed height (``ink_image``, as every picture read is), and given
pixel noise. ``HELD_OUT_FONT`` (STIX, a Times-like serif) is never trained
on: ``font_size_lines`` draws test words in it and in each training font at
fixed sizes as a screen shows them, for the report by font and size.
"""

from __future__ import annotations

import math
import random
from functools import lru_cache
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from rnnlab.data import english_words, split_items
from rnnlab.data.transcribed import ink_image

FONT_FILES = {"pillow": None, "sans": "DejaVuSans.ttf", "sans-bold": "DejaVuSans-Bold.ttf",
              "sans-oblique": "DejaVuSans-Oblique.ttf", "serif": "DejaVuSerif.ttf", "serif-bold": "DejaVuSerif-Bold.ttf",
              "serif-italic": "DejaVuSerif-Italic.ttf", "mono": "DejaVuSansMono.ttf", "mono-bold": "DejaVuSansMono-Bold.ttf",
              "sans-bold-oblique": "DejaVuSans-BoldOblique.ttf", "serif-bold-italic": "DejaVuSerif-BoldItalic.ttf",
              "mono-oblique": "DejaVuSansMono-Oblique.ttf", "cm-serif": "cmr10.ttf", "cm-serif-bold": "cmb10.ttf",
              "cm-italic": "cmti10.ttf", "cm-sans": "cmss10.ttf", "cm-mono": "cmtt10.ttf",
              "stix": "STIXGeneral.ttf"}
HELD_OUT_FONT = "stix"
TRAINING_FONTS = tuple(name for name in FONT_FILES if name != HELD_OUT_FONT)
SIZES = (8, 48)  # pixels, drawn log-uniformly (larger text is only scaled down) ...
SMALL = (8, 14), 0.3  # ... or, for this share of the lines, from these small sizes, the hardest to read
REPORT_FONTS = ("pillow", "sans", "serif", "mono", HELD_OUT_FONT)
REPORT_SIZES = (10, 16, 22, 32, 48)


@lru_cache(maxsize=None)
def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    """A TrueType face by ``FONT_FILES`` name: Pillow's own, or one of the fonts matplotlib ships."""
    if FONT_FILES[name] is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / FONT_FILES[name]), size)


def render_line(text: str, rng: random.Random, height: int = 32, face: str | None = None,
                size: int | None = None) -> np.ndarray:
    """``(height, W)`` float32 ink image of ``text``, in ``face`` at ``size`` pixels. Without a size it is a
    training line: the size is drawn (``SIZES``, ``SMALL``), and so are the font when none is given, the word
    spaces, the thinning and the reduction of small text; a given size is drawn as a screen shows it."""
    varied = size is None
    face = rng.choice(TRAINING_FONTS) if face is None else face
    if varied:
        size = round(math.exp(rng.uniform(*map(math.log, SMALL[0] if rng.random() < SMALL[1] else SIZES))))
    # small text is drawn either at its size (hinted to the pixel grid, as on a screen) or larger and then
    # reduced (as a scan or a scaled screenshot has it)
    scale = rng.uniform(1.5, 3.0) if varied and size < 20 and rng.random() < 0.4 else 1.0
    drawn = round(size * scale)
    typeface = font(face, drawn)
    left, top, right, bottom = typeface.getbbox(text)
    pad = drawn
    paper = rng.randint(170, 255)
    space = typeface.getlength(" ")
    picture = Image.new("L", (right - left + 2 * pad + round(space * text.count(" ")), bottom - top + 2 * pad), paper)
    stroke = 1 if drawn >= 20 and rng.random() < 0.2 else 0
    ink = rng.randint(0, paper - 90)
    draw, x, y = ImageDraw.Draw(picture), pad - left, pad - top + rng.randint(-2, 2)
    if varied:  # word spaces from half to one and a half times the face's own, as narrow or justified text has
        space *= rng.uniform(0.5, 1.5)
        for word in text.split(" "):
            draw.text((x, y), word, font=typeface, fill=ink, stroke_width=stroke, stroke_fill=ink)
            x += typeface.getlength(word) + space
    else:
        draw.text((x, y), text, font=typeface, fill=ink, stroke_width=stroke, stroke_fill=ink)
    if varied and drawn >= 40 and not stroke and rng.random() < 0.2:
        picture = picture.filter(ImageFilter.MaxFilter(3))  # thinner strokes: the paper spreads over the ink
    if scale > 1.0:
        picture = picture.resize((round(picture.width / scale), round(picture.height / scale)), Image.BOX)
    picture = picture.resize((max(1, round(picture.width * rng.uniform(0.8, 1.2))), picture.height), Image.BILINEAR)
    shear, middle = rng.uniform(-0.3, 0.3), picture.height / 2
    picture = picture.transform(picture.size, Image.AFFINE, (1, shear, -shear * middle, 0, 1, 0), Image.BILINEAR,
                                fillcolor=paper)
    picture = picture.rotate(rng.uniform(-2.0, 2.0), Image.BILINEAR, fillcolor=paper)
    picture = picture.filter(ImageFilter.GaussianBlur(rng.uniform(0.0, size / 25)))
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


def font_size_lines(seed: int, lines: int, height: int = 32, words_a_line: tuple[int, int] = (1, 3)
                    ) -> dict[tuple[str, int], list[tuple[np.ndarray, str]]]:
    """Test lines of the test words in each of ``REPORT_FONTS`` at each of ``REPORT_SIZES`` (the same texts in
    every cell), for a report of the error rates by font and size."""
    rng = random.Random(seed + 1)
    words = word_splits(seed)[2]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(*words_a_line))) for _ in range(lines)]
    return {(face, size): [(render_line(text, rng, height, face, size), text) for text in texts]
            for face in REPORT_FONTS for size in REPORT_SIZES}
