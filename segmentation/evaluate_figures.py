"""Figures of an evaluation, and the page that shows them (``rg evaluate``).

- ``dice.png``: the Dice of every case, sorted, with the mean and median as lines (the study's figure 3).
- ``overlays/<case>.png``: the FLAIR slices with the largest union of predicted and manual area, the
  outlines drawn on them (red predicted, green manual, yellow where they coincide); ``overlays/<case>.gif``
  runs through every slice (the study's figure 2).
- ``index.html``: the summary, the per-case table and the figures, linked by relative paths, so the folder
  opens offline (nothing is fetched).

Images come from the manual-mask folder when it holds them (Kaggle layout: channel 1 is FLAIR), or from
another folder; without images the overlays are skipped and the page says so. No torch here.
"""

import html
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw

from radiogenomics.atomic import atomic_path, write_text
from radiogenomics.case_io import find_case_dirs, read_case
from radiogenomics.errors import InputError
from radiogenomics.features.extract import find_mask_sources, read_source
from radiogenomics.nifti_io import find_nifti_cases, holds_nifti, read_nifti_case
from radiogenomics.progress import with_progress
from segmentation.distances import surface
from segmentation.evaluate import STATUS_OK, EvaluationResult

#: Slices shown per case in the PNG: those with the largest union of predicted and manual area.
OVERLAY_SLICES = 4
#: Largest GIF side in pixels; larger slices are shrunk by a whole factor (256² -> 128²: ~0.2 MB a case of
#: 20-40 slices instead of ~1.2 MB).
GIF_MAX_SIDE = 128
#: The image channel drawn under the outlines (FLAIR in the Kaggle layout: pre-contrast, FLAIR, post).
FLAIR_CHANNEL = 1

RED, GREEN, YELLOW, WHITE = (230, 25, 25), (25, 210, 25), (255, 230, 0), (255, 255, 255)
# GIF palette: 64 grey levels (fewer levels compress better: 64 instead of 252 saves a third), then red,
# green, yellow (both outlines), white (text)
_GREYS = 64
_PALETTE = [v for g in np.linspace(0, 255, _GREYS).astype(int) for v in (g, g, g)] + [
    *RED,
    *GREEN,
    *YELLOW,
    *WHITE,
]


def image_index(root: str | Path) -> dict[str, object]:
    """The cases of ``root`` that have images: case name -> what :func:`read_flair` needs.

    Kaggle layout: case folders holding ``<case>_<n>.tif`` images; NIfTI: cases with an image file.
    """
    root = Path(root)
    if holds_nifti(root):
        return {f.name: f for f in find_nifti_cases(root) if f.images and f.mask is not None}
    return {
        case_dir.name: case_dir
        for case_dir in find_case_dirs(root)
        if any(
            p.suffix.lower() in (".tif", ".tiff") and not p.stem.endswith("_mask") for p in case_dir.iterdir()
        )
    }


def read_flair(entry, *, channel: int = FLAIR_CHANNEL) -> np.ndarray:
    """The image channel under the outlines, (S, H, W), of an :func:`image_index` entry.

    Channel ``channel`` when the image has it, else the first.
    """
    case = read_case(entry) if isinstance(entry, Path) else read_nifti_case(entry)
    image = case.image
    return image[..., channel if image.shape[-1] > channel else 0]


def to_grey(volume: np.ndarray) -> np.ndarray:
    """Scale a volume to uint8 between its 0.5th and 99.5th percentile (one window for all slices)."""
    volume = np.asarray(volume, dtype=np.float32)
    low, high = np.percentile(volume, [0.5, 99.5])
    if high <= low:
        return np.zeros(volume.shape, np.uint8)
    return (np.clip((volume - low) / (high - low), 0, 1) * 255).astype(np.uint8)


