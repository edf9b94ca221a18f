"""Training with patient-level k-fold cross-validation: resumable, deterministic, one fold a process.

A run folder::

    RUN/config.json             the TrainConfig (a run refuses another config)
    RUN/folds.json              the split, written once (segmentation.folds)
    RUN/fold_K/checkpoint.pt    model, optimiser, scheduler, RNG states, epoch, best weights, history;
                                written atomically after every epoch
    RUN/fold_K/log.csv          per epoch: loss, inner validation Dice, learning rate, seconds, images/s
    RUN/fold_K/model.pt         the kept weights (the last epoch's, the best inner validation Dice's, or the
                                average of the last epochs': TrainConfig.average_last) and the config
    RUN/fold_K/test_dice.csv    per test case: Dice of the out-of-fold mask against the case's own mask
                                (and ``dice_largest_only``: with the reference's largest-component rule)
    RUN/fold_K/done.json        written last: the fold is finished and is never retrained
    RUN/fold_all/…              ``fold="all"``: one model trained on every case (last epoch; checkpoint,
                                log, model, done as above), for the final model; no out-of-fold masks
    RUN/oof_masks/<case>/…      out-of-fold masks of every case, Kaggle layout, original geometry
    RUN/oof_dice.csv, RUN/summary.json   gathered once every fold is done

A run killed at any moment resumes from its last checkpoint: the random state of sampling and
augmentation (one seeded CPU generator per fold) and of torch are restored with the weights, so the
resumed fold is the same as an uninterrupted one (bit for bit on the same machine and thread count).
"""

import json
import math
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from radiogenomics.atomic import atomic_path, write_csv, write_json
from radiogenomics.case_io import read_case, replace_mask_case
from radiogenomics.errors import InputError
from radiogenomics.progress import Progress, progress_line
from radiogenomics.versions import software_versions
from segmentation.augment import augment_batch
from segmentation.config import TrainConfig
from segmentation.dataset import SliceBank, load_bank
from segmentation.folds import ALL, Fold, load_or_make_plan
from segmentation.losses import loss_function
from segmentation.metrics import dice
from segmentation.model import (
    LoadedModel,
    autocast,
    build_model,
    cpu_state,
    load_model,
    resolve_device,
    resolve_precision,
    save_model,
)
from segmentation.predict import postprocess, predict_slices, segment_volume
from segmentation.sampling import draw, gather, joint_weights, neighbour_index

LOG_COLUMNS = ["epoch", "loss", "val_dice", "lr", "seconds", "images_per_s"]


@dataclass(frozen=True)
class FoldResult:
    """What a fold produced (``test_dice``: mean Dice of its out-of-fold masks; NaN for an empty fold)."""

    fold: int | str  # 0 … k-1, or "all"
    best_epoch: int
    best_val_dice: float
    test_dice: float
    cases: int
    seconds: float
    skipped: bool  # True when the fold was already done


@dataclass(frozen=True)
class CVResult:
    """A run after this call: its folder, the folds handled, and (once every fold is done) per-case Dice."""

    run: Path
    folds: tuple[FoldResult, ...]
    complete: bool
    dice: pd.DataFrame | None
    folds_total: int


def resolve_config(run: Path, config: TrainConfig | None, *, resume: bool) -> TrainConfig:
    """The run's config: the saved one when resuming, else ``config`` (which must match a saved one).

    Nothing is written here: ``train_cv`` writes ``config.json`` once the data and the split are known good.
    """
    path = run / "config.json"
    if path.exists():
        try:
            saved = TrainConfig.from_json(json.loads(path.read_text()), source=str(path))
        except (ValueError, TypeError) as err:
            if isinstance(err, InputError):
                raise
            raise InputError(f"{path}: not a readable config ({err}); start a new run folder") from err
        if config is None or config == saved:
            return saved
        changes = "; ".join(saved.differences(config)[:4])
        raise InputError(
            f"{run}: this run was made with another config ({changes}); use --resume to go on with its own "
            f"config, or a new --out (or delete {run}) to start fresh"
        )
    if resume:
        raise InputError(f"{run}: nothing to resume (no config.json); drop --resume to start a new run there")
    return config or TrainConfig()


