"""The action-segmentation metrics, for a label on every frame (Lea et al. 2017; as MS-TCN's ``eval.py`` computes them).

- frame accuracy: the share of frames whose label is right, over all videos' frames;
- segmental edit score: ``100 (1 - levenshtein(P, Y) / max(|P|, |Y|))`` on the sequences of segment labels,
  averaged over videos: it punishes over-segmentation (flicker) that frame accuracy barely sees;
- F1@k: a predicted segment is a true positive if its IoU with a true segment of the same label, not yet
  matched, is at least k/100; precision and recall from the true/false positives and the misses, summed
  over all videos.

Labels listed in ``ignore`` (a background class) are left out of the segments, as MS-TCN does.
"""

from __future__ import annotations

from typing import Iterable, Sequence

OVERLAPS = (0.10, 0.25, 0.50)


def segments(labels: Sequence[int], ignore: Iterable[int] = ()) -> list[tuple[int, int, int]]:
    """Runs of one label: ``(label, start, end)`` with ``end`` exclusive, in order; ``ignore``d labels dropped."""
    skip, out, start = set(ignore), [], 0
    for t in range(1, len(labels) + 1):
        if t == len(labels) or labels[t] != labels[start]:
            if labels[start] not in skip:
                out.append((int(labels[start]), start, t))
            start = t
    return out


def edit_score(predicted: Sequence[int], truth: Sequence[int], ignore: Iterable[int] = ()) -> float:
    """0-100: the Levenshtein distance between the segment label sequences, normalised by the longer one."""
    p = [s[0] for s in segments(predicted, ignore)]
    y = [s[0] for s in segments(truth, ignore)]
    if not p and not y:
        return 100.0
    row = list(range(len(y) + 1))
    for i in range(1, len(p) + 1):
        previous, row[0] = row[0], i
        for j in range(1, len(y) + 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (p[i - 1] != y[j - 1]))
    return 100.0 * (1.0 - row[-1] / max(len(p), len(y)))


def overlap_counts(predicted: Sequence[int], truth: Sequence[int], overlap: float,
                   ignore: Iterable[int] = ()) -> tuple[int, int, int]:
    """True positives, false positives and misses of the predicted segments at IoU ``overlap``."""
    ignore = list(ignore)
    found, wanted = segments(predicted, ignore), segments(truth, ignore)
    hit = [False] * len(wanted)
    tp = fp = 0
    for label, start, end in found:
        best, best_iou = -1, 0.0
        for j, (y, y_start, y_end) in enumerate(wanted):
            if y != label:
                continue
            iou = (min(end, y_end) - max(start, y_start)) / (max(end, y_end) - min(start, y_start))
            if iou > best_iou:
                best, best_iou = j, iou
        if best >= 0 and best_iou >= overlap and not hit[best]:
            tp, hit[best] = tp + 1, True
        else:
            fp += 1
    return tp, fp, len(wanted) - sum(hit)


def segmentation_scores(predicted: Sequence[Sequence[int]], truth: Sequence[Sequence[int]],
                        overlaps: Sequence[float] = OVERLAPS, ignore: Iterable[int] = ()) -> dict[str, float]:
    """Over videos: ``accuracy`` (0-1), ``edit`` (0-100) and ``f1@10``, ``f1@25``, ``f1@50`` (0-100)."""
    if len(predicted) != len(truth) or not truth:
        raise ValueError(f"expected predictions for each of one or more videos; received {len(predicted)} "
                         f"predictions for {len(truth)} videos")
    ignore = list(ignore)
    right = frames = 0
    for p, y in zip(predicted, truth):
        if len(p) != len(y):
            raise ValueError(f"a video of {len(y)} frames received {len(p)} predicted labels")
        right += sum(int(a == b) for a, b in zip(p, y))
        frames += len(y)
    scores = {"accuracy": right / max(1, frames),
              "edit": sum(edit_score(p, y, ignore) for p, y in zip(predicted, truth)) / len(truth)}
    for k in overlaps:
        tp, fp, fn = (sum(c) for c in zip(*(overlap_counts(p, y, k, ignore) for p, y in zip(predicted, truth))))
        precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
        scores[f"f1@{round(100 * k)}"] = 0.0 if tp == 0 else 200.0 * precision * recall / (precision + recall)
    return scores