def informative_slices(
    prediction: np.ndarray, truth: np.ndarray, *, count: int = OVERLAY_SLICES
) -> list[int]:
    """Indices of up to ``count`` slices with the largest union of predicted and manual area, ascending.

    Slices where neither mask holds tumour are never chosen; when no slice has any, the middle slice.

    Examples
    --------
    >>> p = np.zeros((5, 4, 4), bool); p[1, :2] = True; p[3, :1] = True
    >>> informative_slices(p, np.zeros_like(p), count=1), informative_slices(p, p, count=3)
    ([1], [1, 3])
    """
    area = (prediction | truth).reshape(len(truth), -1).sum(axis=1)
    chosen = [int(i) for i in np.argsort(-area, kind="stable")[:count] if area[i] > 0]
    return sorted(chosen) or [len(truth) // 2]


def _outline_codes(prediction: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Per pixel of (S, H, W): 0 none, 1 predicted outline, 2 manual outline, 3 both."""
    codes = np.zeros(truth.shape, np.uint8)
    for index in range(len(truth)):  # 2D outlines, slice by slice
        codes[index] = surface(prediction[index]) + 2 * surface(truth[index]).astype(np.uint8)
    return codes


def overlay_png(grey: np.ndarray, prediction: np.ndarray, truth: np.ndarray, *, slices, numbers) -> bytes:
    """PNG of the chosen slices side by side, outlines drawn, each titled with its slice number and Dice.

    Parameters
    ----------
    grey : (S, H, W) ndarray of uint8
    prediction, truth : (S, H, W) ndarray of bool
    slices : list of int
        Indices into the volume.
    numbers : sequence of int
        Slice numbers (as in the file names) of every slice, for the titles.
    """
    codes = _outline_codes(prediction[slices], truth[slices])
    panels = []
    for k, index in enumerate(slices):
        rgb = np.repeat(grey[index][..., None], 3, axis=2)
        for code, colour in ((1, RED), (2, GREEN), (3, YELLOW)):
            rgb[codes[k] == code] = colour
        p, t = prediction[index], truth[index]
        total = int(p.sum()) + int(t.sum())
        dice = 1.0 if total == 0 else 2 * int((p & t).sum()) / total
        panel = Image.new("RGB", (rgb.shape[1], rgb.shape[0] + 14))
        panel.paste(Image.fromarray(rgb), (0, 14))
        ImageDraw.Draw(panel).text((2, 1), f"slice {numbers[index]}  Dice {dice:.2f}", fill=WHITE)
        panels.append(panel)
    sheet = Image.new("RGB", (sum(p.width + 4 for p in panels) - 4, panels[0].height), (40, 40, 40))
    x = 0
    for panel in panels:
        sheet.paste(panel, (x, 0))
        x += panel.width + 4
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG")
    return buffer.getvalue()


def _shrink(array: np.ndarray, factor: int, reduce) -> np.ndarray:
    if factor == 1:
        return array
    s, h, w = array.shape
    pad = ((0, 0), (0, -h % factor), (0, -w % factor))
    array = np.pad(array, pad)
    return reduce(
        array.reshape(s, array.shape[1] // factor, factor, array.shape[2] // factor, factor), (2, 4)
    )


def overlay_gif(
    grey: np.ndarray, prediction: np.ndarray, truth: np.ndarray, *, numbers, max_side: int = GIF_MAX_SIDE
) -> bytes:
    """Animated GIF through every slice, outlines drawn; slices larger than ``max_side`` are shrunk.

    Outlines are found at full size and kept where any pixel of a shrunk block is on an outline, so they
    stay visible. One fixed palette (grey levels and the outline colours) keeps the file small.
    """
    factor = max(1, -(-max(grey.shape[1:]) // max_side))
    grey = _shrink(grey.astype(np.float32), factor, np.mean)
    codes = _shrink(_outline_codes(prediction, truth), factor, np.bitwise_or.reduce)  # 3: both in a block
    frames = []
    for index in range(len(grey)):
        levels = (grey[index] * ((_GREYS - 1) / 255)).round().astype(np.uint8)
        levels = np.where(codes[index] > 0, _GREYS - 1 + codes[index], levels).astype(np.uint8)
        frame = Image.fromarray(levels, mode="P")
        frame.putpalette(_PALETTE)
        ImageDraw.Draw(frame).text((2, 1), f"{numbers[index]}", fill=_GREYS + 3)
        frames.append(frame)
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=150, loop=0)
    return buffer.getvalue()


def dice_png(table: pd.DataFrame) -> bytes:
    """The Dice of every evaluated case, sorted, with the mean and median as lines (study's figure 3)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ok = table[table["status"] == STATUS_OK].sort_values("dice", kind="stable")
    values = ok["dice"].to_numpy(float)
    figure = Figure(figsize=(max(6.0, min(16.0, 0.12 * len(values) + 3)), 3.8), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = np.arange(len(values))
    axes.bar(positions, values, width=0.8, color="tab:blue")
    if len(values):
        mean, median = float(values.mean()), float(np.median(values))
        axes.axhline(mean, color="tab:red", linestyle="--", linewidth=1, label=f"mean {100 * mean:.2f} %")
        axes.axhline(
            median, color="tab:green", linestyle="-", linewidth=1, label=f"median {100 * median:.2f} %"
        )
        axes.legend(loc="upper left", fontsize=8, frameon=False)  # over the lowest bars
    if len(values) <= 40:
        axes.set_xticks(positions, ok["case"], rotation=90, fontsize=6)
    else:
        axes.set_xticks([])
    axes.set_xlim(-0.6, len(values) - 0.4)
    axes.set_ylim(0, 1)
    axes.set_xlabel(f"cases, sorted by Dice (n = {len(values)})")
    axes.set_ylabel("Dice (all slices of a case)")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


@dataclass
class Figures:
    """What :func:`write_figures` wrote, and what it skipped and why (shown on the page and terminal)."""

    dice: Path | None = None
    overlays: dict[str, tuple[Path, Path, list[int]]] = field(default_factory=dict)
    images_from: Path | None = None
    notes: list[str] = field(default_factory=list)


def write_figures(
    result: EvaluationResult,
    out_dir: str | Path,
    *,
    images: str | Path | None = None,
    channel: int = FLAIR_CHANNEL,
    progress: bool = False,
) -> Figures:
    """Write ``dice.png`` and, where images are found, ``overlays/<case>.png|gif`` into ``out_dir``.

    Parameters
    ----------
    result : EvaluationResult
        From :func:`segmentation.evaluate.evaluate_folders` (its folders are read again, case by case).
    images : path, optional
        Folder with the images (Kaggle layout or NIfTI); None: the manual-mask folder, when it holds them.
    channel : int
        Image channel under the outlines (1: FLAIR in the Kaggle layout).
    """
    out_dir = Path(out_dir)
    figures = Figures()
    figures.dice = out_dir / "dice.png"
    _write_bytes(figures.dice, dice_png(result.table))
    source = Path(images) if images is not None else Path(result.summary["truth"])
    index = image_index(source)
    ok = result.table[result.table["status"] == STATUS_OK]["case"].tolist()
    if not index:
        figures.notes.append(
            f"no overlays: {source} holds no images; give --images DIR (Kaggle layout or NIfTI) to draw them"
        )
        return figures
    figures.images_from = source
    missing = [c for c in ok if c not in index]
    if missing:
        figures.notes.append(
            f"no overlay for {len(missing)} case(s) without images in {source}: {', '.join(missing)}"
        )
    predictions = dict(_sources(result.summary["prediction"]))
    truths = dict(_sources(result.summary["truth"]))
    for case in with_progress([c for c in ok if c in index], desc="figures", enabled=progress):
        try:
            prediction, truth = read_source(predictions[case]), read_source(truths[case])
            flair = read_flair(index[case], channel=channel)
            if flair.shape != truth.mask.shape:
                raise InputError(
                    f"{index[case]}: images are {flair.shape}, masks are {truth.mask.shape}; give the "
                    "images of these masks"
                )
        except InputError as err:
            figures.notes.append(f"no overlay for {case}: {' '.join(str(err).split())}")
            continue
        grey = to_grey(flair)
        chosen = informative_slices(prediction.mask, truth.mask)
        png, gif = out_dir / "overlays" / f"{case}.png", out_dir / "overlays" / f"{case}.gif"
        _write_bytes(png, overlay_png(grey, prediction.mask, truth.mask, slices=chosen, numbers=truth.slices))
        _write_bytes(gif, overlay_gif(grey, prediction.mask, truth.mask, numbers=truth.slices))
        figures.overlays[case] = (png, gif, [truth.slices[i] for i in chosen])
    return figures


def _sources(root: str) -> list[tuple[str, object]]:
    return [(s.name, s) for s in find_mask_sources(root)[1]]


def _format_ci(entry: dict, key: str) -> str:
    low, high = entry[f"{key}_ci"]
    return "" if low is None else f"{low:.4g} – {high:.4g}"


def render_index(result: EvaluationResult, figures: Figures, out_dir: Path) -> str:
    """The page: settings, the rule, cases on one side only or failed, the summary, the figures."""
    from radiogenomics import __version__
    from radiogenomics.report import STYLE, html_table

    e = html.escape
    summary = result.summary
    cases = summary["cases"]
    unit = summary["unit"]
    training = summary.get("training_cases")
    rows = []
    for over, key in (("all cases", "metrics"), ("not in training", "metrics_not_in_training")):
        for name, entry in summary.get(key, {}).items():
            rows.append({"metric": name, **({"cases": over} if training else {}), "n": entry["n"], "mean": entry["mean"],
                         "mean 95 % CI": _format_ci(entry, "mean"), "median": entry["median"],
                         "median 95 % CI": _format_ci(entry, "median")})  # fmt: skip
    boot = summary["bootstrap"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>rg evaluate</title>',
        f"<style>{STYLE} img {{ max-width: 100%; }}</style></head><body>",
        "<h1>rg evaluate</h1>",
        f'<p class="muted">rg {e(__version__)}; predicted masks {e(summary["prediction"])}, manual masks '
        f"{e(summary['truth'])}; {cases['evaluated']} cases evaluated; distances in {e(str(unit))}, volumes in "
        f"{'mm³' if unit == 'mm' else 'voxels'} (spacing: {e(summary['spacing']['source'])}).</p>",
        f"<p><b>Empty-mask rule</b>: {e(summary['empty_rule'])}.</p>",
    ]
    if training is not None:
        parts.append(
            f"<p><b>Training cases</b>: {training['evaluated_in_training']} of the {cases['evaluated']} evaluated "
            f"cases are the model's training cases ({e(training['source'])}): its masks of them are in-sample, not "
            f"an estimate of its accuracy. The summary gives every metric over all cases and over the "
            f"{training['evaluated_others']} others; the per-case table marks them (in_training). Training cases: "
            f"{e(', '.join(training['cases'])) or 'none'}.</p>"
        )
    for key, label in (("prediction_only", "predicted masks only"), ("truth_only", "manual masks only")):
        if cases[key]:
            parts.append(
                f"<p>{len(cases[key])} case(s) in the {label}, not evaluated: {e(', '.join(cases[key]))}</p>"
            )
    for case, message in cases["failed"].items():
        parts.append(f"<p>error, {e(case)}: {e(message)}</p>")
    parts += [
        "<h2>Summary</h2>",
        html_table(pd.DataFrame(rows), columns=list(rows[0]), highlight=None),
        f'<p class="muted">95 % CIs: {e(boot["function"])}, mean {e(boot["mean"])}, median {e(boot["median"])}, '
        f"{boot['resamples']} resamples, seed {boot['seed']}, over {e(boot['over'])}.</p>",
    ]
    if figures.dice is not None:
        parts += [
            "<h2>Dice per case</h2>",
            f'<figure><img alt="Dice of every case, sorted" src="{e(figures.dice.relative_to(out_dir).as_posix())}">'
            "<figcaption>Dice of every evaluated case, sorted, with the mean (dashed) and median lines.</figcaption>"
            "</figure>",
        ]
    parts.append("<h2>Outlines</h2>")
    parts += [f"<p>{e(note)}</p>" for note in figures.notes]
    if figures.overlays:
        parts.append(
            f"<p>On channel {FLAIR_CHANNEL} (FLAIR in the Kaggle layout) of {e(str(figures.images_from))}: "
            "<span style='color:#e61919'>red predicted</span>, <span style='color:#19d219'>green manual</span>, "
            f"yellow both. The PNG shows the (up to) {OVERLAY_SLICES} slices with the largest union of predicted "
            "and manual area; the GIF runs through every slice.</p>"
        )
    table = result.table.set_index("case")
    for case, (png, gif, numbers) in figures.overlays.items():
        d = table.loc[case, "dice"]
        caption = f"{case}: Dice {d:.4f}, HD95 {table.loc[case, 'hd95']:.4g} {unit}; slices {', '.join(map(str, numbers))}"
        if training is not None and table.loc[case, "in_training"]:
            caption += " (a training case: in-sample)"
        parts.append(
            f'<figure id="{e(case)}"><img alt="{e(caption)}" src="{e(png.relative_to(out_dir).as_posix())}">'
            f'<figcaption>{e(caption)} (<a href="{e(gif.relative_to(out_dir).as_posix())}">all slices, GIF</a>)'
            "</figcaption></figure>"
        )
    parts += [
        "<h2>Per case</h2>",
        html_table(result.table, columns=list(result.table.columns), highlight=None),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_index(result: EvaluationResult, figures: Figures, out_dir: str | Path) -> Path:
    """Write ``out_dir/index.html`` atomically and return its path."""
    path = Path(out_dir) / "index.html"
    write_text(path, render_index(result, figures, Path(out_dir)))
    return path
