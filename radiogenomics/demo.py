"""``rg demo``: the chain on a built-in default, a synthetic cohort, resumable.

Steps, each skipped when its output is already there:

1. ``OUT/cohort/``: a synthetic cohort in the Kaggle layout (``radiogenomics.synthetic``);
2. ``OUT/manifest.csv`` (+ ``.sha256.gz``): its manifest, with seeded patient-level folds;
3. ``OUT/verify.txt``: the cohort checked against that manifest (``rg data verify``);
4. ``OUT/summary.csv``: one row per case: slices, tumour voxels, genomic labels.
"""

from collections.abc import Callable
from pathlib import Path

from radiogenomics.atomic import write_csv, write_text
from radiogenomics.clinical import join_on_patient, read_clinical
from radiogenomics.errors import InputError
from radiogenomics.manifest import (
    build_manifest,
    format_report,
    read_manifest,
    verify_download,
    write_manifest,
)
from radiogenomics.synthetic import CohortConfig, synth_cohort


def run_demo(out: str | Path, *, cases: int = 12, seed: int = 0, echo: Callable[[str], None] = print) -> str:
    """Run the demo into ``out``; return a short plain-text summary."""
    out = Path(out)
    cohort = out / "cohort"
    echo(f"[1/4] synthetic cohort: {cases} cases, seed {seed} -> {cohort}")
    synth_cohort(cohort, CohortConfig(cases=cases, seed=seed))

    manifest = out / "manifest.csv"
    if not manifest.exists():
        echo(f"[2/4] manifest -> {manifest}")
        table, sums = build_manifest(cohort, folds=min(5, cases), seed=seed)
        write_manifest(manifest, table, sums)
    else:
        echo(f"[2/4] manifest: {manifest} (already there)")

    echo("[3/4] verify the cohort against its manifest")
    report = verify_download(cohort, manifest)
    write_text(out / "verify.txt", format_report(report) + "\n")
    if not report.ok:
        raise InputError(
            f"{cohort}: does not match {manifest} (see {out / 'verify.txt'}); delete {out} to start afresh"
        )

    echo(f"[4/4] summary -> {out / 'summary.csv'}")
    cases_table = read_manifest(manifest).set_index("patient")[
        ["case", "institution", "slices", "tumour_voxels"]
    ]
    joined = join_on_patient(cases_table, read_clinical(cohort / "data.csv"))
    write_csv(out / "summary.csv", joined.frame, index_label="patient")
    counts = joined.frame["RNASeqCluster"].value_counts(dropna=False).sort_index()
    return "\n".join(
        [
            f"{len(joined.frame)} cases verified ({report.count('intact')} intact) in {out}",
            f"slices per case: {cases_table['slices'].min()}-{cases_table['slices'].max()}; "
            f"tumour voxels: median {int(cases_table['tumour_voxels'].median())}",
            "RNASeqCluster: " + ", ".join(f"{k}: {v}" for k, v in counts.items()),
        ]
    )
