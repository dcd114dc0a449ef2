"""Reader for YOLO-format pig detection images (``images/*.jpg`` + ``labels/*.txt``).

Each label line is ``class cx cy w h`` normalised to [0, 1]. The shared pig-detect set holds several
augmented copies of each camera snapshot, named ``<snapshot>_png.rf.<hash>.jpg`` (Roboflow export); a fair
held-out split must keep all copies of a snapshot on the same side, so `split_by_snapshot` splits by the
part before ``.rf.``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.data.targets import Sample

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


@dataclass(frozen=True)
class YoloItem:
    """One image and its label file."""

    image: Path
    label: Path

    @property
    def snapshot(self) -> str:
        """The camera snapshot this image is a copy of (name before ``.rf.``, else the stem)."""
        return snapshot_key(self.image.name)


def snapshot_key(filename: str) -> str:
    """``vlcsnap-..._png.rf.1213be.jpg`` -> ``vlcsnap-..._png``; names without ``.rf.`` -> their stem."""
    return filename.split(".rf.")[0] if ".rf." in filename else Path(filename).stem


def list_items(root: Path) -> list[YoloItem]:
    """Images under ``root/images`` that have a label file under ``root/labels``, sorted by name.

    Raises:
        FileNotFoundError: when ``root/images`` does not exist.
    """
    images = root / "images"
    if not images.is_dir():
        raise FileNotFoundError(f"no images/ folder under {root}")
    items = []
    for img in sorted(images.iterdir()):
        label = root / "labels" / f"{img.stem}.txt"
        if img.suffix.lower() in IMAGE_SUFFIXES and label.exists():
            items.append(YoloItem(img, label))
    return items


def read_boxes(label: Path, width: int, height: int) -> np.ndarray:
    """Nx4 float32 xyxy pixel boxes of class 0 from a YOLO label file, for an image of ``width x height``."""
    rows = [line.split() for line in label.read_text().splitlines() if line.strip()]
    vals = np.array([[float(v) for v in r[1:5]] for r in rows if int(float(r[0])) == 0], np.float32)
    if vals.size == 0:
        return np.zeros((0, 4), np.float32)
    cx, cy, w, h = vals.T * np.array([[width], [height], [width], [height]], np.float32)
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1).astype(np.float32)


def load_image(path: Path) -> np.ndarray:
    """HxWx3 uint8 RGB."""
    import cv2

    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"cannot read image {path}")
    return np.ascontiguousarray(bgr[:, :, ::-1])


def split_by_snapshot(
    items: list[YoloItem], *, held_out_percent: int = 20
) -> tuple[list[YoloItem], list[YoloItem]]:
    """Deterministic train / held-out split, all copies of a snapshot on one side.

    A snapshot is held out when the first 8 hex digits of sha1(snapshot name), mod 100, fall below
    ``held_out_percent``; the split therefore does not depend on which other files are present.

    Returns:
        (train items, held-out items).
    """
    train: list[YoloItem] = []
    held: list[YoloItem] = []
    for item in items:
        bucket = int(hashlib.sha1(item.snapshot.encode()).hexdigest()[:8], 16) % 100
        (held if bucket < held_out_percent else train).append(item)
    return train, held


def photo_pair_source(items: list[YoloItem]) -> Callable[[np.random.Generator], tuple[Sample, Sample]]:
    """A sample source over YOLO photos: each call returns two independent random photos (no ids/masks)."""
    def draw(rng: np.random.Generator) -> tuple[Sample, Sample]:
        picks = [items[int(rng.integers(len(items)))] for _ in range(2)]
        out = []
        for item in picks:
            img = load_image(item.image)
            out.append(Sample(img, read_boxes(item.label, img.shape[1], img.shape[0])))
        return out[0], out[1]

    return draw
