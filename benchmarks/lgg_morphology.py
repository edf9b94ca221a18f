"""Does cleaning the margins of out-of-fold masks make their shape features agree better with the manual ones?

For each finished CV run, every case's out-of-fold mask (``RUN/oof_masks``) is taken as it is and through a
few morphological clean-ups (:data:`VARIANTS`: holes filled per slice or in 3D, an opening or a closing per
slice, a closing in 3D), each followed by the largest 26-connected component as ``rg segment`` keeps. Against
the manual masks of the same cases it prints, per variant: per-patient Dice mean, ICC(2,1) of ASD, MF, BEVR
and volume, and the change of each ICC from the masks as they are with a paired bootstrap 95 % interval over
the same patients. No model runs: a few minutes for 81 cases.

Usage::

    .venv/bin/python -m benchmarks.lgg_morphology RUN [RUN ...] [--data .cache/lgg/kaggle_3m]
"""

import argparse
from pathlib import Path

import numpy as np
from scipy import ndimage

from benchmarks.lgg_data import default_data
from benchmarks.lgg_segment_cv import FEATURES

#: 4-connected 3×3 cross within a slice, and the 6-connected 3D cross.
_IN_SLICE = np.pad(ndimage.generate_binary_structure(2, 1)[np.newaxis], ((1, 1), (0, 0), (0, 0)))
_IN_3D = ndimage.generate_binary_structure(3, 1)


def fill_slices(mask: np.ndarray) -> np.ndarray:
    """Holes filled in each slice (2D)."""
    return np.stack([ndimage.binary_fill_holes(plane) for plane in mask])


def _padded(operation, mask: np.ndarray, structure: np.ndarray) -> np.ndarray:
    """``operation`` on the mask padded by one voxel, so the volume's edge does not erode it."""
    return operation(np.pad(mask, 1), structure)[1:-1, 1:-1, 1:-1]


#: Name → clean-up of a (S, H, W) bool mask, before the largest component is kept.
VARIANTS = {
    "as is": lambda mask: mask,
    "holes filled per slice": fill_slices,
    "holes filled in 3D": ndimage.binary_fill_holes,
    "opened per slice": lambda mask: _padded(ndimage.binary_opening, mask, _IN_SLICE),
    "closed per slice, holes filled": lambda mask: fill_slices(
        _padded(ndimage.binary_closing, mask, _IN_SLICE)
    ),
    "closed in 3D": lambda mask: _padded(ndimage.binary_closing, mask, _IN_3D),
}


def cleaned(mask: np.ndarray, variant: str) -> np.ndarray:
    """The mask through :data:`VARIANTS`' ``variant``, then its largest component (empty stays empty)."""
    from segmentation.metrics import largest_component

    return largest_component(VARIANTS[variant](mask))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="Finished CV run folders (with oof_masks/).")
    parser.add_argument("--data", type=Path, help="Kaggle-layout folder (default: the shared LGG cases)")
    args = parser.parse_args()
    data = args.data or default_data()

    from radiogenomics.case_io import read_case
    from radiogenomics.features.measure import mask_features
    from radiogenomics.stats.agreement import icc_agreement, icc_agreement_difference
    from segmentation.metrics import dice

    def features(mask: np.ndarray) -> list[float]:
        if not mask.any():
            return [np.nan] * len(FEATURES)
        values = mask_features(mask, pyradiomics=False)
        return [values[name] for name in FEATURES]

    for run in args.runs:
        cases = sorted(p for p in (run / "oof_masks").iterdir() if p.is_dir())
        manual, scores, measured = [], {v: [] for v in VARIANTS}, {v: [] for v in VARIANTS}
        for folder in cases:
            predicted = read_case(folder, images=False).mask
            truth = read_case(data / folder.name, images=False).mask
            manual.append(features(truth))
            for variant in VARIANTS:
                mask = cleaned(predicted, variant)
                scores[variant].append(dice(mask, truth))
                measured[variant].append(features(mask))
        manual = np.array(manual)
        print(f"\n{run.name}: {len(cases)} cases\n")
        print(
            "| variant | Dice mean | "
            + " | ".join(f"ICC(2,1) {f} (Δ, paired 95 % CI)" for f in FEATURES)
            + " |"
        )
        print("|---" * (2 + len(FEATURES)) + "|")
        for variant in VARIANTS:
            cells = []
            for j in range(len(FEATURES)):
                own, base = np.array(measured[variant])[:, j], np.array(measured["as is"])[:, j]
                found = np.isfinite(own)
                icc = icc_agreement(np.column_stack([own[found], manual[found, j]])).value
                change, low, high = icc_agreement_difference(manual[:, j], base, own)
                cells.append(f"{icc:.3f} ({change:+.3f}, {low:+.2f} to {high:+.2f})")
            print(
                f"| {variant} | {100 * np.mean(scores[variant]):.2f} % | " + " | ".join(cells) + " |",
                flush=True,
            )


if __name__ == "__main__":
    main()
