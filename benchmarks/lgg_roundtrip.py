"""What the input size alone costs the shape features: the manual masks through the model's frame and back.

Each case's manual mask is taken through ``preprocess_volume`` at ``--size`` (the crop, pad and nearest resize
that makes the training labels) and back to the original slices, as a mask (:func:`restore_mask` of the
labels: nearest) and as a probability map (the labels as 0/1 floats, resized back bilinearly and thresholded
at 0.5, as ``rg segment`` restores a prediction). A model that predicted the labels exactly would give the
second. Against the manual masks' own features it prints ICC(2,1), Pearson's r and the spread's ratio
(sd round trip / sd manual) of ASD, MF, BEVR and volume, and the Dice of the round trip. No model runs: about
a minute for 81 cases.

Usage::

    .venv/bin/python -m benchmarks.lgg_roundtrip [--size 128] [--data .cache/lgg/kaggle_3m]
"""

import argparse
from pathlib import Path

import numpy as np

from benchmarks.lgg_data import default_data
from benchmarks.lgg_segment_cv import FEATURES

#: How the labels come back: as a mask (nearest) or as a prediction does (bilinear, then 0.5).
WAYS = ("nearest", "bilinear")


def round_trips(image: np.ndarray, mask: np.ndarray, *, size: int) -> dict[str, np.ndarray]:
    """The mask through the model's frame at ``size`` (preprocessed once) and back each of :data:`WAYS`."""
    from segmentation.preprocess import preprocess_volume, restore_mask

    labels = preprocess_volume(image, mask, size=size)
    planes = {"nearest": labels.mask, "bilinear": labels.mask.astype(np.float32)}
    return {way: restore_mask(planes[way], labels.geometry) for way in WAYS}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=128, help="Side of the model's input (default 128).")
    parser.add_argument("--data", type=Path, help="Kaggle-layout folder (default: the shared LGG cases)")
    args = parser.parse_args()
    data = args.data or default_data()

    import pandas as pd

    from radiogenomics.case_io import iter_cases
    from radiogenomics.features.measure import mask_features
    from radiogenomics.stats.agree import agree
    from segmentation.metrics import dice

    rows, scores = {way: {} for way in (*WAYS, "manual")}, {way: [] for way in WAYS}
    for case in iter_cases(data):
        rows["manual"][case.patient] = mask_features(case.mask, pyradiomics=False)
        for way, back in round_trips(case.image, case.mask, size=args.size).items():
            scores[way].append(dice(back, case.mask))
            rows[way][case.patient] = mask_features(back, pyradiomics=False)
    tables = {
        way: pd.DataFrame.from_dict(found, orient="index")[list(FEATURES)] for way, found in rows.items()
    }
    print(
        f"\n{len(tables['manual'])} cases; manual masks through {args.size}² and back, against themselves\n"
    )
    print(
        "| way back | Dice mean | min | " + " | ".join(f"{f}: ICC(2,1), r, sd ratio" for f in FEATURES) + " |"
    )
    print("|---" * (3 + len(FEATURES)) + "|")
    for way in WAYS:
        table = agree(tables[way], tables["manual"]).table.set_index("feature")
        cells = []
        for name in FEATURES:
            r = np.corrcoef(tables[way][name], tables["manual"][name])[0, 1]
            row = table.loc[name]
            cells.append(f"{row['icc2_1']:.3f}, {r:.3f}, {row['sd_a'] / row['sd_b']:.2f}")
        print(f"| {way} | {100 * np.mean(scores[way]):.2f} % | {100 * np.min(scores[way]):.2f} % | "
              + " | ".join(cells) + " |")  # fmt: skip


if __name__ == "__main__":
    main()
