"""The training checks that need a GPU, in one short command for the ``device`` tool's 15 minutes.

Parts, printed as tables and saved to ``OUT/gpu_check.json`` after each:

1. speed: training images/s of the U-Net (256², 32 features) at batch 16 and 128 on synthetic tensors
   (model, loss, backward, Adam): fp32 eager NCHW (the reference's loop) against bf16 autocast +
   channels_last, and the same compiled with ``--compile``; then :func:`segmentation.train.train_fold` end to
   end on the real slices (sampling, augmentation on the device, model, optimiser) at both batch sizes;
2. sharing: a batch of 16 at 256² leaves the GPU idle between its short kernels, so several trainings can
   share it. ``P`` processes of the same training step at once (P = folds + 1), their images/s summed,
   against one process alone, both timed over the same seconds;
3. the cross-validation and the final model at once: ``rg train`` for every fold and for ``--fold all``, one
   process each on the same run folder (as a cluster array would), recipe :func:`recipe` (the shipped model's:
   instance norm, modality dropout 0.2, lr 0.002 cosine, batch 16, the last epoch) at 256² and 32 features,
   with as many epochs (at most the study's 100) as parts 1 and 2 say fit ``--minutes``. A training still
   running at the command's ``--limit`` (less a margin to pack) is stopped; what finished comes back;
4. what comes back: ``OUT/run.tar.xz`` (the run folder without checkpoints and fold weights: config, folds,
   logs, out-of-fold masks and their Dice) and the final model ``OUT/model.pt.part_N`` (float32, split under
   the tool's 16 MiB a file). Here, ``--restore FILES_AT`` lays them out as a run folder (the parts joined,
   their sha256 checked) for :mod:`benchmarks.lgg_science` and :mod:`benchmarks.ship_model`.

The cases travel as the shared data's case archives, split into parts that each fit one call's carry (the
travelling tree is limited to 64 MiB; the 81 shipped cases are ~205 MiB): here, ``--pack DIR`` copies every
archive into ``DIR/part_K`` folders of at most ``--mib`` each, the genomic table and the list of archives
into ``part_0``. There, each call carries one more part, and a machine kept warm keeps the parts carried
before (ignored outputs stay between calls); ``--cases DIR`` checks that every listed archive arrived, then
unpacks them (or takes a Kaggle-layout folder as it is).

Usage::

    .venv/bin/python -m benchmarks.gpu_check --pack .cache/gpu_cases  # here
    # device calls, back to back (a machine idle for 30 s is handed back, and the parts with it):
    #   carry .cache/gpu_cases/part_0, command: true          (the same with part_1, part_2)
    #   carry .cache/gpu_cases/part_3, command, from the repository root (its image has torch):
    PYTHONPATH=. PYTHONUNBUFFERED=1 python3 -m benchmarks.gpu_check --cases .cache/gpu_cases --out "$OUT"
    # here, with the files that came back:
    .venv/bin/python -m benchmarks.gpu_check --restore FILES_AT --run .cache/bench/gpu256
    .venv/bin/python -m benchmarks.lgg_science .cache/bench/gpu256
    # the script's own check on the CPU (tiny settings):
    .venv/bin/python -m benchmarks.gpu_check --cases .cache/lgg/kaggle_3m --device cpu --quick
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from benchmarks.lgg_data import SHARED_LGG, lgg_root
from benchmarks.train_speed import our_loop

SIZE, FEATURES, FOLDS = 256, 32, 3


def recipe() -> list[str]:
    """``rg train`` options of the shipped model's recipe (preset ``fast``, whose config the model card's
    equals), less size, width, folds and epochs (imported here: the preset's module loads torch)."""
    from study.presets import FAST

    t = FAST.train
    return ["--norm", t.norm, "--aug-modality-dropout", f"{t.aug_modality_dropout:g}", "--lr", f"{t.lr:g}",
            "--batch-size", str(t.batch_size), "--inner-val", f"{t.inner_val:g}", "--seed", str(t.seed)]  # fmt: skip


CHUNK = 15 * 2**20  # each file back from the device tool: at most 16 MiB
ARCHIVES = "archives.json"


def pack(dest: Path, mib: float, seed: int = 0) -> list[list[str]]:
    """Copy every case archive, in a seeded order, into ``dest/part_K`` folders of at most ``mib`` each.

    ``part_0`` also gets the genomic table ``data.csv`` and ``archives.json`` (every archive's name). Returns
    the archive names of each part.
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
    (dest / "part_0" / ARCHIVES).write_text(json.dumps(sorted(a.name for a in archives), indent=1))
    for k, (names, size) in enumerate(zip(parts, sizes, strict=True)):
        print(f"{dest / f'part_{k}'}: {len(names)} case archives, {size / 2**20:.1f} MiB")
    return parts


def missing_archives(cases: Path) -> list[str]:
    """The archives that ``--pack`` listed (``archives.json``) and that are not under ``cases``."""
    listed = sorted(cases.rglob(ARCHIVES))
    if not listed:
        return []
    present = {p.name for p in cases.rglob("*.tar.xz")}
    return [name for name in json.loads(listed[0].read_text()) if name not in present]


def _unpack(archive: Path, root: Path) -> None:
    with tarfile.open(archive) as tar:
        tar.extractall(root, filter="data")


def case_folder(cases: Path, scratch: Path, workers: int = 1) -> Path:
    """A Kaggle-layout folder: ``cases`` itself, or every ``*.tar.xz`` under it unpacked under ``scratch``
    (with the ``data.csv`` found beside them; ``workers`` processes)."""
    archives = sorted(cases.rglob("*.tar.xz"))
    if not archives:
        return cases
    root = scratch / "kaggle_3m"
    root.mkdir(parents=True, exist_ok=True)  # before the workers: each would make it, and two can race
    with ProcessPoolExecutor(max(1, workers)) as pool:
        list(pool.map(_unpack, archives, [root] * len(archives)))
    for table in sorted(cases.rglob("data.csv"))[:1]:
        shutil.copyfile(table, root / "data.csv")
    return root


def _training_step(batch: int, *, device, mode: str, size: int, features: int, norm: str):
    """One training step (model, soft Dice, backward, Adam) on fixed synthetic tensors; mode fp32 | bf16 | compiled."""
    import torch

    from segmentation.losses import soft_dice_loss
    from segmentation.model import autocast
    from segmentation.unet import UNet

    torch.manual_seed(0)
    fast = mode != "fp32"
    layout = torch.channels_last if fast else torch.contiguous_format
    model = UNet(3, 1, features=features, norm=norm).to(device, memory_format=layout)
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

    return step


def model_rate(
    batch: int, *, device, mode: str, steps: int, size: int, features: int, norm: str = "batch"
) -> dict:
    """Images/s of model + soft Dice + backward + Adam on synthetic tensors; mode fp32 | bf16 | compiled."""
    step = _training_step(batch, device=device, mode=mode, size=size, features=features, norm=norm)
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


def timed_rate(
    batch: int, *, device, start_at: float, seconds: float, size: int, features: int, norm: str
) -> float:
    """Images/s of the bf16 training step over ``seconds`` from the wall-clock time ``start_at`` (so that
    processes started together are timed over the same seconds), with the cuDNN settings of ``train_cv``."""
    from segmentation.train import deterministic_cudnn

    deterministic_cudnn()
    step = _training_step(batch, device=device, mode="bf16", size=size, features=features, norm=norm)
    for _ in range(3):
        step()
    _sync(device)
    time.sleep(max(0.0, start_at - time.time()))
    start, steps = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        step()
        steps += 1
    _sync(device)
    return batch * steps / (time.perf_counter() - start)


def shared_rate(procs: int, *, device: str, seconds: float, size: int, features: int, norm: str,
                batch: int = 16, lead: float = 15.0) -> list[float]:  # fmt: skip
    """Each process's images/s when ``procs`` processes run :func:`timed_rate` at once (``lead`` seconds to
    start CUDA and warm up before the common start)."""
    start_at = time.time() + lead
    command = [sys.executable, "-m", "benchmarks.gpu_check", "--probe", f"{start_at}", "--probe-seconds",
               f"{seconds}", "--probe-shape", f"{batch},{size},{features},{norm}", "--device", device]  # fmt: skip
    running = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(procs)]
    rates = []
    for process in running:
        output, _ = process.communicate()
        if process.returncode:
            raise RuntimeError(f"probe process failed ({process.returncode})")
        rates.append(json.loads(output.strip().splitlines()[-1])["rate"])
    return rates


def fit_epochs(seconds: float, *, fold_images: float, all_images: float, procs: int, shared: float,
               alone: float, overhead: float = 0.0, cap: int = 100) -> int:  # fmt: skip
    """Epochs that ``procs - 1`` folds and the final model, trained at once, finish in ``seconds``.

    While all run, each gets ``shared / procs`` images/s (``shared``: their summed rate); the folds train
    ``fold_images`` a epoch, the final model ``all_images`` (every case), and its extra images run alone at
    ``alone`` after the folds are done; ``overhead``: seconds an epoch besides (the checkpoints). At least 1,
    at most ``cap`` (the study's 100).
    """
    per_epoch = fold_images * procs / shared + max(0.0, all_images - fold_images) / alone + overhead
    return max(1, min(cap, int(seconds / per_epoch)))


def checkpoint_seconds(folder: Path, *, device, features: int, norm: str) -> float:
    """Seconds to write one training checkpoint of the U-Net as every epoch does
    (:func:`segmentation.train._save_checkpoint`: weights, the kept weights, Adam's state, RNG states)."""
    import torch

    from segmentation.model import cpu_state
    from segmentation.train import _save_checkpoint
    from segmentation.unet import UNet

    model = UNet(3, 1, features=features, norm=norm).to(device)
    optimiser = torch.optim.Adam(model.parameters())
    model(torch.zeros(2, 3, 32, 32, device=device)).sum().backward()
    optimiser.step()  # Adam's state exists from the first step on
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: 1.0)
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    _save_checkpoint(folder / "timing.pt", {"epoch": 1, "best_model": cpu_state(model)}, model, optimiser,
                     scheduler, torch.Generator())  # fmt: skip
    seconds = time.perf_counter() - start
    (folder / "timing.pt").unlink()
    return seconds


def loop_rate(bank, batch: int, *, device, steps: int, features: int, norm: str = "batch") -> dict:
    """``train_fold`` end to end (:func:`benchmarks.train_speed.our_loop`) and its peak device memory."""
    _reset_peak(device)
    rate = our_loop(bank, bank.images.shape[-1], features, steps, batch=batch, device=device, norm=norm)
    return {"rate": rate, "peak_gib": _peak(device)}


def _epochs_done(run: Path, fold: str) -> int:
    log = run / f"fold_{fold}" / "log.csv"
    return max(0, len(log.read_text().splitlines()) - 1) if log.exists() else 0


def train_all(data: Path, run: Path, *, folds: int, epochs: int, size: int, features: int, device: str,
              threads: int, stop_at: float) -> dict:  # fmt: skip
    """``rg train`` for every fold and ``--fold all``, one process each, at once, into ``run``; a process
    still running at the wall-clock time ``stop_at`` is stopped. Per fold: exit code and seconds."""
    logs = run / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    start, running, options = time.time(), {}, recipe()
    for fold in [*map(str, range(folds)), "all"]:
        command = [sys.executable, "-m", "cli.main", "train", str(data), "--out", str(run), "--folds", str(folds),
                   "--fold", fold, "--size", str(size), "--features", str(features), "--epochs", str(epochs),
                   *options, "--device", device, "--threads", str(threads), "--quiet"]  # fmt: skip
        with open(logs / f"train_{fold}.log", "w") as log:
            running[fold] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    finished, shown = {}, start
    while len(finished) < len(running) and time.time() < stop_at:
        time.sleep(1)
        for fold, process in running.items():
            if fold not in finished and process.poll() is not None:
                finished[fold] = {"rc": process.returncode, "seconds": time.time() - start}
        if time.time() - shown > 30:
            shown = time.time()
            done = ", ".join(f"{fold}: {_epochs_done(run, fold)}" for fold in running)
            print(f"{shown - start:.0f} s: epochs done {done} (of {epochs})")
    for fold, process in running.items():
        if fold not in finished:
            process.terminate()
            process.wait()
            finished[fold] = {"rc": "stopped at --limit", "seconds": time.time() - start}
    return finished


def split_file(path: Path, out: Path, chunk: int = CHUNK) -> list[str]:
    """``path`` cut into ``out/<name>.part_N`` files of at most ``chunk`` bytes; their names, in order."""
    names = []
    with open(path, "rb") as source:
        while block := source.read(chunk):
            names.append(f"{path.name}.part_{len(names)}")
            (out / names[-1]).write_bytes(block)
    return names


def _not_weights(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    return None if Path(info.name).name in ("checkpoint.pt", "model.pt") else info


def pack_run(run: Path, out: Path, chunk: int = CHUNK) -> dict:
    """Part 4: ``out/run.tar.xz`` (the run without checkpoints and weights) and the final model in parts of
    at most ``chunk`` bytes, with its sha256."""
    from segmentation.model import file_sha256

    with tarfile.open(out / "run.tar.xz", "w:xz") as tar:
        tar.add(run, arcname="run", filter=_not_weights)
    model = run / "fold_all" / "model.pt"
    if not model.exists():
        return {"archive": "run.tar.xz", "model_parts": [], "model_sha256": None}
    return {
        "archive": "run.tar.xz",
        "model_parts": split_file(model, out, chunk),
        "model_sha256": file_sha256(model),
    }


def restore(files: Path, run: Path) -> Path:
    """Lay out what came back (``files``: ``gpu_check.json``, ``run.tar.xz``, the model's parts) as the run
    folder ``run``: the parts joined into ``run/fold_all/model.pt`` and checked against their sha256."""
    from segmentation.model import file_sha256

    if run.exists():
        raise SystemExit(f"{run}: exists; give --run a new folder")
    report = json.loads((files / "gpu_check.json").read_text())
    returned = report.get("returned")
    if not returned:
        raise SystemExit(f"{files / 'gpu_check.json'}: no 'returned' entry; the check stopped before part 4")
    staging = run.with_name(run.name + ".restoring")
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(files / returned["archive"]) as tar:
        tar.extractall(staging, filter="data")
    if returned["model_parts"]:
        model = staging / "run" / "fold_all" / "model.pt"
        with open(model, "wb") as joined:
            for name in returned["model_parts"]:
                joined.write((files / name).read_bytes())
        if file_sha256(model) != returned["model_sha256"]:
            shutil.rmtree(staging)
            raise SystemExit(
                f"{files}: the joined model.pt's sha256 is not the one recorded; fetch the parts again"
            )
    (staging / "run").rename(run)
    staging.rmdir()
    return run


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


def speed(bank, *, device, size: int, features: int, batches, quick: bool, compile_too: bool) -> list[dict]:
    """Part 1 (see the module text), printed as a table."""
    modes = ["fp32", "bf16"] + (["compiled"] if compile_too else [])
    rows = []
    for batch in batches:
        steps = 2 if quick else max(5, 640 // batch)
        row = {"batch": batch}
        for mode in modes:
            row[mode] = model_rate(batch, device=device, mode=mode, steps=steps, size=size, features=features)
        row["loop"] = loop_rate(bank, batch, device=device, steps=steps, features=features, norm="instance")
        rows.append(row)
    print("\n| batch | fp32 eager NCHW (model) | bf16 + channels_last (model) | compiled (model) "
          "| ours end to end (train_fold, instance norm) | end to end / fp32 | peak GiB fp32 / ours |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        compiled = (
            f"{row['compiled']['rate']:.0f} img/s ({row['compiled']['warm_s']:.0f} s warm-up)"
            if compile_too
            else ""
        )
        print(f"| {row['batch']} | {row['fp32']['rate']:.0f} img/s | {row['bf16']['rate']:.0f} img/s | {compiled} | "
              f"{row['loop']['rate']:.0f} img/s | {row['loop']['rate'] / row['fp32']['rate']:.1f}× | "
              f"{_gib(row['fp32']['peak_gib'])} / {_gib(row['loop']['peak_gib'])} |")  # fmt: skip
    return rows


def cross_validate(data: Path, bank, args, *, device, size: int, features: int, alone: float, stop_at: float,
                   report: dict) -> Path:  # fmt: skip
    """Parts 2 and 3 (see the module text); returns the run folder."""
    procs = args.folds + 1
    shape = {"device": str(device), "size": size, "features": features, "norm": "instance"}
    seconds = 2.0 if args.quick else 6.0
    one = shared_rate(1, seconds=seconds, **shape)[0]
    together = shared_rate(procs, seconds=seconds, **shape)
    factor = sum(together) / one
    report["sharing"] = {"procs": procs, "alone": one, "each": together, "factor": factor}
    print(f"\nsharing the GPU: one process {one:.0f} img/s; {procs} at once {sum(together):.0f} img/s in all "
          f"({', '.join(f'{r:.0f}' for r in together)}): {factor:.2f}×")  # fmt: skip

    writes = checkpoint_seconds(args.run, device=device, features=features, norm="instance")
    report["checkpoint_s"] = writes
    slices = len(bank.images)
    # less each process's own preprocessing and the out-of-fold masks; 0.85: the rates are estimates, and a
    # training still running at --limit is lost
    budget = 0.85 * (min(args.minutes * 60, stop_at - time.time()) - report["load_s"] - 20 * args.folds)
    epochs = 2 if args.quick else fit_epochs(
        budget, fold_images=slices * (args.folds - 1) / args.folds, all_images=slices, procs=procs,
        shared=alone * factor, alone=alone, overhead=procs * writes,
    )  # fmt: skip
    run = args.run / f"k{args.folds}_s{size}_f{features}_e{epochs}"
    print(f"\ncross-validation and final model at once: {args.folds} folds + all, {size}², {features} features, "
          f"{' '.join(recipe())}, {epochs} epochs (fit to {budget / 60:.1f} min at {alone:.0f} img/s alone, "
          f"×{factor:.2f} shared, {writes:.2f} s a checkpoint) into {run}")  # fmt: skip
    threads = max(1, (os.cpu_count() or 1) // procs)
    trained = train_all(data, run, folds=args.folds, epochs=epochs, size=size, features=features,
                        device=str(device), threads=threads, stop_at=stop_at)  # fmt: skip
    report["cv"] = {"folds": args.folds, "epochs": epochs, "run": run.name, "processes": trained}
    for fold, item in trained.items():
        print(
            f"fold {fold}: exit {item['rc']} after {item['seconds'] / 60:.1f} min, {_epochs_done(run, fold)} epochs"
        )
    if (run / "summary.json").exists():  # gathered by the last fold to finish
        summary = json.loads((run / "summary.json").read_text())
        mean, median = summary["dice_per_patient_mean"], summary["dice_per_patient_median"]
        report["cv"].update(patients=summary["patients"], dice_mean=mean, dice_median=median)
        print(
            f"per-patient Dice: mean {100 * mean:.2f} %, median {100 * median:.2f} % (n = {summary['patients']})"
        )
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pack", type=Path, help="Copy every case archive into part_K folders of --mib here; stop."
    )
    parser.add_argument("--mib", type=float, default=57.0, help="Size of each part of --pack (MiB).")
    parser.add_argument(
        "--cases", type=Path, help="A folder of case archives (*.tar.xz) or of the Kaggle layout."
    )
    parser.add_argument(
        "--restore", type=Path, help="Here: the folder of files that came back; lays out --run; stop."
    )
    parser.add_argument(
        "--out", type=Path, default=Path(".cache/gpu_check"), help="Where tables and files go."
    )
    parser.add_argument(
        "--run", type=Path, default=Path(".cache/gpu_run"), help="Where the CV's run folders go."
    )
    parser.add_argument(
        "--scratch", type=Path, default=Path(".cache/gpu_data"), help="Where the archives are unpacked."
    )
    parser.add_argument("--minutes", type=float, default=5.5, help="Time for the CV's training.")
    parser.add_argument("--limit", type=float, default=520.0,
                        help="Seconds the whole command may take: trainings still running are stopped in time "
                        "to pack what finished.")  # fmt: skip
    parser.add_argument("--folds", type=int, default=FOLDS)
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--compile", action="store_true", help="Also time torch.compile (minutes of warm-up)."
    )
    parser.add_argument(
        "--quick", action="store_true", help="Tiny settings: checks the script, measures nothing."
    )
    parser.add_argument("--probe", type=float, help=argparse.SUPPRESS)  # shared_rate's processes
    parser.add_argument("--probe-seconds", type=float, default=6.0, help=argparse.SUPPRESS)
    parser.add_argument("--probe-shape", default="16,256,32,instance", help=argparse.SUPPRESS)
    args = parser.parse_args()
    started = time.time()
    if args.pack:
        pack(args.pack, args.mib)
        return
    if args.restore:
        run = restore(args.restore, args.run)
        print(f"{run}: restored; next: .venv/bin/python -m benchmarks.lgg_science {run}")
        return
    if args.probe is not None:
        from segmentation.model import resolve_device

        batch, size, features, norm = args.probe_shape.split(",")
        rate = timed_rate(int(batch), device=resolve_device(args.device), start_at=args.probe,
                          seconds=args.probe_seconds, size=int(size), features=int(features), norm=norm)  # fmt: skip
        print(json.dumps({"rate": rate}))
        return
    if args.cases is None or not args.cases.is_dir():
        sys.exit(
            f"--cases {args.cases}: not a folder; give the carried archives' folder or a Kaggle-layout one"
        )
    if missing := missing_archives(args.cases):
        sys.exit(
            f"--cases {args.cases}: {len(missing)} archives did not arrive ({missing[0]}, …); carry their part"
        )

    import torch

    from segmentation.dataset import load_bank
    from segmentation.model import resolve_device
    from segmentation.train import deterministic_cudnn

    device = resolve_device(args.device)
    deterministic_cudnn()
    size, features = (64, 8) if args.quick else (SIZE, FEATURES)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    report = {"device": name, "torch": torch.__version__, "size": size, "features": features}
    print(f"{name}, torch {torch.__version__}; U-Net {size}², {features} features")

    if (args.scratch / "kaggle_3m" / "data.csv").exists():
        data = args.scratch / "kaggle_3m"  # unpacked by an earlier call on this machine
    else:
        data = case_folder(args.cases, args.scratch, workers=os.cpu_count() or 1)
    start = time.perf_counter()
    bank = load_bank(data, size=size)
    report["cases"], report["load_s"] = len(bank.cases), time.perf_counter() - start
    print(f"{len(bank.cases)} cases, {len(bank.images)} slices preprocessed in {report['load_s']:.1f} s")

    report["speed"] = speed(bank, device=device, size=size, features=features,
                            batches=(4, 8) if args.quick else (16, 128), quick=args.quick,
                            compile_too=args.compile)  # fmt: skip
    _write(args.out / "gpu_check.json", report)
    alone = report["speed"][0]["loop"]["rate"]
    stop_at = started + args.limit - 40  # time to pack what finished
    run = cross_validate(data, bank, args, device=device, size=size, features=features, alone=alone,
                         stop_at=stop_at, report=report)  # fmt: skip
    _write(args.out / "gpu_check.json", report)
    report["returned"] = pack_run(run, args.out)
    report["wall_s"] = time.time() - started
    _write(args.out / "gpu_check.json", report)
    print(f"\nwritten in {report['wall_s']:.0f} s: {args.out / 'gpu_check.json'}, {args.out / 'run.tar.xz'}, "
          f"{', '.join(report['returned']['model_parts'])}")  # fmt: skip


if __name__ == "__main__":
    main()