def _lr_factor(config: TrainConfig, total_steps: int):
    if config.schedule == "constant":
        return lambda step: 1.0
    return lambda step: 0.01 + 0.99 * 0.5 * (1.0 + math.cos(math.pi * min(step, total_steps) / total_steps))


def validation_dice(model, bank: SliceBank, cases, config: TrainConfig, device: torch.device) -> float:
    """Mean per-volume Dice on ``cases`` in the preprocessed frame (threshold, keep large components)."""
    scores = []
    for case in cases:
        probabilities = predict_slices(
            model, bank.volume(case), context=config.context, device=device, precision=config.precision,
            channels_last=config.channels_last,
        )  # fmt: skip
        predicted = postprocess(
            probabilities,
            threshold=config.threshold,
            keep=config.keep_components,
            connectivity=config.connectivity,
        )
        scores.append(dice(predicted, bank.mask(slice(case.start, case.start + case.count)).cpu().numpy()))
    return float(np.mean(scores)) if scores else float("nan")


def _restore(path: Path, model, optimiser, scheduler, generator) -> dict:
    """The fold's training state: from its checkpoint when there is one (weights, optimiser, RNG), else new."""
    state = {"epoch": 0, "history": [], "best_dice": -1.0, "best_epoch": 0, "best_model": None,
             "average": None, "averaged": 0}  # fmt: skip
    if path.exists():
        saved = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(saved["model"])
        optimiser.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        generator.set_state(saved["generator"])
        torch.set_rng_state(saved["torch_rng"])
        state = {k: saved.get(k, state[k]) for k in state}  # (checkpoints before averaging lack its keys)
    return state


def running_average(average: dict | None, state: dict, count: int) -> dict:
    """The mean of ``count`` state dicts: ``average`` (the mean of the first ``count - 1``) updated with ``state``.

    Floating-point entries are averaged: the weights and batch norm's running mean and variance (as timm's
    ``ModelEmaV2`` averages buffers with the weights; the averaged epochs are the low-learning-rate tail, where
    the statistics barely move). Integer entries (batch norm's step counter) are the latest's.
    """
    if average is None:
        return {name: tensor.clone() for name, tensor in state.items()}
    return {
        name: mean + (state[name] - mean) / count if mean.is_floating_point() else state[name].clone()
        for name, mean in average.items()
    }


def _save_checkpoint(path: Path, state: dict, model, optimiser, scheduler, generator) -> None:
    """Write the fold's whole training state atomically (what :func:`_restore` reads)."""
    payload = {
        **state,
        "model": cpu_state(model),
        "optimizer": optimiser.state_dict(),
        "scheduler": scheduler.state_dict(),
        "generator": generator.get_state(),
        "torch_rng": torch.get_rng_state(),
    }
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


@dataclass
class _Trainer:
    """What one fold's epochs need: the model, its optimiser and schedule, and the slices to draw from."""

    model: torch.nn.Module
    optimiser: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    generator: torch.Generator
    bank: SliceBank
    weights: torch.Tensor
    neighbours: torch.Tensor | None
    samples: int
    steps: int
    config: TrainConfig
    device: torch.device


def _make_trainer(bank: SliceBank, spec: Fold, config: TrainConfig, device: torch.device) -> _Trainer:
    seed = config.seed * 1000 + (config.folds if spec.fold == ALL else spec.fold)
    torch.manual_seed(seed)
    memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
    model = build_model(config, bank.channels).to(device, memory_format=memory_format)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    train_cases = bank.select(spec.train)
    starts = np.array([c.start for c in train_cases])
    counts = np.array([c.count for c in train_cases])
    weights = joint_weights(bank.areas(), starts, counts, background=config.sample_background)
    neighbours = None
    if config.context:
        everything = bank.cases
        neighbours = neighbour_index(
            np.array([c.start for c in everything]), np.array([c.count for c in everything]),
            bank.images.shape[0], context=config.context,
        ).to(device)  # fmt: skip
    samples = config.samples_per_epoch or int(counts.sum())
    steps = math.ceil(samples / config.batch_size)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, _lr_factor(config, steps * config.epochs))
    generator = torch.Generator().manual_seed(seed)
    return _Trainer(model, optimiser, scheduler, generator, bank, weights, neighbours, samples, steps, config,
                    device)  # fmt: skip


