"""The training checks that need a GPU, in one short command for the ``device`` tool's 15 minutes.

Three parts, printed as tables and saved to ``OUT/gpu_check.json`` (and the CV's tables beside it):

1. speed: training images/s of the reference U-Net (256², 32 features) at batch 16 and 128 on synthetic
   tensors (model, loss, backward, Adam): fp32 eager NCHW (the reference's loop) against bf16 autocast +
   channels_last, and the same compiled (``--compile``); then :func:`segmentation.train.train_fold` end to
   end on the real slices (sampling, augmentation on the device, model, optimiser) at both batch sizes;
2. cross-validation at the reference setting (256², 32 features, batch 16, the TrainConfig defaults) on the
   cases that travelled, with as many epochs (at most the study's 100) as fit ``--minutes``, estimated from
   the end-to-end rate of part 1; per-patient Dice mean and median. Where the carried parts hold the test
   folds of a CPU run (``--pack ... --split-from RUN``), the CV uses them, so that its row compares with the
   CPU rows patient for patient (``benchmarks.lgg_recipes``);
3. what the science needs on its out-of-fold masks (:mod:`benchmarks.lgg_science`: Dice, HD95, the features'
   ICCs, the study2019 family), saved as ``OUT/science_summary.json``; the masks themselves come back as
   ``OUT/oof_masks.tar.xz`` (a few MB) for ``benchmarks.lgg_science`` here, should part 3 fail there.

Part 1 takes ~3 minutes on an H100 or H200 (two compilations), part 2 ``--minutes`` (4) plus evaluation,
part 3 a minute or two on its cores: one call of ~9 minutes, within the tool's 10-minute command limit. The JSON is written after each part.

The cases travel as the shared data's case archives, split into parts that each fit one call's carry (the
travelling tree is limited to 64 MiB; the 81 shipped cases are ~205 MiB): here, ``--pack DIR`` copies every
archive into ``DIR/part_K`` folders of at most ``--mib`` each, the genomic table (and ``--split-from``'s
folds) into ``part_0``. There, each call carries one more part, and a machine kept warm keeps the parts
carried before (ignored outputs stay between calls); ``--cases DIR`` unpacks every archive under DIR (or
takes a Kaggle-layout folder as it is).

Usage::

    .venv/bin/python -m benchmarks.gpu_check --pack .cache/gpu_cases --split-from .cache/bench/cv81_e10  # here
    # device calls, back to back (a machine idle for long is handed back, and the parts with it):
    #   carry .cache/gpu_cases/part_0, command: true          (the same with part_1, part_2)
    #   carry .cache/gpu_cases/part_3, command, from the repository root (its image has torch):
    PYTHONPATH=. PYTHONUNBUFFERED=1 python3 -m benchmarks.gpu_check --cases .cache/gpu_cases --out "$OUT" --folds 3
    # here, the script's own check on the CPU (tiny settings):
    .venv/bin/python -m benchmarks.gpu_check --cases .cache/lgg/kaggle_3m --device cpu --quick
"""

import argparse
import json
import random
import shutil
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from benchmarks.lgg_data import SHARED_LGG, lgg_root
from benchmarks.train_speed import our_loop

SIZE, FEATURES = 256, 32


def pack(dest: Path, mib: float, seed: int = 0, split_from: Path | None = None) -> list[list[str]]:
    """Copy every case archive, in a seeded order, into ``dest/part_K`` folders of at most ``mib`` each.

    ``part_0`` also gets the genomic table ``data.csv`` and, with ``split_from`` (a run folder), its
    ``folds.json``. Returns the archive names of each part.
    """
    archives = sorted((SHARED_LGG / "archives" / "cases").glob("*.tar.xz"))
    random.Random(seed).shuffle(archives)
    parts, sizes = [[]], [0]
    for archive in archives:
        size = archive.stat().st_size
        if size > mib * 2**20:
            raise SystemExit(f"{archive}: {size / 2**20:.1f} MiB, over --mib {mib:g}; give a larger --mib")
        if sizes[-1] + size > mib * 2**20:
            parts.append([])
            sizes.append(0)
        folder = dest / f"part_{len(parts) - 1}"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(archive, folder / archive.name)
        parts[-1].append(archive.name)
        sizes[-1] += size
    shutil.copyfile(lgg_root() / "kaggle_3m" / "data.csv", dest / "part_0" / "data.csv")
    if split_from is not None:
        shutil.copyfile(split_from / "folds.json", dest / "part_0" / "folds.json")
    for k, (names, size) in enumerate(zip(parts, sizes, strict=True)):
        print(f"{dest / f'part_{k}'}: {len(names)} case archives, {size / 2**20:.1f} MiB")
    return parts


