"""Reproduce the study's association tests on the 110 manual mask sets of the public LGG data.

    .venv/bin/python -m benchmarks.reproduce_associations [--refresh] [--jobs 2] [--out outputs/reproduce]

1. Unpacks ``../shared/data/lgg`` into ``.cache/lgg`` (checked against SHA256SUMS; instant once done).
2. Shape features (ASD, MF, BEVR and the rest) of the 110 *manual* masks with ``extract_features``,
   cached in ``.cache/features_manual_masks.csv`` (``--refresh`` recomputes them). The study used the
   features of its U-Net's *automatic* masks; ours come from the manual ones, so the numbers differ for
   that reason as well as for the open choices of the feature definitions.
3. The statistics, timed on their own: Fisher's exact test of each median-split feature against each
   genomic cluster column (exact 2×k enumeration), the study2019 family of 10 with Bonferroni
   (α = 0.05/10 = 0.005 per test), the exploratory table (3 features × 7 cluster columns, BH), plus
   Kruskal–Wallis and one-vs-rest Mann–Whitney, and the HTML report.

Prints the study's claims beside our p-values (a Markdown table) and the timings.
"""

import argparse
import sys
import time
from pathlib import Path

from benchmarks.lgg_data import lgg_root
from radiogenomics.clinical import LGG_CLUSTER_COLUMNS

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / ".cache"
CLUSTERS = LGG_CLUSTER_COLUMNS

#: The study's reported results (Buda et al. 2019, abstract), per (feature, label).
CLAIMS = {
    ("BEVR", "RNASeqCluster"): "p < 0.0002, significant",
    ("MF", "RNASeqCluster"): "p < 0.005, significant",
    ("ASD", "RNASeqCluster"): "p < 0.02, nominal",
}
BEVR_CLAIM = "p < 0.02, nominal (every subtype tested)"


def features_table(refresh: bool, jobs: int) -> tuple[Path, float]:
    """The cached feature CSV of the manual masks (computed if missing), and the seconds it took."""
    from radiogenomics.features import extract_features, write_features

    path = CACHE / "features_manual_masks.csv"
    if path.exists() and not refresh:
        return path, 0.0
    start = time.perf_counter()
    result = extract_features(lgg_root() / "manual_masks", jobs=jobs, pyradiomics=True)
    write_features(result, path)
    return path, time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", action="store_true", help="recompute the cached features")
    parser.add_argument("--jobs", type=int, default=2, help="processes for the features (default 2)")
    parser.add_argument("--out", type=Path, default=REPO / "outputs" / "reproduce_associations")
    args = parser.parse_args(argv)

    data = lgg_root()
    features_path, feature_seconds = features_table(args.refresh, args.jobs)

    start = time.perf_counter()
    from radiogenomics.clinical import read_clinical
    from radiogenomics.report import write_report
    from radiogenomics.stats.associate import AssociateConfig, associate
    from radiogenomics.stats.feature_table import read_feature_table
    from radiogenomics.stats.hypotheses import STUDY2019

    features = read_feature_table(features_path)
    clinical = read_clinical(data / "kaggle_3m" / "data.csv")
    config = AssociateConfig(tests=("fisher", "kruskal", "mannwhitney"), correction="bonferroni")
    result = associate(
        features,
        clinical,
        feature_names=["ASD", "MF", "BEVR"],
        labels=list(CLUSTERS),
        family=STUDY2019,
        config=config,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    result.table.to_csv(args.out / "results.csv", index=False, float_format="%.6g")
    report = write_report(
        result, args.out / "report", title="Buda et al. 2019 reproduced on the manual masks"
    )
    stats_seconds = time.perf_counter() - start

    table = result.table
    fisher = table[table["test"] == "fisher"]
    confirmatory = fisher[fisher["family"] == "confirmatory"].set_index(["feature", "label"])
    exploratory = fisher[fisher["family"] == "exploratory"].set_index(["feature", "label"])
    kw = table[(table["test"] == "kruskal") & (table["family"] == "exploratory")].set_index(
        ["feature", "label"]
    )
    print(
        f"features: {features_path} ({len(features)} patients"
        + (f", computed in {feature_seconds:.1f} s" if feature_seconds else ", cached")
        + ")"
    )
    print(
        f"patients tested: {len(result.data)}; unmatched ids: {len(result.features_only) + len(result.clinical_only)}"
    )
    print()
    print(
        "| feature × cluster | in study2019 family | n | study (automatic masks) | Fisher p (ours, manual masks) "
        "| Bonferroni p (×10) | KW p | note |"
    )
    print("|---|---|---|---|---|---|---|---|")
    pairs = [(f, lab) for f in ("BEVR", "MF", "ASD") for lab in CLUSTERS]
    for feature, label in pairs:
        in_family = (feature, label) in confirmatory.index
        claim = CLAIMS.get(
            (feature, label), BEVR_CLAIM if feature == "BEVR" and label != "RPPACluster" else ""
        )
        if not in_family and not claim:
            continue
        row = exploratory.loc[(feature, label)]
        bonferroni = f"{confirmatory.loc[(feature, label), 'p_adjusted']:.3g}" if in_family else ""
        print(f"| {feature} × {label} | {'yes' if in_family else 'no'} | {row['n']} | {claim} | {row['p']:.3g} "
              f"| {bonferroni} | {kw.loc[(feature, label), 'p']:.3g} | {row['note']} |")  # fmt: skip
    significant = confirmatory[confirmatory["reject"]]
    print()
    print(
        f"significant after Bonferroni (α 0.005 per test): {', '.join(f'{f} × {lab}' for f, lab in significant.index) or 'none'}"
    )
    print(
        f"statistics + report: {stats_seconds:.2f} s (results: {args.out / 'results.csv'}, report: {report})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
