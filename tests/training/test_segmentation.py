"""The action-segmentation metrics on segmentations worked out by hand."""

import pytest

from rnnlab.training.segmentation import edit_score, overlap_counts, segmentation_scores, segments

TRUTH = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]  # (0, 0-3) (1, 4-6) (2, 7-9)
GUESS = [0, 0, 0, 1, 1, 1, 1, 1, 2, 0]  # (0, 0-2) (1, 3-7) (2, 8) (0, 9)


def test_segments_are_runs_with_exclusive_ends():
    assert segments(TRUTH) == [(0, 0, 4), (1, 4, 7), (2, 7, 10)]
    assert segments(GUESS, ignore=[0]) == [(1, 3, 8), (2, 8, 9)]
    assert segments([]) == []


def test_by_hand():
    # segment labels 0 1 2 0 against 0 1 2: one insertion in four -> 75
    assert edit_score(GUESS, TRUTH) == pytest.approx(75.0)
    # IoUs with the true segment of the same label: 3/4, 3/5, 1/3; the last 0 overlaps no 0
    assert overlap_counts(GUESS, TRUTH, 0.10) == (3, 1, 0)
    assert overlap_counts(GUESS, TRUTH, 0.25) == (3, 1, 0)
    assert overlap_counts(GUESS, TRUTH, 0.50) == (2, 2, 1)
    scores = segmentation_scores([GUESS], [TRUTH])
    assert scores["accuracy"] == pytest.approx(0.7)  # frames 3, 7 and 9 are wrong
    assert scores["edit"] == pytest.approx(75.0)
    assert scores["f1@10"] == pytest.approx(100 * 2 * 0.75 * 1.0 / 1.75)  # P 3/4, R 3/3
    assert scores["f1@25"] == pytest.approx(100 * 2 * 0.75 * 1.0 / 1.75)
    assert scores["f1@50"] == pytest.approx(100 * 2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))  # P 2/4, R 2/3


def test_over_segmentation_costs_edit_and_f1_but_little_accuracy():
    truth, guess = [1] * 10, [1] * 5 + [0] + [1] * 4  # (1, 0-4) (0, 5) (1, 6-9)
    assert edit_score(guess, truth) == pytest.approx(100 * (1 - 2 / 3))
    # the first 1 matches (IoU 1/2); the 0 has no partner; the second 1 finds its partner taken
    assert overlap_counts(guess, truth, 0.5) == (1, 2, 0)
    scores = segmentation_scores([guess], [truth])
    assert scores["accuracy"] == pytest.approx(0.9)
    assert scores["f1@50"] == pytest.approx(50.0)  # P 1/3, R 1
    assert segmentation_scores([truth], [truth]) == {"accuracy": 1.0, "edit": 100.0, "f1@10": 100.0,
                                                     "f1@25": 100.0, "f1@50": 100.0}


def test_background_is_left_out_of_segments_and_counts_sum_over_videos():
    truth, guess = [0, 1, 1, 1], [1, 1, 1, 1]
    assert edit_score(guess, truth) == pytest.approx(50.0)  # 1 against 0 1
    assert edit_score(guess, truth, ignore=[0]) == 100.0  # 1 against 1
    assert overlap_counts(guess, truth, 0.5) == (1, 0, 1) and overlap_counts(guess, truth, 0.5, ignore=[0]) == (1, 0, 0)
    two = segmentation_scores([GUESS, guess], [TRUTH, truth])
    assert two["edit"] == pytest.approx((75.0 + 50.0) / 2)
    assert two["accuracy"] == pytest.approx((7 + 3) / 14)
    assert two["f1@50"] == pytest.approx(60.0)  # tp 2+1, fp 2+0, fn 1+1: P = R = 3/5


def test_mismatched_inputs_are_refused():
    with pytest.raises(ValueError, match="3 frames received 2"):
        segmentation_scores([[0, 1]], [[0, 1, 1]])
    with pytest.raises(ValueError, match="one or more videos"):
        segmentation_scores([], [])
