"""Training speed end to end: the reference's loop (fp32, eager, NCHW) against ours, side by side.

Each measurement runs in its own process (so peak memory is its own) on the real LGG cases:

* ``reference``: the study's loop re-created: per-sample numpy sampling (a volume uniformly, a slice by
  area), per-slice scikit-image scale / rotate / flip (``transform.py`` of brain-segmentation-pytorch),
  fp32 NCHW U-Net, soft Dice, Adam;
* ``ours``: :func:`segmentation.train.train_fold` itself (area-weighted draws in torch, batch
  augmentation with ``grid_sample``, bf16 autocast + channels_last, Adam with the cosine schedule) on the
  reference architecture (batch norm); the rate is read from its own ``log.csv`` (the second epoch, after
  warm-up); and the same with instance norm (``rg train --norm instance``), a row of its own.

Also times preprocessing of all real cases (ours, torch) and, on three cases, the reference's
scikit-image resize. Prints a table. Peak memory is the process's maximum resident set, which includes
the preprocessed slice bank of the 41 cases (0.25 GiB at 256²).

At 256² both loops run a second time with ``MALLOC_MMAP_MAX_=0`` in their environment: glibc then keeps
freed activation memory in its heap instead of handing every allocation above 32 MiB fresh (zeroed,
page-faulted) pages each step; faster for both loops, at a higher peak.

And the ceiling: the training FLOPs of one image (torch's FLOP counter) and this machine's 2048² matrix
product rate in fp32 and in bf16 (the same threads): the ratio of the two bounds what bf16 can give over
fp32 on these cores.

Usage::

    .venv/bin/python -m benchmarks.train_speed [--data .cache/lgg/kaggle_3m] [--threads 2] [--quick]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.lgg_data import default_data

REPO = Path(__file__).resolve().parents[1]

SETTINGS = [(256, 32), (128, 16)]
BATCH = 16


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def reference_loop(bank, size: int, features: int, steps: int) -> float:
    """The reference's training loop on the bank's slices; returns images/s over ``steps`` after warm-up."""
    import numpy as np
    import torch
    from skimage.transform import rescale, rotate

    from segmentation.losses import soft_dice_loss
    from segmentation.sampling import slice_weights
    from segmentation.unet import UNet

    rng = np.random.default_rng(0)
    volumes = [(c.start, c.count) for c in bank.cases]
    areas = bank.areas()
    weights = [slice_weights(areas[s : s + n]) for s, n in volumes]

    def sample():
        # dataset.py __getitem__ with random_sampling, then transform.py Scale(0.05), Rotate(15), Flip(0.5)
        patient = rng.integers(len(volumes))
        start, count = volumes[patient]
        index = start + rng.choice(count, p=weights[patient])
        image = bank.decode(torch.tensor([index]))[0].numpy().transpose(1, 2, 0)
        mask = bank.mask(torch.tensor([index]))[0].numpy().astype(np.float32)[..., None]
        scale = rng.uniform(0.95, 1.05)
        image = rescale(image, (scale, scale), channel_axis=-1, preserve_range=True, mode="constant",
                        anti_aliasing=False)  # fmt: skip
        mask = rescale(mask, (scale, scale), order=0, channel_axis=-1, preserve_range=True, mode="constant",
                       anti_aliasing=False)  # fmt: skip
        if scale < 1.0:
            diff = (size - image.shape[0]) / 2.0
            padding = ((int(np.floor(diff)), int(np.ceil(diff))),) * 2 + ((0, 0),)
            image, mask = np.pad(image, padding), np.pad(mask, padding)
        else:
            low = (image.shape[0] - size) // 2
            image, mask = image[low : low + size, low : low + size], mask[low : low + size, low : low + size]
        angle = rng.uniform(-15, 15)
        image = rotate(image, angle, resize=False, preserve_range=True, mode="constant")
        mask = rotate(mask, angle, resize=False, order=0, preserve_range=True, mode="constant")
        if rng.random() <= 0.5:
            image, mask = np.fliplr(image).copy(), np.fliplr(mask).copy()
        return image.transpose(2, 0, 1).astype(np.float32), mask.transpose(2, 0, 1).astype(np.float32)

    torch.manual_seed(0)
    model = UNet(3, 1, features=features)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-4)

    def step():
        pairs = [sample() for _ in range(BATCH)]
        x = torch.from_numpy(np.stack([p[0] for p in pairs]))
        y = torch.from_numpy(np.stack([p[1] for p in pairs]))
        optimiser.zero_grad()
        loss = soft_dice_loss(model(x), y)
        loss.backward()
        optimiser.step()

    model.train()
    for _ in range(2):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * BATCH / (time.perf_counter() - start)


def our_loop(
    bank, size: int, features: int, steps: int, *, norm: str = "batch", batch: int = BATCH, device="cpu"
) -> float:
    """``train_fold`` for two epochs of ``steps`` batches (no inner validation); epoch 2's images/s."""
    import pandas as pd
    import torch

    from segmentation.config import TrainConfig
    from segmentation.folds import Fold
    from segmentation.train import train_fold

    names = [c.name for c in bank.cases]
    config = TrainConfig(folds=2, epochs=2, size=size, features=features, batch_size=batch,
                         samples_per_epoch=steps * batch, inner_val=0.0, norm=norm)  # fmt: skip
    spec = Fold(0, (names[0],), tuple(names[1:]), ())
    with tempfile.TemporaryDirectory() as run:
        train_fold(bank, spec, config, Path(run), device=torch.device(device), progress=False)
        log = pd.read_csv(Path(run) / "fold_0" / "log.csv")
    return float(log["images_per_s"].iloc[-1])