def _train_epoch(t: _Trainer, loss_fn, *, epoch: int, desc: str, progress: bool) -> tuple[float, int]:
    """One epoch of area-weighted draws, augmented on the device; returns (summed loss, images seen)."""
    config, device = t.config, t.device
    memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
    t.model.train()
    order = draw(t.weights, t.samples, generator=t.generator)
    total_loss, seen = torch.zeros((), device=device), 0
    bar = _progress(t.steps, desc, progress)
    for step in range(t.steps):
        index = order[step * config.batch_size : (step + 1) * config.batch_size]
        images, masks = gather(t.bank, index.to(device), t.neighbours)
        images, masks = augment_batch(
            images.to(device), masks.to(device), generator=t.generator, scale=config.aug_scale,
            angle=config.aug_angle, flip=config.aug_flip, jitter=config.aug_jitter, modalities=t.bank.channels,
            modality_dropout=config.aug_modality_dropout,
        )  # fmt: skip
        images = images.contiguous(memory_format=memory_format)
        with autocast(device, config.precision):
            logits = t.model(images)
        loss = loss_fn(logits, masks, epoch=epoch)
        t.optimiser.zero_grad(set_to_none=True)
        loss.backward()
        t.optimiser.step()
        t.scheduler.step()
        total_loss += loss.detach() * len(index)
        seen += len(index)
        bar.update(1)
        if step % 10 == 0 and bar.drawn:  # reading the loss waits for the device: not every step
            bar.postfix(loss=f"{float(total_loss) / seen:.4f}")
    bar.close()
    return float(total_loss), seen


def train_fold(
    bank: SliceBank,
    spec: Fold,
    config: TrainConfig,
    run: Path,
    *,
    device: torch.device,
    progress: bool = True,
) -> FoldResult:
    """Train one fold (resuming from its checkpoint), choose its weights, write its out-of-fold masks.

    The :data:`~segmentation.folds.ALL` fold trains on every case and writes no out-of-fold masks.
    """
    fold_dir = run / f"fold_{spec.fold}"
    done_path = fold_dir / "done.json"
    if done_path.exists():
        done = json.loads(done_path.read_text())
        return FoldResult(spec.fold, done["best_epoch"], done["best_val_dice"], done["test_dice"], done["cases"],
                          done["seconds"], True)  # fmt: skip
    if not spec.test and spec.fold != ALL:
        write_json(done_path, {"fold": spec.fold, "best_epoch": 0, "best_val_dice": float("nan"),
                               "test_dice": float("nan"), "cases": 0, "seconds": 0.0,
                               "note": "no case of this fold in DATA"})  # fmt: skip
        return FoldResult(spec.fold, 0, float("nan"), float("nan"), 0, 0.0, False)

    bank = bank.to(device)  # a no-op on the CPU; on a GPU the uint8 bank (0.34 GiB for 41 cases) moves once
    t = _make_trainer(bank, spec, config, device)
    val_cases = bank.select(spec.inner_val)
    loss_fn = loss_function(config.loss)
    checkpoint_path = fold_dir / "checkpoint.pt"
    state = _restore(checkpoint_path, t.model, t.optimiser, t.scheduler, t.generator)
    for epoch in range(state["epoch"], config.epochs):
        epoch_start = time.perf_counter()
        desc = f"fold {spec.fold} epoch {epoch + 1}/{config.epochs}"
        total_loss, seen = _train_epoch(t, loss_fn, epoch=epoch + 1, desc=desc, progress=progress)
        train_seconds = time.perf_counter() - epoch_start
        val = validation_dice(t.model, bank, val_cases, config, device) if val_cases else float("nan")
        if not val_cases or val >= state["best_dice"]:
            state["best_dice"], state["best_epoch"], state["best_model"] = val, epoch + 1, cpu_state(t.model)
        state["history"].append(
            {"epoch": epoch + 1, "loss": total_loss / seen, "val_dice": val, "lr": t.optimiser.param_groups[0]["lr"],
             "seconds": time.perf_counter() - epoch_start, "images_per_s": seen / train_seconds}
        )  # fmt: skip
        progress_line(_epoch_line(spec.fold, state["history"][-1], config.epochs), enabled=progress)
        if epoch + 1 > config.epochs - config.average_last:
            state["averaged"] += 1
            state["average"] = running_average(state["average"], cpu_state(t.model), state["averaged"])
        state["epoch"] = epoch + 1
        _save_checkpoint(checkpoint_path, state, t.model, t.optimiser, t.scheduler, t.generator)
        write_csv(fold_dir / "log.csv", pd.DataFrame(state["history"], columns=LOG_COLUMNS), index=False)

    oof_start = time.perf_counter()
    chosen = state["average"] if config.average_last else state["best_model"]
    save_model(fold_dir / "model.pt", chosen, config, in_channels=bank.channels,
               epoch=state["best_epoch"])  # fmt: skip
    if spec.fold == ALL:
        test_dice, cases = float("nan"), len(spec.train)
    else:
        model = load_model(fold_dir / "model.pt", device=device)
        rows = write_out_of_fold(model, bank.select(spec.test), run, device=device, fold=spec.fold)
        write_csv(fold_dir / "test_dice.csv", rows, index=False)
        test_dice, cases = float(rows["dice"].mean()), len(rows)
    seconds = sum(r["seconds"] for r in state["history"]) + time.perf_counter() - oof_start
    result = FoldResult(spec.fold, state["best_epoch"], float(state["best_dice"]), test_dice, cases, seconds,
                        False)  # fmt: skip
    versions = {
        **software_versions("torch", "numpy"),
        "device": str(device),
        "precision": resolve_precision(config.precision, device),
        "threads": torch.get_num_threads(),
    }
    write_json(done_path, {**result.__dict__, "test": list(spec.test), "train": list(spec.train),
                           "versions": versions})  # fmt: skip
    return result


