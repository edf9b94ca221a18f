"""``rg demo``: the study's whole chain on a built-in default, a synthetic cohort, resumable.

Steps, each skipped when its output is already there:

1. ``OUT/cohort/``: a synthetic cohort in the Kaggle layout with a planted shape–genomics signal
   (``radiogenomics.synthetic``);
2. ``OUT/manifest.csv`` (+ ``.sha256.gz``): its manifest, with seeded patient-level folds;
3. ``OUT/cases.csv``: one row per case: slices, tumour voxels, genomic labels;
4. the study (:func:`study.chain.run_study`, preset ``demo``): the cohort verified against its manifest, a
   small U-Net trained with patient-level k-fold CV, out-of-fold masks, their evaluation, features of the
   predicted and the manual masks, their agreement, the study's three features against the planted
   genomic column (RNASeqCluster) and a null one (MethylationCluster) on both, and ``OUT/index.html``.
"""

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from radiogenomics.atomic import write_csv
from radiogenomics.clinical import join_on_patient, read_clinical
from radiogenomics.features import STUDY_FEATURES
from radiogenomics.manifest import build_manifest, read_manifest, write_manifest
from radiogenomics.synthetic import CohortConfig, synth_cohort
from study.chain import run_study
from study.presets import DEMO, Preset


def run_demo(
    out: str | Path,
    *,
    cases: int = 24,
    seed: int = 0,
    preset: Preset = DEMO,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> str:
    """Run the demo into ``out``; return a short plain-text summary."""
    out = Path(out)
    if cases < preset.train.folds:  # a tiny cohort: one patient a fold
        preset = replace(preset, train=replace(preset.train, folds=cases))
    cohort = out / "cohort"
    echo(f"[1/4] synthetic cohort: {cases} cases, seed {seed} -> {cohort}")
    synth_cohort(cohort, CohortConfig(cases=cases, seed=seed))

    manifest = out / "manifest.csv"
    if not manifest.exists():
        echo(f"[2/4] manifest -> {manifest}")
        table, sums = build_manifest(cohort, folds=preset.train.folds, seed=seed)
        write_manifest(manifest, table, sums)
    else:
        echo(f"[2/4] manifest: {manifest} (already there)")

    echo(f"[3/4] cases -> {out / 'cases.csv'}")
    cases_table = read_manifest(manifest).set_index("patient")[
        ["case", "institution", "slices", "tumour_voxels"]
    ]
    joined = join_on_patient(cases_table, read_clinical(cohort / "data.csv"))
    write_csv(out / "cases.csv", joined.frame, index_label="patient")

    echo(f"[4/4] the study ({preset.name} preset) -> {out}")
    result = run_study(
        cohort, out, preset, manifest=manifest, progress=progress, echo=lambda line: echo(f"  {line}")
    )
    summary = result.summary.set_index(["feature", "label"], drop=False)
    dice = result.summary.iloc[0]
    lines = [
        f"{len(joined.frame)} synthetic cases in {out}; slices per case {cases_table['slices'].min()}-"
        f"{cases_table['slices'].max()}, tumour voxels median {int(cases_table['tumour_voxels'].median())}",
        f"out-of-fold Dice (per patient): mean {dice['predicted']:.3f}, median {result.summary.iloc[1]['predicted']:.3f}",
        "Fisher p (median split), planted RNASeqCluster vs null MethylationCluster, manual | predicted masks:",
    ]
    for feature in STUDY_FEATURES:
        cells = []
        for label in ("RNASeqCluster", "MethylationCluster"):
            row = summary.loc[(feature, label)] if (feature, label) in summary.index else None
            cells.append("—" if row is None else f"{_p(row['manual'])} | {_p(row['predicted'])}")
        lines.append(f"  {feature:<5} RNASeqCluster p = {cells[0]}   MethylationCluster p = {cells[1]}")
    if any("n/a" in line for line in lines[-len(STUDY_FEATURES) :]):
        lines.append("  (n/a: not tested; a test needs at least 10 patients with a value and a label)")
    lines.append(f"report: {result.report}")
    return "\n".join(lines)


def _p(value) -> str:
    return "n/a" if pd.isna(value) else f"{value:.3g}"
