"""The embedded default: pictures of simple shapes, and captions made from what is in them.

A scene holds one to three objects, each a shape (circle, square, triangle)
of a colour and a size, in distinct columns from left to right. Its captions
name them in order, in three phrasings, all references for BLEU:

    "a small red circle left of a large blue square"
    "a large blue square right of a small red circle"
    "a small red circle to the left of a large blue square"

The test split holds out colour-shape combinations: a quarter of them (drawn
by seed) never appear in a training or validation picture, and every test
picture has at least one; so a captioner passes only by naming colour and
shape apart. ``parse`` reads a caption back into objects, for the
attribute accuracy. Deterministic by seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

SHAPES = ("circle", "square", "triangle")
COLOURS = {"red": (220, 40, 40), "green": (40, 170, 60), "blue": (50, 80, 220), "yellow": (230, 200, 40),
           "purple": (150, 60, 190)}
SIZES = {"small": 6, "large": 11}  # half-widths in pixels at 64 x 64
IMAGE_SIZE = 64
COLUMNS = (12, 32, 52)


@dataclass(frozen=True)
class Thing:
    size: str
    colour: str
    shape: str

    def words(self) -> str:
        return f"a {self.size} {self.colour} {self.shape}"


@dataclass(frozen=True)
class Scene:
    things: tuple[Thing, ...]  # left to right
    seed: int  # where exactly they sit

    def captions(self) -> list[str]:
        ordered = [t.words() for t in self.things]
        if len(ordered) == 1:
            return [ordered[0], ordered[0].replace("a ", "one ", 1)]
        return [" left of ".join(ordered), " right of ".join(reversed(ordered)), " to the left of ".join(ordered)]

    def image(self) -> Image.Image:
        """The picture, ``IMAGE_SIZE`` square, RGB."""
        rng = random.Random(self.seed)
        picture = Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE), (245, 245, 240))
        draw = ImageDraw.Draw(picture)
        columns = sorted(rng.sample(COLUMNS, len(self.things)))
        for thing, x in zip(self.things, columns):
            r = SIZES[thing.size]
            x, y = x + rng.randint(-2, 2), rng.randint(14, 50)
            fill = tuple(max(0, min(255, c + rng.randint(-20, 20))) for c in COLOURS[thing.colour])
            box = (x - r, y - r, x + r, y + r)
            if thing.shape == "circle":
                draw.ellipse(box, fill=fill)
            elif thing.shape == "square":
                draw.rectangle(box, fill=fill)
            else:
                draw.polygon([(x, y - r), (x - r, y + r), (x + r, y + r)], fill=fill)
        return picture


JOINTS = ((("left", "of"), False), (("to", "the", "left", "of"), False), (("right", "of"), True))


def parse(caption: str) -> list[Thing] | None:
    """The objects a caption names, left to right; None if it is not in the scenes' grammar."""
    words = caption.split()
    things, reverse, k = [], False, 0
    while True:
        if len(words) < k + 4 or words[k] not in ("a", "one"):
            return None
        size, colour, shape = words[k + 1:k + 4]
        if size not in SIZES or colour not in COLOURS or shape not in SHAPES:
            return None
        things.append(Thing(size, colour, shape))
        k += 4
        if k == len(words):
            return list(reversed(things)) if reverse else things
        for joint, right in JOINTS:
            if tuple(words[k:k + len(joint)]) == joint:
                reverse, k = reverse or right, k + len(joint)
                break
        else:
            return None


ATTRIBUTES = ("size", "colour", "shape")


def attribute_accuracy(predicted: list[Thing] | None, truth: tuple[Thing, ...],
                       attributes: tuple[str, ...] = ATTRIBUTES) -> float:
    """The share of the true objects' ``attributes`` the caption names in the right place (an object
    too many or too few counts as all of its attributes wrong)."""
    found = predicted or []
    hits = sum(getattr(p, a) == getattr(t, a) for p, t in zip(found, truth) for a in attributes)
    return hits / (len(attributes) * max(len(truth), len(found)))


def generate_scenes(train: int = 6000, validation: int = 500, test: int = 1000,
                    seed: int = 0) -> tuple[list[Scene], list[Scene], list[Scene]]:
    """Scenes of each split; the test split's use held-out colour-shape pairs (see the module's text)."""
    for name, n in (("train", train), ("validation", validation), ("test", test)):
        if n < 1:
            raise ValueError(f"generated {name} size must be at least 1; received {n}")
    rng = random.Random(seed)
    pairs = [(c, s) for c in COLOURS for s in SHAPES]
    held = set(rng.sample(pairs, len(pairs) // 4))
    seen = [p for p in pairs if p not in held]

    def thing(pool) -> Thing:
        colour, shape = rng.choice(pool)
        return Thing(rng.choice(list(SIZES)), colour, shape)

    def scene(held_out: bool) -> Scene:
        count = rng.randint(1, 3)
        things = [thing(seen) for _ in range(count)]
        if held_out:
            things[rng.randrange(count)] = thing(sorted(held))
        return Scene(tuple(things), rng.randrange(2 ** 31))

    return ([scene(False) for _ in range(train)], [scene(False) for _ in range(validation)],
            [scene(True) for _ in range(test)])
