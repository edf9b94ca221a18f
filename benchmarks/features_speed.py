"""Shape features of the 110 manual LGG mask sets, and the enclosing ellipsoid on hull points vs every
voxel corner; prints a table (target on 2 cores: every feature incl. pyradiomics under 30 s, --jobs 2).

.venv/bin/python -m benchmarks.features_speed [--jobs 2] [--ellipsoid-cases 10] [--breakdown]
"""

import argparse
import os
import time

import numpy as np

from benchmarks.lgg_data import lgg_root
from radiogenomics.case_io import find_case_dirs, read_case
from radiogenomics.features import extract_features
from radiogenomics.features.bevr import voxel_corners
from radiogenomics.features.contour import largest_component
from radiogenomics.features.ellipsoid import ELLIPSOID_TOL, minimum_volume_ellipsoid

TARGET_S = 30.0


def whole_table(masks, jobs: int) -> list[tuple[str, float, str]]:
    rows = []
    for pyradiomics in (True, False):
        start = time.perf_counter()
        table, _ = extract_features(masks, jobs=jobs, pyradiomics=pyradiomics)
        seconds = time.perf_counter() - start
        ok = int((table.status == "ok").sum())
        what = f"{len(table)} cases, {ok} ok, {table.shape[1] - 2} features, jobs {jobs}"
        label = "every feature (pyradiomics too)" if pyradiomics else "without pyradiomics"
        rows.append((label, seconds, what))
    return rows


def breakdown(masks) -> list[tuple[str, float, str]]:
    """Seconds per stage over every case, one process."""
    from radiogenomics.features.bevr import bevr
    from radiogenomics.features.descriptors import slice_descriptors, volume_descriptors
    from radiogenomics.features.radiomics_shape import radiomics_shape_2d, radiomics_shape_3d
    from radiogenomics.features.shape2d import angular_standard_deviation, margin_fluctuation

    stages = {name: 0.0 for name in ("read masks", "ASD + MF", "BEVR", "descriptors", "pyradiomics 3D+2D")}
    for case_dir in find_case_dirs(masks):
        start = time.perf_counter()
        mask = read_case(case_dir, images=False).mask
        stages["read masks"] += time.perf_counter() - start
        box = tuple(slice(int(i.min()), int(i.max()) + 1) for i in np.nonzero(mask))
        tumour = largest_component(mask[box])
        plane = tumour[int(np.argmax(tumour.sum(axis=(1, 2))))]
        for stage, work in (
            ("ASD + MF", lambda t=tumour, p=plane: (angular_standard_deviation(p), margin_fluctuation(p))),
            ("BEVR", lambda t=tumour, p=plane: bevr(t)),
            ("descriptors", lambda t=tumour, p=plane: (volume_descriptors(t), slice_descriptors(p))),
            ("pyradiomics 3D+2D", lambda t=tumour, p=plane: (radiomics_shape_3d(t), radiomics_shape_2d(p))),
        ):
            start = time.perf_counter()
            work()
            stages[stage] += time.perf_counter() - start
    return [(f"  {name} (1 process)", seconds, "sum over 110 cases") for name, seconds in stages.items()]


def ellipsoid_comparison(masks, count: int) -> list[tuple[str, float, str]]:
    """The ellipsoid on the hull's corners vs on every corner, for ``count`` cases spread over tumour size."""
    cases = [read_case(d, images=False).mask for d in find_case_dirs(masks)]
    cases = sorted((largest_component(m) for m in cases), key=lambda m: int(m.sum()))
    chosen = [cases[i] for i in np.linspace(0, len(cases) - 1, count).round().astype(int)]
    hull_s = all_s = 0.0
    hull_points = all_points = 0
    worst = 0.0
    for mask in chosen:
        box = tuple(slice(int(i.min()), int(i.max()) + 1) for i in np.nonzero(mask))
        mask = mask[box]
        start = time.perf_counter()
        points = voxel_corners(mask)
        from_hull = minimum_volume_ellipsoid(points, tol=ELLIPSOID_TOL)
        hull_s += time.perf_counter() - start
        start = time.perf_counter()
        every = voxel_corners(mask, hull=False)
        from_all = minimum_volume_ellipsoid(every, tol=ELLIPSOID_TOL)
        all_s += time.perf_counter() - start
        hull_points += len(points)
        all_points += len(every)
        worst = max(worst, abs(from_hull.volume / from_all.volume - 1))
    return [
        (f"ellipsoid, hull corners ({count} cases)", hull_s, f"{hull_points / count:,.0f} points a case"),
        (f"ellipsoid, every corner ({count} cases)", all_s, f"{all_points / count:,.0f} points a case"),
        (
            "  agreement of the volumes",
            float("nan"),
            f"max |V_hull / V_all - 1| = {worst:.1e} (tol {ELLIPSOID_TOL})",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the whole table")
    parser.add_argument("--ellipsoid-cases", type=int, default=10, help="cases for hull vs every corner")
    parser.add_argument("--breakdown", action="store_true", help="also time each stage in one process")
    args = parser.parse_args()
    masks = lgg_root() / "manual_masks"
    rows = whole_table(masks, args.jobs)
    if args.breakdown:
        rows += breakdown(masks)
    rows += ellipsoid_comparison(masks, args.ellipsoid_cases)
    print(f"{'step':<42}{'seconds':>9}  {'notes'}")
    for label, seconds, notes in rows:
        shown = "" if np.isnan(seconds) else f"{seconds:.2f}"
        print(f"{label:<42}{shown:>9}  {notes}")
    print(
        f"target: every feature under {TARGET_S:.0f} s with --jobs 2 on 2 cores ({os.cpu_count()} CPUs here)"
    )


if __name__ == "__main__":
    main()
