"""Small builders shared by the tests."""

from pathlib import Path

import numpy as np

from radiogenomics.case_io import write_image_case, write_mask_case


def make_case(
    root: Path, name: str = "TCGA_AB_0001_20000101", *, slices: int = 3, size: int = 16, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Write a tiny case in the Kaggle layout; return its image (S, H, W, 3) and mask (S, H, W)."""
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (slices, size, size, 3), dtype=np.uint8)
    mask = np.zeros((slices, size, size), bool)
    mask[:, size // 4 : size // 2, size // 4 : size // 2] = True
    mask[0] = False
    numbers = list(range(1, slices + 1))
    write_image_case(root, name, numbers, image)
    write_mask_case(root, name, numbers, mask)
    return image, mask
