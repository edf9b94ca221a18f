"""The study's report: one offline page (``OUT/index.html``) that reads top down.

Summary (Dice and the headline associations beside the study's), a heatmap of −log10 p (features ×
genomic columns, manual and predicted masks), the confirmatory table, plots of the significant pairs, the
Dice figure and overlays (from ``evaluate/``), the agreement table, the exploratory table (collapsed,
sortable), each feature's definition and unit, a methods paragraph written from what ran, what each step
cost, and links to every file the page was made from. Images are embedded or relative links into OUT;
the one script sorts tables; nothing is fetched. Every value from the data is escaped.
"""

import json
from html import escape
from pathlib import Path

import pandas as pd

from radiogenomics import __version__
from radiogenomics.atomic import write_text
from radiogenomics.clinical import read_clinical
from radiogenomics.features import STUDY_FEATURES
from radiogenomics.report import (
    SORT_SCRIPT,
    STYLE,
    association_methods,
    definitions_html,
    figure_html,
    heatmap_png,
    html_table,
    pair_figures,
)
from radiogenomics.stats.associate import AssociateConfig
from radiogenomics.stats.feature_table import read_feature_table
from radiogenomics.stats.hypotheses import Family, Hypothesis
from study.presets import STUDY_DICE

SIDES = ("manual", "predicted")


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
    family = (
        None
        if family is None
        else Family(family["name"], tuple(Hypothesis(*pair) for pair in family["pairs"]), "")
    )
    association = association_methods(AssociateConfig(**{**config, "tests": tuple(config["tests"]),
                                                        "covariates": tuple(config["covariates"])}), family)  # fmt: skip
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
        f"single measurement). {association} Software: {versions}."
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
        f"<title>rg study: {escape(str(data))}</title><style>{STYLE}</style></head><body>",
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
        figure_html(
            heatmap_png({f"{side} masks": tables[side] for side in SIDES}, features=features, labels=labels),
            "−log10 p of Fisher's exact test (median split, uncorrected) for every feature × genomic column; "
            "cells with p < 0.05 are labelled",
            css="figure",
        ),
    ]
    for side in SIDES:
        confirmatory = tables[side][tables[side]["family"] == "confirmatory"]
        if len(confirmatory):
            parts += [
                f"<h2>Confirmatory family, {side} masks</h2>",
                html_table(confirmatory, wide=True),
            ]
    parts.append("<h2>Significant pairs</h2>")
    for side in SIDES:
        joined = read_feature_table(out / f"features_{side}.csv").join(clinical_table, how="inner")
        plots = pair_figures(tables[side], joined, prefix=f"{side} masks: ", max_plots=12)
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
        "<p>ICC(2,1): absolute agreement; ICC(3,1): consistency; Spearman's rho; 95 % CIs. sd_a, sd_b: each "
        "side's standard deviation (a narrower spread on one side lowers ICC(2,1) even where both rank the "
        "patients alike).</p>",
        html_table(agreement, columns=list(agreement.columns), highlight=None, wide=True),
    ]
    for side in SIDES:
        exploratory = tables[side][tables[side]["family"] == "exploratory"].sort_values(
            "p", na_position="last"
        )
        parts += [f"<details><summary>Exploratory table, {side} masks ({len(exploratory)} rows; click a header "
                  "to sort)</summary>", html_table(exploratory, sortable=True, wide=True), "</details>"]  # fmt: skip
    parts += [
        "<h2>Features: definitions and units</h2>",
        definitions_html(json.loads((out / "features_manual.json").read_text())["columns"], features),
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
