"""The study's report: one offline page (``OUT/index.html``) that reads top down.

Summary (Dice and the headline associations beside the study's), a heatmap of −log10 p (features ×
genomic columns, manual and predicted masks), the confirmatory table, plots of the significant pairs, the
Dice figure and overlays (from ``evaluate/``), the agreement table, the exploratory table (collapsed,
sortable), each feature's definition and unit, a methods paragraph written from what ran, what each step
cost, and links to every file the page was made from. Images are embedded or relative links into OUT;
the one script sorts tables; nothing is fetched. Every value from the data is escaped.
"""

import base64
import io
import json
import math
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from radiogenomics import __version__
from radiogenomics.atomic import write_text
from radiogenomics.clinical import read_clinical
from radiogenomics.features import STUDY_FEATURES
from radiogenomics.report import STYLE, distribution_png, html_table
from radiogenomics.stats.feature_table import read_feature_table
from study.presets import STUDY_DICE

EXTRA_STYLE = """
.wide { overflow-x: auto; } .wide td, .wide th { white-space: nowrap; } .wide td:last-child { white-space: normal; min-width: 24em; }
th.sort { cursor: pointer; } th.sort:after { content: " \\2195"; color: #999; }
.methods { background: #f7f7f7; padding: 0.8em 1em; border-left: 3px solid #bbb; }
details summary { cursor: pointer; font-weight: 600; margin: 1em 0 0.5em; }
img.figure { max-width: 100%; }
"""

SORT_SCRIPT = """
<script>
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, column) {
    th.classList.add("sort");
    th.addEventListener("click", function () {
      var body = table.tBodies[0], rows = Array.from(body.rows), up = th.dataset.up !== "1";
      th.dataset.up = up ? "1" : "0";
      rows.sort(function (a, b) {
        var x = a.cells[column].textContent, y = b.cells[column].textContent;
        var p = parseFloat(x), q = parseFloat(y);
        var d = (isNaN(p) || isNaN(q)) ? x.localeCompare(y) : p - q;
        return up ? d : -d;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
</script>
"""

