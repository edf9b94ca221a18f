"""``rg demo``: the chain on a built-in default, a synthetic cohort, resumable.

Steps, each skipped when its output is already there:

1. ``OUT/cohort/``: a synthetic cohort in the Kaggle layout (``radiogenomics.synthetic``);
2. ``OUT/manifest.csv`` (+ ``.sha256.gz``): its manifest, with seeded patient-level folds;
3. ``OUT/verify.txt``: the cohort checked against that manifest (``rg data verify``);
4. ``OUT/summary.csv``: one row per case: slices, tumour voxels, genomic labels;
5. ``OUT/features.csv`` (+ ``features.json``): shape features of the manual masks (``rg features``);
6. ``OUT/results.csv`` and ``OUT/report/index.html``: the study's three features against the planted
   genomic column (RNASeqCluster) and a null one (MethylationCluster), Fisher's exact test on the median
   split, Benjamini–Hochberg (``rg associate``).
"""

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from radiogenomics.atomic import write_csv, write_text
from radiogenomics.clinical import join_on_patient, read_clinical
from radiogenomics.errors import InputError
from radiogenomics.features import STUDY_FEATURES, extract_features, write_features
from radiogenomics.manifest import (
    build_manifest,
    format_report,
    read_manifest,
    verify_download,
    write_manifest,
)
from radiogenomics.outputs import check_outputs, sidecar_path
from radiogenomics.stats.run import run_associate
from radiogenomics.synthetic import CohortConfig, synth_cohort


def run_demo(out: str | Path, *, cases: int = 24, seed: int = 0, echo: Callable[[str], None] = print) -> str:
    """Run the demo into ``out``; return a short plain-text summary."""
    out = Path(out)
    cohort = out / "cohort"
    echo(f"[1/6] synthetic cohort: {cases} cases, seed {seed} -> {cohort}")
    synth_cohort(cohort, CohortConfig(cases=cases, seed=seed))

    manifest = out / "manifest.csv"
    if not manifest.exists():
        echo(f"[2/6] manifest -> {manifest}")
        table, sums = build_manifest(cohort, folds=min(5, cases), seed=seed)
        write_manifest(manifest, table, sums)
    else:
        echo(f"[2/6] manifest: {manifest} (already there)")

    echo("[3/6] verify the cohort against its manifest")
    report = verify_download(cohort, manifest)
    write_text(out / "verify.txt", format_report(report) + "\n")
    if not report.ok:
        raise InputError(
            f"{cohort}: does not match {manifest} (see {out / 'verify.txt'}); delete {out} to start afresh"
        )

    echo(f"[4/6] summary -> {out / 'summary.csv'}")
    cases_table = read_manifest(manifest).set_index("patient")[
        ["case", "institution", "slices", "tumour_voxels"]
    ]
    joined = join_on_patient(cases_table, read_clinical(cohort / "data.csv"))
    write_csv(out / "summary.csv", joined.frame, index_label="patient")

    features = out / "features.csv"
    if features.exists() and sidecar_path(features).exists() and not check_outputs(sidecar_path(features)):
        echo(f"[5/6] features: {features} (already there)")
    else:
        echo(f"[5/6] shape features -> {features}")
        write_features(extract_features(cohort, jobs=1, pyradiomics=True, progress=True), features)

    echo(f"[6/6] associations -> {out / 'results.csv'}, report -> {out / 'report' / 'index.html'}")
    outputs = run_associate(
        features,
        cohort / "data.csv",
        out / "results.csv",
        feature_names=list(STUDY_FEATURES),
        labels=["RNASeqCluster", "MethylationCluster"],
        report_dir=out / "report",
    )
    results = pd.read_csv(outputs.results)
    fisher = results[results["test"] == "fisher"].set_index(["feature", "label"])
    lines = [
        f"{len(joined.frame)} cases verified ({report.count('intact')} intact) in {out}",
        f"slices per case: {cases_table['slices'].min()}-{cases_table['slices'].max()}; "
        f"tumour voxels: median {int(cases_table['tumour_voxels'].median())}",
        "Fisher p (median split), planted RNASeqCluster vs null MethylationCluster:",
    ]
    for feature in STUDY_FEATURES:
        planted, null = (
            fisher.loc[(feature, label), "p"] for label in ("RNASeqCluster", "MethylationCluster")
        )
        lines.append(f"  {feature:<5} RNASeqCluster p = {planted:.3g}   MethylationCluster p = {null:.3g}")
    lines.append(f"report: {outputs.report}")
    return "\n".join(lines)