def write_out_of_fold(model: LoadedModel, cases, run: Path, *, device, fold: int) -> pd.DataFrame:
    """Segment ``cases`` as ``rg segment`` does, write their masks to ``RUN/oof_masks``, return their Dice.

    Each case is read from its folder and segmented by :func:`~segmentation.predict.segment_volume` (the
    function behind ``rg segment``). ``dice`` scores the written mask (the config's post-processing);
    ``dice_largest_only`` the same probabilities reduced to the largest 6-connected 3D component (the
    reference's rule), for comparison. Each case's folder is written whole in ``RUN/fold_K/oof_staging``
    first, then moved into place, so a kill leaves no half-written case in ``oof_masks``.
    """
    rows = []
    staging = run / f"fold_{fold}" / "oof_staging"  # the fold's own: folds may run at once
    for case in cases:
        read = read_case(case.path)
        result = segment_volume([model], read.image, device=device)
        replace_mask_case(run / "oof_masks", case.name, case.slices, result.mask, staging=staging)
        reference = postprocess(
            result.probabilities, threshold=model.config.threshold, keep=1.0, connectivity=6
        )
        rows.append({"case": case.name, "patient": case.patient, "institution": case.institution, "fold": fold,
                     "dice": dice(result.mask, read.mask), "dice_largest_only": dice(reference, read.mask),
                     "true_voxels": int(read.mask.sum()), "predicted_voxels": int(result.mask.sum())})  # fmt: skip
    shutil.rmtree(staging, ignore_errors=True)
    return pd.DataFrame(rows)


def deterministic_cudnn() -> None:
    """cuDNN's settings for training: the same convolution algorithms every run (no autotuning), so a
    fold's weights repeat on the same GPU and software."""
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True


def _progress(total: int, desc: str, enabled: bool) -> Progress:
    # a bar of the epoch's steps on a terminal only; elsewhere (a cluster job's log) the epoch's line alone
    return Progress(total, desc=desc, unit="step", enabled=enabled, every=0)


def _epoch_line(fold, entry: dict, epochs: int) -> str:
    """``fold 2 epoch 7/30: loss 0.2134, 41.2 s (186 images/s)`` (and the inner-validation Dice, if any)."""
    val = "" if math.isnan(entry["val_dice"]) else f", inner-validation Dice {entry['val_dice']:.4f}"
    return (f"fold {fold} epoch {entry['epoch']}/{epochs}: loss {entry['loss']:.4f}{val}, {entry['seconds']:.1f} s "
            f"({entry['images_per_s']:.0f} images/s)")  # fmt: skip


