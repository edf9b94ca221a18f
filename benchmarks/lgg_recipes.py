"""Training recipes side by side, judged by what the science needs: finished CV runs on the same test folds.

``--any-folds`` also compares runs on other folds of the same cases (each case out-of-fold in every run).
Each RUN is a finished ``benchmarks.lgg_cv`` run whose ``benchmarks.lgg_science`` is done (``RUN/science/``).
One column per run (printed as a markdown table), the first run the baseline:

* per-patient Dice (``rg evaluate``): mean, median, BCa 95 % interval of the mean, and the paired difference
  of the mean to the baseline's with a Wilcoxon signed-rank p over the same patients;
* the cases below Dice 0.7 (the study's figure 3: 10 of 110); HD95 median (pixels);
* ICC(2,1) of ASD, MF, BEVR and volume between the out-of-fold and the manual masks' features, with its 95 %
  interval, and their ICC(3,1), Spearman and Cohen's κ of the median-split labels (what the study's Fisher test
  sees); for MF and BEVR (the aim's features) the change from the baseline with a paired bootstrap interval
  over the same patients, and the ICC over the cases whose mask found the tumour (Dice ≥ 0.7);
* the study2019 family: hypotheses rejected on the out-of-fold masks (those on the manual masks are the same
  for every run), and each hypothesis's p on the out-of-fold masks beside the manual masks';
* the number of test folds; the training's median seconds an epoch, from the folds' logs (noisy where the
  machine was shared), and the precision it trained in.

Usage::

    .venv/bin/python -m benchmarks.lgg_recipes RUN [RUN ...] [--any-folds]
"""

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.lgg_cv import fold_tests, require_same_folds
from benchmarks.lgg_science import FOUND_DICE
from benchmarks.lgg_segment_cv import FEATURES

FOUND_FEATURES = ("MF", "BEVR")


def per_case_dice(run: Path) -> pd.Series:
    """Out-of-fold Dice per case, as ``rg evaluate`` scored it."""
    table = pd.read_csv(run / "science" / "evaluate" / "per_case.csv")
    return table.set_index("case")["dice"]


def paired_difference(baseline: pd.Series, other: pd.Series) -> tuple[float, float, int]:
    """Mean of other − baseline over the cases both scored, the two-sided Wilcoxon signed-rank p, and n."""
    from scipy.stats import wilcoxon

    both = pd.concat([baseline, other], axis=1, join="inner").dropna()
    difference = both.iloc[:, 1] - both.iloc[:, 0]
    p = float(wilcoxon(difference).pvalue) if (difference != 0).any() else 1.0
    return float(difference.mean()), p, len(difference)


def icc_change(baseline: Path, run: Path, feature: str) -> tuple[float, float, float]:
    """ICC(2,1) of ``run``'s out-of-fold masks' ``feature`` against the manual masks', minus the baseline's, with
    the paired bootstrap interval (:func:`~radiogenomics.stats.agreement.icc_agreement_difference`), over the
    patients where both runs' masks give a value."""
    from radiogenomics.stats.agreement import icc_agreement_difference

    def table(folder: Path, name: str) -> pd.DataFrame:
        return pd.read_csv(folder / "science" / f"features_{name}.csv").set_index("patient")

    manual = table(baseline, "manual")[feature]
    a, b = (table(folder, "predicted")[feature].reindex(manual.index) for folder in (baseline, run))
    return icc_agreement_difference(manual, a, b)


def epoch_seconds(run: Path) -> float:
    """Median seconds an epoch over every fold's log."""
    logs = [pd.read_csv(log)["seconds"] for log in sorted(run.glob("fold_[0-9]*/log.csv"))]
    return float(np.median(pd.concat(logs))) if logs else float("nan")


def precision(run: Path) -> str:
    """The precision the folds trained in (``done.json``; "—" for runs made before it was recorded)."""
    found = {json.loads(done.read_text())["versions"].get("precision", "—")
             for done in sorted(run.glob("fold_[0-9]*/done.json"))}  # fmt: skip
    return ", ".join(sorted(found)) or "—"