def case_folder(cases: Path, scratch: Path) -> Path:
    """A Kaggle-layout folder: ``cases`` itself, or every ``*.tar.xz`` under it unpacked under ``scratch``
    (with the ``data.csv`` found beside them)."""
    archives = sorted(cases.rglob("*.tar.xz"))
    if not archives:
        return cases
    root = scratch / "kaggle_3m"
    for archive in archives:
        with tarfile.open(archive) as tar:
            tar.extractall(root, filter="data")
    for table in sorted(cases.rglob("data.csv"))[:1]:
        shutil.copyfile(table, root / "data.csv")
    return root


def model_rate(batch: int, *, device, mode: str, steps: int, size: int, features: int) -> dict:
    """Images/s of model + soft Dice + backward + Adam on synthetic tensors; mode fp32 | bf16 | compiled."""
    import torch

    from segmentation.losses import soft_dice_loss
    from segmentation.model import autocast
    from segmentation.unet import UNet

    torch.manual_seed(0)
    fast = mode != "fp32"
    layout = torch.channels_last if fast else torch.contiguous_format
    model = UNet(3, 1, features=features).to(device, memory_format=layout)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-4)
    forward = torch.compile(model) if mode == "compiled" else model
    x = torch.randn(batch, 3, size, size, device=device).contiguous(memory_format=layout)
    y = (torch.rand(batch, 1, size, size, device=device) > 0.9).float()

    def step():
        with autocast(device, "bf16" if fast else "fp32"):
            logits = forward(x)
        loss = soft_dice_loss(logits, y)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()

    start = time.perf_counter()
    for _ in range(3):  # warm-up (and the compilation)
        step()
    _sync(device)
    warm = time.perf_counter() - start
    _reset_peak(device)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    _sync(device)
    return {"rate": batch * steps / (time.perf_counter() - start), "warm_s": warm, "peak_gib": _peak(device)}


def loop_rate(bank, batch: int, *, device, steps: int, features: int) -> dict:
    """``train_fold`` end to end (:func:`benchmarks.train_speed.our_loop`) and its peak device memory."""
    _reset_peak(device)
    rate = our_loop(bank, bank.images.shape[-1], features, steps, batch=batch, device=device)
    return {"rate": rate, "peak_gib": _peak(device)}


def _write(path: Path, report: dict):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2))


def _sync(device):
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _reset_peak(device):
    import torch

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def _peak(device) -> float | None:
    """The device's peak allocated memory (GiB) since the last reset; None on the CPU."""
    import torch

    return torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None


