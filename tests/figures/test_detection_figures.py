"""figures/detection.py: the threshold is refused outside (0, 1]; greedy NMS on the figure's
detections keeps what the card says it keeps, and the figure titles how many."""

from __future__ import annotations

import pytest
from conftest import DeckRecipes
from matplotlib.text import Text

from dlmath.detection import nms_rounds
from figures.detection import BOXES, SCORES, nms


@pytest.mark.parametrize("threshold", [0.0, 1.5])
def test_threshold_outside_zero_to_one_is_refused(recipes: DeckRecipes, threshold: float) -> None:
    assert recipes.refused("figure", "nms", iou_threshold=threshold) == "iou_threshold"


def test_nms_hand_checked() -> None:
    # Defaults: 0.92 and 0.88 win their objects; the 0.52 box overlaps the 0.88 box by 0.41,
    # so it survives a 0.5 threshold but not 0.3.
    rounds = nms_rounds(BOXES, SCORES, 0.5)
    assert [(step.kept, step.suppressed) for step in rounds] == [(0, (1, 2)), (3, (4, 5)), (6, ())]
    assert dict(rounds[1].overlaps)[6] == pytest.approx(0.409, abs=1e-3)
    assert [step.kept for step in nms_rounds(BOXES, SCORES, 0.3)] == [0, 3]


@pytest.mark.parametrize(("threshold", "kept"), [(0.5, 3), (0.3, 2)])
def test_title_counts_the_kept_boxes(threshold: float, kept: int) -> None:
    before, after = nms(threshold).axes
    assert before.get_title() == f"{len(BOXES)} detections with scores"
    assert after.get_title() == f"after NMS (IoU > {threshold:g} removed): {kept} kept"


def test_removed_boxes_show_the_iou_that_removed_them() -> None:
    labels = [text.get_text() for text in nms(0.5).axes[1].findobj(Text)]
    ious = sorted(label for label in labels if label.startswith("IoU "))
    assert len(ious) == len(BOXES) - 3
    assert all(len(label) == len("IoU 0.00") for label in ious)  # always two decimals
    assert "0.52" in labels  # the survivor keeps its score
