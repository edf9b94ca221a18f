"""``rg segment``'s choices measured on out-of-fold predictions of finished CV runs (same test folds).

For every fold, each run's model segments that fold's test cases through
:func:`segmentation.predict.segment_volume` (the code behind ``rg segment``), with and without mirroring
(``--tta``); the masks are then post-processed with 6- and 26-connectivity, and (``c26 mass``) with the
26-connected component of the largest probability mass kept instead of the largest one. Against the manual masks it
prints, per variant (``--thresholds``: also the first run's masks cut at other probability thresholds
than the model's): per-patient Dice mean, median and BCa 95 % interval of the mean, the paired
difference to the default with a Wilcoxon signed-rank p, and ICC(2,1) of ASD, MF, BEVR and volume between
the predicted and the manual masks' features, and for MF and BEVR the change of that ICC from the default
with a paired bootstrap interval over the same patients. With two or more runs it also scores their ensemble
(probabilities averaged) and says how well the models' agreement (mean pairwise Dice of their own masks,
``cases.csv``'s ``agreement``) predicts the ensemble's true Dice: Spearman's rho over cases.

Usage::

    .venv/bin/python -m benchmarks.lgg_segment_cv RUN [RUN ...] [--data .cache/lgg/kaggle_3m] [--threads 2]
        [--thresholds 0.3 0.4 0.6]
"""

import argparse
from pathlib import Path

from benchmarks.lgg_cv import fold_tests, require_same_folds
from benchmarks.lgg_data import default_data

