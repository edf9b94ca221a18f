"""How well does tumour shape predict the genomic subtype? ``rg classify`` on the 110 manual-mask features.

    RG_CACHE=... .venv/bin/python -m benchmarks.classify_lgg [--permutations 20] [--repeats 2] [--jobs 2]

1. The manual-mask features of :mod:`benchmarks.reproduce_associations` (cached in
   ``.cache/features_manual_masks.csv``; computed there on the first run, about 4 minutes on 2 cores).
2. :func:`radiogenomics.classify.run.run_classify`: targets RNASeqCluster, COCCluster, OncosignCluster,
   CNCluster, MethylationCluster, miRNACluster, death01 × the four feature sets (study, shape, covariates
   = age + sex, shape + covariates), nested CV (5-fold outer × ``--repeats``, 3-fold inner), ridge logistic
   regression (``--models`` adds others), bootstrap CI and the permutation test (whole nested CV rerun).

Prints the table (Markdown) and the wall time of step 2. Outputs in ``outputs/classify_lgg``.
"""

import argparse
import sys
import time
from pathlib import Path

from benchmarks.lgg_data import lgg_root
from benchmarks.reproduce_associations import features_table

REPO = Path(__file__).resolve().parents[1]
TARGETS = ("RNASeqCluster", "COCCluster", "OncosignCluster", "CNCluster", "MethylationCluster", "miRNACluster",
           "death01")  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--permutations", type=int, default=20, help="label shuffles per cell (default 20)")
    parser.add_argument("--repeats", type=int, default=2, help="outer repeats of the estimate (default 2)")
    parser.add_argument(
        "--models", default="logistic_l2", help="comma-separated models (default logistic_l2)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="processes for the permutation test (default 2)")
    parser.add_argument("--out", type=Path, default=REPO / "outputs" / "classify_lgg")
    args = parser.parse_args(argv)

    features_path, _ = features_table(False, args.jobs)
    from radiogenomics.classify.compare import ClassifyConfig
    from radiogenomics.classify.run import run_classify

    models = tuple(args.models.split(","))
    config = ClassifyConfig(targets=TARGETS, models=models, repeats=args.repeats, permutations=args.permutations,
                            permutation_models=models[:1], n_jobs=args.jobs)  # fmt: skip
    start = time.perf_counter()
    outputs = run_classify([features_path], lgg_root() / "kaggle_3m" / "data.csv", args.out, config=config,
                           names=["manual"], report_dir=args.out / "report")  # fmt: skip
    seconds = time.perf_counter() - start
    summary = outputs.result.summary
    print(f"features: {features_path}; outputs: {args.out}; report: {outputs.report}")
    print(f"nested CV {config.splits}-fold × {config.repeats} repeats (inner {config.inner_splits}-fold), "
          f"{config.permutations} permutations ({config.permutation_repeats} repeat each), models {', '.join(models)}")  # fmt: skip
    print()
    print(
        "| target | n (classes) | model | study (ASD, MF, BEVR) | shape (36) | covariates (age, sex) | shape + covariates |"
    )
    print("|---|---|---|---|---|---|---|")
    for (target, model), rows in summary.groupby(["target", "model"], sort=False):
        facts = outputs.result.targets[target]
        cells = []
        for _, row in rows.set_index("feature_set").loc[list(config.sets)].iterrows():
            p = f", p {row['perm_p']:.2g}" if row["permutations"] else ""
            cells.append(f"{row['auc']:.2f} [{row['ci_low']:.2f}, {row['ci_high']:.2f}]{p}")
        print(f"| {target} | {facts['patients']} ({len(facts['classes'])}) | {model} | {' | '.join(cells)} |")
    print()
    print(f"wall time of the table: {seconds:.0f} s ({seconds / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
