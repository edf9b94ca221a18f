"""``rg segment`` speed: one 36-slice 256² case end to end, fp32 eager against our default, same run.

End to end is what :func:`segmentation.segment.segment_folder` does for a case: read the TIFFs,
preprocess, run the model, map the probabilities back, threshold, keep the largest component, write the
masks. Two architectures: the reference's (256² input, 32 features) and the CPU setting (128², 16
features); two ways to run each: fp32 eager NCHW (the reference's inference) and ours (``precision
auto``: bf16 autocast where the CPU computes bf16 natively, else fp32; channels_last). Weights are
untrained (speed does not depend on them). The case is a real LGG case with 36 slices when the shared
data is at hand, else a synthetic 36-slice case.

With ``--run RUN`` it also segments every case of the real data with the run's fold models averaged
(an ensemble, as ``rg segment --model RUN``) and prints cases per minute.

Usage::

    .venv/bin/python -m benchmarks.segment_speed [--repeats 3] [--threads 2] [--run RUN] [--tta]
"""

import argparse
import shutil
import tempfile
import time
from pathlib import Path


def _case_folder(work: Path) -> Path:
    """A folder holding one 36-slice case's images (a real one if the LGG data is at hand)."""
    from radiogenomics.case_io import find_case_dirs, list_slice_files

    try:
        from benchmarks.lgg_data import lgg_root

        root = lgg_root() / "kaggle_3m"
        case = next(d for d in find_case_dirs(root) if len(list_slice_files(d).numbers) == 36)
        kind = f"real case {case.name}"
    except (FileNotFoundError, StopIteration):
        from radiogenomics.synthetic import CohortConfig, synth_cohort

        root = synth_cohort(
            work / "synthetic", CohortConfig(cases=1, seed=0, size=256, min_slices=36, max_slices=36)
        )
        case = find_case_dirs(root)[0]
        kind = "synthetic case"
    images = work / "images"
    shutil.copytree(case, images / case.name, ignore=shutil.ignore_patterns("*_mask.tif"))
    print(f"input: {kind}, 36 slices of 256² × 3 (masks left out)")
    return images


def _seconds_per_case(images: Path, out: Path, models, *, repeats: int, mirror: bool = False) -> float:
    from segmentation.segment import SegmentOptions, segment_folder

    times = []
    for i in range(repeats + 1):  # the first call warms up (allocator, oneDNN kernels)
        start = time.perf_counter()
        segment_folder(images, out / str(i), models, options=SegmentOptions(mirror=mirror))
        times.append(time.perf_counter() - start)
    return min(times[1:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="Timed calls per row (the best is kept).")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--run", type=Path, help="A finished run folder: also time its fold ensemble on the real cases."
    )
    parser.add_argument("--tta", action="store_true", help="Also time mirroring test-time augmentation.")
    args = parser.parse_args()

    import torch

    from segmentation.config import TrainConfig
    from segmentation.model import build_model, cpu_state, load_model, save_model

    torch.set_num_threads(args.threads)
    work = Path(tempfile.mkdtemp(prefix="segment_speed_"))
    try:
        images = _case_folder(work)
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; best of {args.repeats} calls\n")
        print(
            "| architecture | fp32 eager (reference) s/case | ours (precision auto + channels_last) s/case | speed-up |"
        )
        print("|---|---|---|---|")
        for size, features in ((256, 32), (128, 16)):
            row = {}
            for name, precision, layout in (("fp32", "fp32", False), ("ours", "auto", True)):
                config = TrainConfig(size=size, features=features, precision=precision, channels_last=layout)
                torch.manual_seed(0)
                path = save_model(work / f"{name}{size}.pt", cpu_state(build_model(config, 3)), config,
                                  in_channels=3, epoch=0)  # fmt: skip
                row[name] = _seconds_per_case(images, work / f"out_{name}{size}", [load_model(path)],
                                              repeats=args.repeats)  # fmt: skip
                if args.tta and name == "ours":
                    row["tta"] = _seconds_per_case(images, work / f"tta{size}", [load_model(path)],
                                                   repeats=args.repeats, mirror=True)  # fmt: skip
            print(f"| {size}², {features} features | {row['fp32']:.2f} | {row['ours']:.2f} | "
                  f"{row['fp32'] / row['ours']:.1f}× |")  # fmt: skip
            if "tta" in row:
                print(f"| {size}², {features} features, ours + mirroring | | {row['tta']:.2f} | |")
        if args.run:
            _ensemble_rate(args.run, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _ensemble_rate(run: Path, work: Path) -> None:
    from benchmarks.lgg_data import lgg_root
    from segmentation.model_files import load_models
    from segmentation.segment import segment_folder

    models = load_models(run)
    root = lgg_root() / "kaggle_3m"
    start = time.perf_counter()
    result = segment_folder(root, work / "ensemble", models)
    minutes = (time.perf_counter() - start) / 60
    slices = int(result.table["slices"].sum())
    print(f"\n{run.name}: {len(models)}-model ensemble on {len(result.written)} real cases ({slices} slices): "
          f"{minutes:.1f} min, {len(result.written) / minutes:.1f} cases/min")  # fmt: skip


if __name__ == "__main__":
    main()