def ceiling(sizes, threads: int) -> dict:
    """Training GFLOP per image of each (size, features), and matmul GFLOP/s in fp32 and bf16."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from segmentation.losses import soft_dice_loss
    from segmentation.unet import UNet

    torch.set_num_threads(threads)
    flops = {}
    for size, features in sizes:
        model = UNet(3, 1, features=features)
        x, y = torch.randn(1, 3, size, size), (torch.rand(1, 1, size, size) > 0.9).float()
        with FlopCounterMode(display=False) as counter:
            soft_dice_loss(model(x), y).backward()
        flops[f"{size}x{features}"] = counter.get_total_flops() / 1e9
    rates = {}
    n = 2048
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
        for _ in range(3):
            a @ b
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(5):
                a @ b
            best = min(best, (time.perf_counter() - start) / 5)
        rates[name] = 2 * n**3 / best / 1e9
    return {"gflop_per_image": flops, "matmul_gflops": rates}


def worker(kind: str, data: Path, size: int, features: int, steps: int, threads: int) -> dict:
    import torch

    torch.set_num_threads(threads)
    from segmentation.dataset import load_bank

    start = time.perf_counter()
    bank = load_bank(data, size=size)
    load_seconds = time.perf_counter() - start
    if kind == "reference":
        rate = reference_loop(bank, size, features, steps)
    else:  # "ours" (the reference's batch norm) or "ours-instance" (rg train --norm instance)
        rate = our_loop(bank, size, features, steps, norm="instance" if kind == "ours-instance" else "batch")
    return {"rate": rate, "peak_gib": _peak_gib(), "load_seconds": load_seconds, "slices": len(bank.images)}


def preprocessing(data: Path, threads: int) -> dict:
    """Seconds to read + preprocess every case (ours), preprocess only, and the reference's resize."""
    import numpy as np
    import torch
    from skimage.transform import resize

    torch.set_num_threads(threads)
    from radiogenomics.case_io import iter_cases
    from segmentation.preprocess import crop_geometry, preprocess_volume

    start = time.perf_counter()
    cases = list(iter_cases(data))
    read = time.perf_counter() - start
    start = time.perf_counter()
    for case in cases:
        preprocess_volume(case.image, case.mask, size=256)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    for case in cases[:3]:  # the reference's resize_sample of the padded crop: order 2 image, order 0 mask
        geometry = crop_geometry(case.image, size=256)
        (r0, r1), (c0, c1), (top, bottom, left, right) = geometry.rows, geometry.cols, geometry.pad
        image = np.pad(case.image[:, r0:r1, c0:c1], ((0, 0), (top, bottom), (left, right), (0, 0)))
        mask = np.pad(case.mask[:, r0:r1, c0:c1], ((0, 0), (top, bottom), (left, right)))
        shape = image.shape
        resize(image, (shape[0], 256, 256, shape[3]), order=2, mode="constant", cval=0, anti_aliasing=False)
        resize(mask, (shape[0], 256, 256), order=0, mode="constant", cval=0, anti_aliasing=False)
    reference = (time.perf_counter() - start) / 3
    return {"cases": len(cases), "read": read, "ours": ours, "reference_resize_per_case": reference}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, help="Kaggle-layout folder (default: the shared LGG cases, unpacked)"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="Fewer steps (a smoke run).")
    parser.add_argument(
        "--worker", nargs=4, metavar=("KIND", "SIZE", "FEATURES", "STEPS"), help=argparse.SUPPRESS
    )
    parser.add_argument("--prep", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--ceiling", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, size, features, steps = args.worker
        print(json.dumps(worker(kind, args.data, int(size), int(features), int(steps), args.threads)))
        return
    if args.prep:
        print(json.dumps(preprocessing(args.data, args.threads)))
        return
    if args.ceiling:
        print(json.dumps(ceiling(SETTINGS, args.threads)))
        return
    args.data = args.data or default_data()
    if not args.data.is_dir():
        sys.exit(f"{args.data}: no such folder; give --data a folder of the Kaggle layout")

    def run(*extra, env=None):
        command = [
            sys.executable,
            "-m",
            "benchmarks.train_speed",
            "--data",
            str(args.data),
            "--threads",
            str(args.threads),
            *extra,
        ]
        out = subprocess.run(
            command, check=True, capture_output=True, text=True, cwd=REPO, env={**os.environ, **(env or {})}
        ).stdout
        return json.loads(out.strip().splitlines()[-1])

    prep = run("--prep")
    print(f"preprocessing {prep['cases']} real cases at 256²: read {prep['read']:.1f} s, preprocess (torch) "
          f"{prep['ours']:.1f} s; the reference's scikit-image resize alone {prep['reference_resize_per_case']:.1f} "
          "s per case")  # fmt: skip
    steps = {  # (reference, ours) batches per measurement
        (256, 32): (1, 2) if args.quick else (3, 8),
        (128, 16): (2, 4) if args.quick else (16, 40),
    }
    rows = []
    for size, features in SETTINGS:
        ref_steps, our_steps = steps[(size, features)]
        reference = run("--worker", "reference", str(size), str(features), str(ref_steps))
        ours = run("--worker", "ours", str(size), str(features), str(our_steps))
        instance = run("--worker", "ours-instance", str(size), str(features), str(our_steps))
        rows.append((size, features, reference, ours, instance))
    # glibc serves allocations above 32 MiB (every activation at 256²) with fresh mmap pages, so each step
    # page-faults its whole activation memory again; with mmap off the heap keeps them, at a higher peak
    heap = {"MALLOC_MMAP_MAX_": "0"}
    ref_steps, our_steps = steps[SETTINGS[0]]
    heap_row = (
        run("--worker", "reference", *map(str, SETTINGS[0]), str(ref_steps), env=heap),
        run("--worker", "ours", *map(str, SETTINGS[0]), str(our_steps), env=heap),
    )
    peak = run("--ceiling")
    matmul = peak["matmul_gflops"]
    print(
        f"\ntraining, batch {BATCH}, {args.threads} threads, end to end (sampling, augmentation, model, optimiser)"
    )
    print(
        "| setting | reference loop: fp32 eager NCHW | ours: bf16 + channels_last | speed-up | peak memory ref / ours "
        "| GFLOP/image (counted) | GFLOP/s ref / ours |"
    )
    print("|---|---|---|---|---|---|---|")
    for size, features, reference, ours, _ in rows:
        gflop = peak["gflop_per_image"][f"{size}x{features}"]
        ref_rate, our_rate = reference["rate"] * gflop, ours["rate"] * gflop
        print(f"| {size}², {features} feat | {reference['rate']:.2f} img/s | {ours['rate']:.2f} img/s | "
              f"{ours['rate'] / reference['rate']:.1f}× | {reference['peak_gib']:.2f} / {ours['peak_gib']:.2f} GiB "
              f"| {gflop:.1f} | {ref_rate:.0f} / {our_rate:.0f} |")  # fmt: skip
    for size, features, reference, _, instance in rows:
        print(f"| {size}², {features} feat, ours with instance norm (`--norm instance`) | {reference['rate']:.2f} "
              f"img/s | {instance['rate']:.2f} img/s | {instance['rate'] / reference['rate']:.1f}× | "
              f"{reference['peak_gib']:.2f} / {instance['peak_gib']:.2f} GiB | | |")  # fmt: skip
    reference, ours = heap_row
    print(f"| {SETTINGS[0][0]}², {SETTINGS[0][1]} feat, MALLOC_MMAP_MAX_=0 (both) | {reference['rate']:.2f} img/s "
          f"| {ours['rate']:.2f} img/s | {ours['rate'] / reference['rate']:.1f}× | {reference['peak_gib']:.2f} / "
          f"{ours['peak_gib']:.2f} GiB | | |")  # fmt: skip
    print(f"\nmatmul 2048², {args.threads} threads: fp32 {matmul['fp32']:.0f} GFLOP/s, bf16 {matmul['bf16']:.0f} GFLOP/s "
          f"(ratio {matmul['bf16'] / matmul['fp32']:.1f}×); FLOPs as torch's counter counts them: oneDNN may run "
          "fewer (Winograd 3×3 convolutions in fp32)")  # fmt: skip
    print(
        f"(peak memory includes the preprocessed bank of {rows[0][2]['slices']} slices; torch "
        f"{__import__('torch').__version__})"
    )


if __name__ == "__main__":
    main()