SIDES = ("manual", "predicted")


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def heatmap_png(tables: dict[str, pd.DataFrame], *, features: list[str], labels: list[str]) -> str:
    """Base64 PNG: −log10 p of Fisher's test, features (rows) × labels (columns), one panel per mask set.

    Parameters
    ----------
    tables : {side: association table} with columns feature, label, test, family, p.
    features, labels : the rows and columns drawn, in order.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    height = 1.2 + 0.28 * len(features)
    figure = Figure(
        figsize=(2.6 + 0.6 * len(labels) * len(tables), height + 1.2), dpi=100, layout="constrained"
    )
    FigureCanvasAgg(figure)
    grids = {}
    for side, table in tables.items():
        fisher = table[(table["test"] == "fisher") & (table["family"] == "exploratory")]
        grid = fisher.pivot_table(index="feature", columns="label", values="p", aggfunc="min")
        grids[side] = -np.log10(grid.reindex(index=features, columns=labels).to_numpy(dtype=float))
    top = max(2.0, np.nanmax([np.nanmax(g) if np.isfinite(g).any() else 0 for g in grids.values()]))
    image = None
    for i, (side, grid) in enumerate(grids.items()):
        axes = figure.add_subplot(1, len(grids), i + 1)
        image = axes.imshow(grid, cmap="viridis", vmin=0, vmax=top, aspect="auto")
        axes.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
        axes.set_yticks(range(len(features)), features if i == 0 else [""] * len(features), fontsize=8)
        axes.set_title(f"{side} masks", fontsize=9)
        for (r, c), value in np.ndenumerate(grid):
            if np.isfinite(value) and value >= -math.log10(0.05):
                axes.text(c, r, f"{value:.1f}", ha="center", va="center", fontsize=7,
                          color="black" if value > top / 2 else "white")  # fmt: skip
    figure.colorbar(image, ax=figure.axes, label="−log10 p (Fisher, uncorrected)", shrink=0.8)
    return _png(figure)


def _img(data: str, caption: str) -> str:
    return (f'<figure><img class="figure" alt="{escape(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")  # fmt: skip


def _summary_html(summary: pd.DataFrame) -> str:
    shown = summary.copy()
    for column in ("manual", "predicted"):
        shown[column] = [
            "" if pd.isna(v) else (f"{100 * v:.2f} %" if str(q).startswith("Dice") else f"{v:.3g}")
            for v, q in zip(shown[column], shown["quantity"], strict=True)
        ]
    for column in ("reject_manual", "reject_predicted"):
        shown[column] = [{True: "yes", False: "no"}.get(v, "") for v in shown[column]]
    shown["study"] = [
        f"{100 * float(v):.2f} %" if str(q).startswith("Dice") and v else v
        for v, q in zip(shown["study"], shown["quantity"], strict=True)
    ]
    shown = shown.fillna("")
    return html_table(shown, columns=list(shown.columns), highlight=None)


def significant_plots(side: str, table: pd.DataFrame, data: pd.DataFrame, *, limit: int = 12) -> list[str]:
    """Figures (HTML) of the pairs rejected after correction on one mask set, confirmatory first."""
    hits = table[table["reject"].astype(bool)].copy()
    hits["order"] = (hits["family"] != "confirmatory").astype(int)
    pairs = list(
        dict.fromkeys(zip(*hits.sort_values(["order", "p"])[["feature", "label"]].T.values, strict=True))
    )
    parts = []
    for feature, label in pairs[:limit]:
        best = hits[(hits["feature"] == feature) & (hits["label"] == label)].sort_values("p").iloc[0]
        subset = data[[feature, label]].dropna()
        detail = f"{best['test']} p = {best['p']:.3g}, adjusted {best['p_adjusted']:.3g} ({best['family']})"
        png = distribution_png(subset[feature], subset[label], feature=feature, label=label,
                               cut=float(np.median(subset[feature])), title=f"{side}: {feature} by {label}\n{detail}")  # fmt: skip
        parts.append(
            _img(base64.b64encode(png).decode("ascii"), f"{side} masks: {feature} by {label}: {detail}")
        )
    if len(pairs) > limit:
        parts.append(
            f"<p>{len(pairs) - limit} more significant pairs on the {side} masks are not plotted.</p>"
        )
    return parts


def methods_text(out: Path) -> str:
    """A methods paragraph written from the files of what ran (adapt it for a paper's methods section)."""
    study = json.loads((out / "study.json").read_text())
    train = study["train"]
    folds = json.loads((out / "train" / "folds.json").read_text())
    features = json.loads((out / "features_manual.json").read_text())
    sidecar = json.loads((out / "associations_manual.json").read_text())
    config = sidecar["config"]
    software = {**features["software"], **sidecar["software"]}
    split = "the dataset manifest's frozen patient-level split" if folds.get("source") == "manifest" else (
        f"a seeded patient-level split (seed {train['seed']})")  # fmt: skip
    spacing = features["spacing"]
    unit = "pixel units (no voxel spacing given)" if spacing.get("unit") == "pixel" else (
        f"millimetres (voxel spacing {spacing.get('value')} mm, slice, row, column)")  # fmt: skip
    family = sidecar.get("family")
    family_text = (
        f"The confirmatory family was {family['name']} ({len(family['pairs'])} pre-registered feature × subtype "
        f"pairs), corrected by {config['correction']}; every feature × subtype pair was also tested as an "
        f"exploratory family corrected by {config['exploratory_correction']}."
        if family else f"All pairs form one exploratory family corrected by {config['exploratory_correction']}."
    )  # fmt: skip
    versions = ", ".join(f"{k} {v}" for k, v in software.items())
    return (
        f"Tumours were segmented with a 2D U-Net (depth {train['depth']}, {train['features']} features in the "
        f"first level, {train['norm']} normalisation) trained on the three channels (pre-contrast, FLAIR, "
        f"post-contrast) resampled to {train['size']}×{train['size']} pixels, with {train['folds']}-fold "
        f"patient-level cross-validation ({split}); each fold trained for {train['epochs']} epochs (Adam, "
        f"learning rate {train['lr']:g}, {train['schedule']} schedule, batch {train['batch_size']}, {train['loss']} "
        f"loss, augmentation: scale ±{train['aug_scale']:g}, rotation ±{train['aug_angle']:g}°, flips, intensity "
        f"±{train['aug_jitter']:g}) and its last epoch's weights segmented the held-out patients, whose masks "
        f"were resampled to the original geometry, thresholded at {train['threshold']:g} and reduced to their "
        f"largest 3D connected component ({train['connectivity']}-connectivity). Segmentation was evaluated "
        f"against the manual masks by the Dice coefficient per patient (all slices together), with 95 % "
        f"bootstrap confidence intervals. From the out-of-fold and the manual masks alike, shape features were "
        f"computed in {unit}: angular standard deviation (ASD) and margin fluctuation (MF) on the slice with the "
        f"largest tumour area, and the bounding ellipsoid volume ratio (BEVR) in 3D, with further descriptors "
        f"(scikit-image{', pyradiomics shape' if features.get('pyradiomics') else ''}). Agreement between the "
        f"features of the two mask sets was measured by ICC(2,1) (two-way random effects, absolute agreement, "
        f"single measurement). Each feature was dichotomised at its median over the patients tested and its "
        f"association with each genomic subtype column tested by {', '.join(config['tests'])} "
        f"(Fisher's exact test for r×2 tables), α = {config['alpha']:g}. {family_text} Software: {versions}."
    )


def _cost(out: Path) -> str:
    steps = pd.read_csv(out / "steps.csv") if (out / "steps.csv").exists() else pd.DataFrame()
    rows = []
    for path in sorted((out / "train").glob("fold_*/log.csv")):
        log = pd.read_csv(path)
        rows.append({"step": f"train {path.parent.name}", "seconds": round(float(log["seconds"].sum()), 1),
                     "detail": f"{len(log)} epochs, {log['images_per_s'].mean():.1f} images/s (training time)"})  # fmt: skip
    table = pd.concat([pd.DataFrame(rows), steps], ignore_index=True) if rows else steps
    table = table.reindex(columns=["step", "seconds", "detail", "machine", "finished"]).fillna("")
    return (
        html_table(table, columns=list(table.columns), highlight=None) if len(table) else "<p>No record.</p>"
    )


def _definitions(out: Path, names: list[str]) -> str:
    columns = json.loads((out / "features_manual.json").read_text())["columns"]
    frame = pd.DataFrame(
        [{"feature": n, "unit": columns[n].get("unit", ""), "definition": columns[n].get("definition", "")}
         for n in names if n in columns]
    )  # fmt: skip
    return f'<div class="wide">{html_table(frame, columns=["feature", "unit", "definition"], highlight=None)}</div>'


def render_study_report(out: Path, *, data: Path, clinical: Path) -> str:
    """The report as one HTML string, from the files of a finished study folder ``out``."""
    study = json.loads((out / "study.json").read_text())
    summary = pd.read_csv(out / "summary.csv")
    tables = {side: pd.read_csv(out / f"associations_{side}.csv") for side in SIDES}
    agreement = pd.read_csv(out / "agreement.csv")
    evaluation = json.loads((out / "evaluate" / "summary.json").read_text())
    labels = list(dict.fromkeys(tables["manual"]["label"]))
    features = list(dict.fromkeys(tables["manual"]["feature"]))
    dice = evaluation["metrics"]["dice"]
    low, high = dice["mean_ci"]
    ci = "" if low is None else f" (95 % CI {100 * low:.1f}–{100 * high:.1f})"
    clinical_table = read_clinical(clinical)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>rg study: {escape(str(data))}</title><style>{STYLE}{EXTRA_STYLE}</style></head><body>",
        "<h1>Segmentation to genomic subtypes: the study's chain</h1>",
        f'<p class="muted">rg {escape(__version__)}; data {escape(str(data))}; preset {escape(study["name"])}: '
        f"{escape(study['description'])}; {dice['n']} patients evaluated.</p>",
        "<h2>Summary</h2>",
        f"<p>Out-of-fold Dice: mean {100 * dice['mean']:.1f} %{ci}, median {100 * dice['median']:.1f} % "
        f"(study: {100 * STUDY_DICE['mean']:.1f} % / {100 * STUDY_DICE['median']:.1f} %, 110 patients, 22 folds). "
        "Fisher p of each hypothesis on the manual and on the predicted masks of the same patients, beside the "
        "bound the study reports for its automatic masks:</p>",
        _summary_html(summary),
        "<h2>Associations at a glance</h2>",
        _img(
            heatmap_png(tables, features=features, labels=labels),
            "−log10 p of Fisher's exact test (median split, uncorrected) for every feature × genomic column; "
            "cells with p < 0.05 are labelled",
        ),  # fmt: skip
    ]
    for side in SIDES:
        confirmatory = tables[side][tables[side]["family"] == "confirmatory"]
        if len(confirmatory):
            parts += [
                f"<h2>Confirmatory family, {side} masks</h2>",
                f'<div class="wide">{html_table(confirmatory)}</div>',
            ]
    parts.append("<h2>Significant pairs</h2>")
    for side in SIDES:
        joined = read_feature_table(out / f"features_{side}.csv").join(clinical_table, how="inner")
        plots = significant_plots(side, tables[side], joined)
        parts += plots or [f"<p>No pair is significant after correction on the {side} masks.</p>"]
    parts += ["<h2>Segmentation</h2>",
              '<p>Per-case table and overlays: <a href="evaluate/index.html">evaluate/index.html</a>, '
              '<a href="evaluate/per_case.csv">evaluate/per_case.csv</a>.</p>']  # fmt: skip
    if (out / "evaluate" / "dice.png").exists():
        parts.append('<figure><img class="figure" alt="Dice per case" src="evaluate/dice.png">'
                     "<figcaption>Dice per case (out-of-fold masks against the manual masks)</figcaption></figure>")  # fmt: skip
    for overlay in sorted((out / "evaluate" / "overlays").glob("*.png"))[:6]:
        rel = overlay.relative_to(out).as_posix()
        parts.append(f'<figure><img alt="{escape(overlay.stem)}" src="{escape(rel)}" width="240">'
                     f"<figcaption>{escape(overlay.stem)}</figcaption></figure>")  # fmt: skip
    first = [f for f in (*STUDY_FEATURES, "volume") if f in set(agreement["feature"])]
    agreement = pd.concat([agreement.set_index("feature").loc[first].reset_index(),
                           agreement[~agreement["feature"].isin(first)]])  # fmt: skip
    parts += [
        "<h2>Agreement of the features: predicted vs manual masks</h2>",
        "<p>ICC(2,1): absolute agreement; ICC(3,1): consistency; Spearman's rho; 95 % CIs.</p>",
        f'<div class="wide">{html_table(agreement, columns=list(agreement.columns), highlight=None)}</div>',
    ]
    for side in SIDES:
        exploratory = tables[side][tables[side]["family"] == "exploratory"].sort_values(
            "p", na_position="last"
        )
        parts += [f"<details><summary>Exploratory table, {side} masks ({len(exploratory)} rows; click a header to sort)</summary>",
                  f'<div class="wide">{html_table(exploratory).replace("<table>", "<table class=sortable>", 1)}</div></details>']  # fmt: skip
    parts += [
        "<h2>Features: definitions and units</h2>", _definitions(out, features),
        "<h2>Methods</h2>", f'<p class="methods">{escape(methods_text(out))}</p>',
        "<h2>What ran, and what it cost</h2>", _cost(out),
        "<h2>Files</h2><ul>",
        *[f'<li><a href="{escape(p.relative_to(out).as_posix())}">{escape(p.relative_to(out).as_posix())}</a></li>'
          for p in sorted([*out.glob("*.csv"), *out.glob("*.json"), *out.glob("*.txt"), *(out / "evaluate").glob("*.csv"),
                           *(out / "evaluate").glob("*.json"), *(out / "train").glob("*.csv"), *(out / "train").glob("*.json")])],
        "</ul>", SORT_SCRIPT, "</body></html>",
    ]  # fmt: skip
    return "\n".join(parts) + "\n"


def write_study_report(out: str | Path, *, data: str | Path, clinical: str | Path) -> Path:
    """Write ``OUT/index.html`` atomically and return its path."""
    out = Path(out)
    path = out / "index.html"
    write_text(path, render_study_report(out, data=Path(data), clinical=Path(clinical)))
    return path