def _gib(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def science(run: Path, data: Path, out: Path, report: dict) -> None:
    """Part 3: :mod:`benchmarks.lgg_science` on the CV's out-of-fold masks, into ``OUT/science_summary.json``.

    Should it fail there (a package missing from the machine's image), it says so and the check goes on:
    the masks came back in ``OUT/oof_masks.tar.xz`` and the same steps run here.
    """
    from benchmarks.lgg_science import run_steps, summarise

    try:
        summary = summarise(run, run_steps(run, data))
    except Exception as error:  # noqa: BLE001 - any failure here leaves parts 1 and 2 intact
        print(f"science not measured there ({type(error).__name__}: {error}); here: unpack "
              f"{out / 'oof_masks.tar.xz'} into a folder RUN and run benchmarks.lgg_science RUN")  # fmt: skip
        return
    _write(out / "science_summary.json", summary)
    report["science"] = {"icc": summary["icc"], "icc_where_found": summary["icc_where_found"],
                         "study2019_rejected_auto": sum(bool(r["reject_auto"]) for r in summary["study2019"])}  # fmt: skip
    for name, item in summary["icc"].items():
        value = "—" if item["icc21"] is None else f"{item['icc21']:.3f}"
        print(f"ICC(2,1) {name}: {value} (n = {item['n']})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pack", type=Path, help="Copy every case archive into part_K folders of --mib here; stop."
    )
    parser.add_argument("--mib", type=float, default=56.0, help="Size of each part of --pack (MiB).")
    parser.add_argument(
        "--split-from", type=Path, help="With --pack: a CPU run whose test folds the GPU's CV uses."
    )
    parser.add_argument(
        "--cases", type=Path, help="A folder of case archives (*.tar.xz) or of the Kaggle layout."
    )
    parser.add_argument(
        "--out", type=Path, default=Path(".cache/gpu_check"), help="Where tables and JSON go."
    )
    parser.add_argument(
        "--run", type=Path, default=Path(".cache/gpu_run"), help="Where the CV's run folder goes."
    )
    parser.add_argument("--minutes", type=float, default=4.0, help="Time for the CV's training.")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--compile", action=argparse.BooleanOptionalAction, default=None,
                        help="Also time torch.compile (default: on CUDA only).")  # fmt: skip
    parser.add_argument(
        "--quick", action="store_true", help="Tiny settings: checks the script, measures nothing."
    )
    args = parser.parse_args()
    if args.pack:
        pack(args.pack, args.mib, split_from=args.split_from)
        return
    if args.cases is None or not args.cases.is_dir():
        sys.exit(
            f"--cases {args.cases}: not a folder; give the carried archives' folder or a Kaggle-layout one"
        )

    import torch

    from segmentation.config import TrainConfig
    from segmentation.dataset import load_bank
    from segmentation.model import resolve_device
    from segmentation.train import train_cv

    device = resolve_device(args.device)
    compile_too = device.type == "cuda" if args.compile is None else args.compile
    size, features = (64, 8) if args.quick else (SIZE, FEATURES)
    batches = (4, 8) if args.quick else (16, 128)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    report = {"device": name, "torch": torch.__version__, "size": size, "features": features}
    print(f"{name}, torch {torch.__version__}; U-Net {size}², {features} features")

    with tempfile.TemporaryDirectory() as scratch:
        data = case_folder(args.cases, Path(scratch))
        start = time.perf_counter()
        bank = load_bank(data, size=size)
        report["cases"], report["load_s"] = len(bank.cases), time.perf_counter() - start
        print(f"{len(bank.cases)} cases, {len(bank.images)} slices preprocessed in {report['load_s']:.1f} s")

        modes = ["fp32", "bf16"] + (["compiled"] if compile_too else [])
        speed = []
        for batch in batches:
            steps = 2 if args.quick else max(5, 1280 // batch)
            row = {"batch": batch}
            for mode in modes:
                row[mode] = model_rate(
                    batch, device=device, mode=mode, steps=steps, size=size, features=features
                )
            row["loop"] = loop_rate(bank, batch, device=device, steps=steps, features=features)
            speed.append(row)
        report["speed"] = speed
        _write(args.out / "gpu_check.json", report)
        print("\n| batch | fp32 eager NCHW (model) | bf16 + channels_last (model) | compiled (model) "
              "| ours end to end (train_fold) | end to end / fp32 | peak GiB fp32 / ours |")  # fmt: skip
        print("|---|---|---|---|---|---|---|")
        for row in speed:
            compiled = (
                f"{row['compiled']['rate']:.0f} img/s ({row['compiled']['warm_s']:.0f} s warm-up)"
                if compile_too
                else ""
            )
            print(f"| {row['batch']} | {row['fp32']['rate']:.0f} img/s | {row['bf16']['rate']:.0f} img/s | {compiled} | "
                  f"{row['loop']['rate']:.0f} img/s | {row['loop']['rate'] / row['fp32']['rate']:.1f}× | "
                  f"{_gib(row['fp32']['peak_gib'])} / {_gib(row['loop']['peak_gib'])} |")  # fmt: skip

        folds_file = next(iter(sorted(args.cases.rglob("folds.json"))), None)  # a CPU run's test folds
        if folds_file is not None:
            args.folds = json.loads(folds_file.read_text())["k"]
        rate = speed[0]["loop"]["rate"]
        per_epoch = len(bank.images) * (args.folds - 1) / args.folds * 0.9  # training slices of a fold
        epochs = (
            2 if args.quick else int(min(100, max(1, args.minutes * 60 * rate / (args.folds * per_epoch))))
        )
        config = TrainConfig(folds=args.folds, epochs=epochs, size=size, features=features)
        print(f"\ncross-validation: {args.folds} folds, {size}², {features} features, batch 16, lr {config.lr:g} "
              f"cosine, {epochs} epochs (fit to {args.minutes:g} min at {rate:.0f} img/s)")  # fmt: skip
        start = time.perf_counter()
        # a rerun on the same (warm) machine resumes this folder; another epoch count gets its own
        run = args.run / f"k{args.folds}_s{size}_f{features}_e{epochs}"
        if folds_file is not None and not (run / "folds.json").exists():  # train_cv honours it
            run.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folds_file, run / "folds.json")
        result = train_cv(data, run, config, device=str(device), progress=False)
        wall = time.perf_counter() - start
        per_patient = result.dice.groupby("patient")["dice"].mean()
        report["cv"] = {"folds": args.folds, "epochs": epochs, "wall_s": wall, "patients": int(per_patient.size),
                        "dice_mean": float(per_patient.mean()), "dice_median": float(per_patient.median())}  # fmt: skip
        print(f"per-patient Dice: mean {100 * per_patient.mean():.2f} %, median {100 * per_patient.median():.2f} % "
              f"(n = {per_patient.size}); {wall / 60:.1f} min")  # fmt: skip
        _write(args.out / "gpu_check.json", report)
        result.dice.to_csv(args.out / "oof_dice.csv", index=False)
        with tarfile.open(args.out / "oof_masks.tar.xz", "w:xz") as tar:
            tar.add(run / "oof_masks", arcname="oof_masks")
        science(run, data, args.out, report)

    _write(args.out / "gpu_check.json", report)
    print(
        f"\nwritten: {args.out / 'gpu_check.json'}, {args.out / 'oof_dice.csv'}, {args.out / 'oof_masks.tar.xz'}"
    )


if __name__ == "__main__":
    main()