def gather_run(run: Path, k: int) -> pd.DataFrame | None:
    """Once every fold is done: ``RUN/oof_dice.csv`` (per case) and ``RUN/summary.json``; else None."""
    if not all((run / f"fold_{fold}" / "done.json").exists() for fold in range(k)):
        return None
    parts = [pd.read_csv(p) for fold in range(k) if (p := run / f"fold_{fold}" / "test_dice.csv").exists()]
    table = pd.concat(parts, ignore_index=True).sort_values("case").reset_index(drop=True)
    write_csv(run / "oof_dice.csv", table, index=False)
    per_patient = table.groupby("patient")["dice"].mean()
    largest_only = (
        table.groupby("patient")["dice_largest_only"].mean() if "dice_largest_only" in table else None
    )
    write_json(
        run / "summary.json",
        {
            "cases": len(table),
            "patients": len(per_patient),
            "dice_per_patient_mean": float(per_patient.mean()),
            "dice_per_patient_median": float(per_patient.median()),
            "dice_per_case_mean": float(table["dice"].mean()),
            "dice_per_patient_mean_largest_only": None
            if largest_only is None
            else float(largest_only.mean()),
            "dice_per_patient_median_largest_only": None
            if largest_only is None
            else float(largest_only.median()),
            "rule": "Dice per volume, all slices; threshold, then the 3D components of at least keep_components "
            "× the largest's size (largest_only: the largest component, the reference); both empty → 1",
        },
    )
    return table


def train_cv(
    data: str | Path,
    out: str | Path,
    config: TrainConfig | None = None,
    *,
    fold: int | str | None = None,
    resume: bool = False,
    device: str | None = None,
    progress: bool = True,
) -> CVResult:
    """Cross-validate the U-Net on the cases under ``data``, into the run folder ``out``.

    Parameters
    ----------
    data : path
        Cases in the Kaggle layout (images and masks).
    out : path
        The run folder (see the module text). An existing run with the same config is resumed; one with
        another config is refused.
    config : TrainConfig, optional
        The recipe; None: the run's saved config (or the defaults for a new run).
    fold : int or "all", optional
        Train this fold only (0 … folds-1), e.g. one job of a cluster array; ``"all"``: one model on every
        case (``RUN/fold_all``, the final model; no test cases); None: every fold not done.
    resume : bool
        Require an existing run and go on with its saved config.
    device : str, optional
        "auto" (default), "cpu", "cuda", "cuda:1", …
    progress : bool
        On stderr: a line per epoch (fold, epoch, loss, seconds), and on a terminal a bar of its steps.

    Returns
    -------
    CVResult
    """
    run = Path(out)
    device = resolve_device(device)
    config = resolve_config(run, config, resume=resume)
    if fold is not None and fold != ALL and not (isinstance(fold, int) and 0 <= fold < config.folds):
        raise InputError(
            f"--fold is {fold}; this run has folds 0 to {config.folds - 1}, or {ALL} (every case)"
        )
    if device.type == "cuda":
        deterministic_cudnn()
    bank = load_bank(
        data, size=config.size, threshold=config.intensity_threshold, percentiles=config.percentiles,
        crop_slices=config.crop_slices, progress=progress,
    )  # fmt: skip
    split_path = run / "folds.json"
    plan = load_or_make_plan(
        split_path, bank.table(), write=False, k=config.folds, seed=config.seed, split=config.split,
        inner_val=config.inner_val, inner_val_min=config.inner_val_min,
    )  # fmt: skip
    if not (run / "config.json").exists():
        write_json(run / "config.json", config.to_json())
    if not split_path.exists():
        write_json(split_path, plan.to_json())
    if fold == ALL:
        todo = [plan.every_case()]
    else:
        todo = [plan.folds[f] for f in ([fold] if fold is not None else range(config.folds))]
    results = tuple(train_fold(bank, spec, config, run, device=device, progress=progress) for spec in todo)
    table = gather_run(run, config.folds)
    return CVResult(run, results, table is not None, table, config.folds)
