"""The embedded default: clips of a moving sprite, each frame labelled with how the sprite is moving.

A clip shows one sprite (a square, disc or cross of a random colour) on a
noisy background. Its motion comes in segments of random length (3 to 12
frames), each one of ``MOTIONS`` and different from the one before; the
sprite moves ``SPEED`` pixels a frame and never leaves the picture. Frame
``t``'s label is the motion that brought the sprite from where it was at
frame ``t - 1`` (frame 0 takes its segment's label). No single frame tells
its label, only the frames around it; a second, still sprite is drawn as a
distractor. Deterministic by seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

MOTIONS = ("still", "left", "right", "up", "down")
STEPS = {"still": (0, 0), "left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}  # (dx, dy)
SPEED = 2
SIZE = 32
RADIUS = 3
SEGMENT = (3, 12)


@dataclass
class Clip:
    frames: np.ndarray  # (T, SIZE, SIZE, 3) uint8
    labels: list[int]  # index into MOTIONS, one a frame
    positions: list[tuple[int, int]]  # the moving sprite's centre (x, y) in each frame


def _draw(picture: np.ndarray, x: int, y: int, shape: int, colour: np.ndarray) -> None:
    r = RADIUS
    dy, dx = np.mgrid[-r:r + 1, -r:r + 1]
    if shape == 0:
        mask = np.ones_like(dx, dtype=bool)  # square
    elif shape == 1:
        mask = dx * dx + dy * dy <= r * r  # disc
    else:
        mask = (abs(dx) <= 1) | (abs(dy) <= 1)  # cross
    picture[y - r:y + r + 1, x - r:x + r + 1][mask] = colour


def motion_path(length: int, rng: random.Random) -> tuple[list[int], list[tuple[int, int]]]:
    """Labels and sprite centres for ``length`` frames: segments of motions that keep the sprite inside."""
    low, high = RADIUS, SIZE - 1 - RADIUS
    x, y = rng.randint(low, high), rng.randint(low, high)
    labels: list[int] = []
    positions = [(x, y)]
    previous = None
    while len(labels) < length:

        def room(name: str) -> int:  # frames the sprite can go on moving this way
            dx, dy = STEPS[name]
            if dx:
                return ((high - x) if dx > 0 else (x - low)) // SPEED
            if dy:
                return ((high - y) if dy > 0 else (y - low)) // SPEED
            return length

        span = min(rng.randint(*SEGMENT), length - len(labels))
        # "still" always fits; after "still", the picture (25 pixels across) leaves one way 6 frames of room
        motion = rng.choice([m for m, name in enumerate(MOTIONS)
                             if m != previous and room(name) >= min(span, SEGMENT[0])])
        span = min(span, room(MOTIONS[motion]))
        dx, dy = STEPS[MOTIONS[motion]]
        for _ in range(span):
            x, y = x + dx * SPEED, y + dy * SPEED
            positions.append((x, y))
        labels += [motion] * span
        previous = motion
    return labels, positions[1:]  # frame t sits where the motion labelled t brought it


def make_clip(length: int, rng: random.Random) -> Clip:
    labels, positions = motion_path(length, rng)
    np_rng = np.random.default_rng(rng.randrange(2 ** 32))
    colour = np_rng.integers(60, 256, 3).astype(np.uint8)
    other = (255 - colour).astype(np.uint8)
    shape, still = rng.randrange(3), (rng.randint(RADIUS, SIZE - 1 - RADIUS), rng.randint(RADIUS, SIZE - 1 - RADIUS))
    frames = np_rng.integers(0, 40, (length, SIZE, SIZE, 3)).astype(np.uint8)  # a noisy dark background
    for t, (x, y) in enumerate(positions):
        _draw(frames[t], *still, (shape + 1) % 3, other)
        _draw(frames[t], x, y, shape, colour)
    return Clip(frames, labels, positions)


def generate_clips(train: int = 1500, validation: int = 100, test: int = 300, frames: tuple[int, int] = (32, 64),
                   seed: int = 0) -> tuple[list[Clip], list[Clip], list[Clip]]:
    """Clips of ``frames[0]`` to ``frames[1]`` frames for each split."""
    for name, n in (("train", train), ("validation", validation), ("test", test)):
        if n < 1:
            raise ValueError(f"generated {name} size must be at least 1; received {n}")
    if not 1 <= frames[0] <= frames[1]:
        raise ValueError(f"clip lengths must be 1 <= shortest <= longest; received {frames}")
    rng = random.Random(seed)
    return tuple([make_clip(rng.randint(*frames), rng) for _ in range(n)] for n in (train, validation, test))