def _icc(item: dict | None) -> str:
    if item is None or item["icc21"] is None:
        return "—"
    low, high = item["ci"]
    return f"{item['icc21']:.2f} ({low:.2f}–{high:.2f})" if low is not None else f"{item['icc21']:.2f}"


def recipe_row(run: Path, baseline: Path) -> dict:
    """One run's row of the table (strings), from its science summary and its logs."""
    summary = json.loads((run / "science" / "summary.json").read_text())
    dice = summary["metrics"]["dice"]
    low, high = dice["mean_ci"]
    row = {
        "run": run.name,
        "Dice mean": f"{100 * dice['mean']:.2f} %",
        "median": f"{100 * dice['median']:.2f} %",
        "95 % CI": f"{100 * low:.1f}–{100 * high:.1f}",
    }
    if run == baseline:
        row["Δ mean (Wilcoxon p)"] = "baseline"
    else:
        delta, p, _ = paired_difference(per_case_dice(baseline), per_case_dice(run))
        row["Δ mean (Wilcoxon p)"] = f"{100 * delta:+.2f} (p {p:.2g})"
    below = dice.get("below_found")
    row[f"cases below Dice {FOUND_DICE}"] = "—" if below is None else f"{below} of {dice['n']}"
    row["HD95 median px"] = f"{summary['metrics']['hd95']['median']:.1f}"
    for name in FEATURES:
        row[f"ICC {name}"] = _icc(summary["icc"].get(name))
    for name in FEATURES:
        item = summary["icc"].get(name) or {}
        cells = (item.get(key) for key in ("icc31", "spearman", "kappa"))
        row[f"{name}: ICC(3,1) / Spearman / κ median split"] = " / ".join(
            "—" if v is None else f"{v:.2f}" for v in cells
        )
    for name in FOUND_FEATURES:
        if run == baseline:
            row[f"Δ ICC {name} (paired bootstrap 95 % CI)"] = "baseline"
        else:
            change, low, high = icc_change(baseline, run, name)
            row[f"Δ ICC {name} (paired bootstrap 95 % CI)"] = f"{change:+.2f} ({low:+.2f} to {high:+.2f})"
    found = summary.get("icc_where_found", {}).get("icc", {})
    for name in FOUND_FEATURES:
        row[f"ICC {name}, Dice ≥ {FOUND_DICE}"] = _icc(found.get(name))
    family = summary["study2019"]
    rejected = sum(bool(item["reject_auto"]) for item in family)
    row["study2019 rejected (auto / manual)"] = (
        f"{rejected} / {sum(item['reject_manual'] for item in family)} of {len(family)}"
    )
    for item in family:
        auto = "—" if item["p_auto"] is None else f"{item['p_auto']:.2g}"
        row[f"p {item['feature']} × {item['label']} (auto / manual)"] = f"{auto} / {item['p_manual']:.2g}"
    row["test folds"] = str(len(fold_tests(run)))
    row["s / epoch"] = f"{epoch_seconds(run):.0f}"
    row["precision"] = precision(run)
    return row


def markdown(rows: list[dict]) -> str:
    """A markdown table with one column per run and one row per measure (the rows' keys, in order)."""
    lines = ["| | " + " | ".join(row["run"] for row in rows) + " |", "|---" * (len(rows) + 1) + "|"]
    lines += [f"| {key} | " + " | ".join(row[key] for row in rows) + " |" for key in rows[0] if key != "run"]
    return "\n".join(lines)


def main(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="Finished runs (science done), baseline first.")
    parser.add_argument(
        "--any-folds", action="store_true",
        help="Also compare runs whose test folds differ (3 against 5 folds: every case is out-of-fold in "
        "each, so the pairing by patient holds, but a difference also carries the splits' and the "
        "training sets' sizes)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    for run in args.runs:
        if not (run / "science" / "summary.json").is_file():
            raise SystemExit(f"{run}: no science/summary.json; run benchmarks.lgg_science {run} first")
    if not args.any_folds:
        require_same_folds(args.runs, "compare runs on the same folds, or give --any-folds")
    print(markdown([recipe_row(run, args.runs[0]) for run in args.runs]))


if __name__ == "__main__":
    main()