FEATURES = ("ASD", "MF", "BEVR", "volume")
#: Features whose change of ICC against the default (c26) gets a paired bootstrap interval.
PAIRED = ("MF", "BEVR")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="Finished run folders with the same test folds.")
    parser.add_argument("--data", type=Path, help="Kaggle-layout folder (default: the shared LGG cases)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--thresholds", nargs="+", type=float, default=[], metavar="T",
        help="Also score the first run's masks at these probability thresholds (default: the model's only)",
    )  # fmt: skip
    args = parser.parse_args()
    data = args.data or default_data()
    require_same_folds(args.runs, "compare runs on the same folds")
    folds = fold_tests(args.runs[0])

    import time

    import numpy as np
    import pandas as pd
    import torch
    from scipy.stats import spearmanr, wilcoxon

    from benchmarks.lgg_cv import mean_interval
    from radiogenomics.case_io import read_case
    from radiogenomics.features.measure import mask_features
    from radiogenomics.stats.agreement import icc_agreement, icc_agreement_difference
    from segmentation.metrics import dice
    from segmentation.model import load_model
    from segmentation.predict import agreement, postprocess, segment_volume

    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    rows, features = [], {}
    for k, test in enumerate(folds):
        models = [load_model(run / f"fold_{k}" / "model.pt") for run in args.runs]
        config = models[0].config
        for name in test:
            case = read_case(data / name)
            row = {"case": name, "patient": case.patient, "fold": k}
            features[("manual", name)] = mask_features(case.mask, pyradiomics=False)
            probabilities = {}
            for mirror in (False, True):
                probabilities[mirror] = [
                    segment_volume([m], case.image, mirror=mirror).probabilities for m in models
                ]
            variants = {}
            for mirror in (False, True):
                for connectivity in (6, 26):
                    label = f"c{connectivity}" + ("+tta" if mirror else "")
                    variants[label] = postprocess(probabilities[mirror][0], threshold=config.threshold,
                                                  keep=config.keep_components, connectivity=connectivity)  # fmt: skip
            variants["c26 mass"] = postprocess(probabilities[False][0], threshold=config.threshold,
                                               keep=config.keep_components, connectivity=26, rank="mass")  # fmt: skip
            for threshold in args.thresholds:
                variants[f"c26 t{threshold:g}"] = postprocess(probabilities[False][0], threshold=threshold,
                                                              keep=config.keep_components, connectivity=26)  # fmt: skip
            if len(models) > 1:
                own = [postprocess(p, threshold=config.threshold, keep=config.keep_components, connectivity=26)
                       for p in probabilities[False]]  # fmt: skip
                row["agreement"] = agreement(own)
                variants["ensemble c26"] = postprocess(np.mean(probabilities[False], axis=0), threshold=config.threshold,
                                                       keep=config.keep_components, connectivity=26)  # fmt: skip
            for label, mask in variants.items():
                row[label] = dice(mask, case.mask)
                features[(label, name)] = mask_features(mask, pyradiomics=False) if mask.any() else None
            rows.append(row)
            print(f"fold {k} {name}: " + ", ".join(f"{v}: {row[v]:.3f}" for v in variants), flush=True)
    table = pd.DataFrame(rows)
    labels = [c for c in table.columns if c.startswith(("c6", "c26", "ensemble"))]
    per_patient = table.groupby("patient")[labels].mean()
    print(f"\n{len(table)} cases, {len(per_patient)} patients, {len(folds)} folds, runs: "
          f"{', '.join(r.name for r in args.runs)}; {(time.perf_counter() - start) / 60:.1f} min\n")  # fmt: skip
    print("| variant | Dice mean | median | 95 % CI of mean | Δ mean vs c26 | Wilcoxon p | " +
          " | ".join(f"ICC(2,1) {f}" for f in FEATURES) + " | " +
          " | ".join(f"Δ ICC {f} vs c26 (paired 95 % CI)" for f in PAIRED) + " |")  # fmt: skip
    print("|---" * (6 + len(FEATURES) + len(PAIRED)) + "|")

    def values(label: str, feature: str) -> np.ndarray:
        return np.array([np.nan if features[(label, n)] is None else features[(label, n)][feature]
                         for n in table["case"]])  # fmt: skip

    for label in labels:
        column = per_patient[label]
        low, high = mean_interval(column.to_numpy())
        delta = column - per_patient["c26"]
        p = wilcoxon(delta[delta != 0]).pvalue if (delta != 0).sum() >= 5 else float("nan")
        iccs = []
        for feature in FEATURES:
            pairs = [(features[(label, n)][feature], features[("manual", n)][feature]) for n in table["case"]
                     if features[(label, n)] is not None]  # fmt: skip
            pairs = np.array([pair for pair in pairs if np.all(np.isfinite(pair))])
            result = icc_agreement(pairs)
            iccs.append(f"{result.value:.3f} ({result.ci_low:.2f}–{result.ci_high:.2f}, n {result.n})")
        for feature in PAIRED:
            change = icc_agreement_difference(
                values("manual", feature), values("c26", feature), values(label, feature)
            )
            iccs.append(f"{change[0]:+.3f} ({change[1]:+.2f} to {change[2]:+.2f})")
        print(f"| {label} | {100 * column.mean():.2f} % | {100 * column.median():.2f} % | {100 * low:.1f}–{100 * high:.1f} % "
              f"| {100 * delta.mean():+.2f} | {p:.3g} | " + " | ".join(iccs) + " |")  # fmt: skip
    if "agreement" in table:
        rho = spearmanr(table["agreement"], table["ensemble c26"])
        print(f"\nagreement of the {len(args.runs)} models vs the ensemble's true Dice, over {len(table)} cases: "
              f"Spearman rho {rho.statistic:.3f} (p {rho.pvalue:.2g}); cases with agreement < 0.7: "
              f"{(table['agreement'] < 0.7).sum()}, their mean Dice {table.loc[table['agreement'] < 0.7, 'ensemble c26'].mean():.3f}, "
              f"the others' {table.loc[table['agreement'] >= 0.7, 'ensemble c26'].mean():.3f}")  # fmt: skip
    out = args.runs[0] / "segment_choices.csv"
    table.to_csv(out, index=False)
    print(f"per-case table: {out}")


if __name__ == "__main__":
    main()
