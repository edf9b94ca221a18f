"""What the science needs, measured on a finished CV run's out-of-fold masks: ``rg reproduce``'s steps.

For ``RUN/oof_masks`` against the manual masks of the same cases (DATA), the steps that follow training in
``rg reproduce`` (:func:`study.chain.analyse_masks`; the design of preset ``fast`` without pyradiomics):

1. ``rg evaluate``: Dice, HD95, ASSD (pixels), mean, median and bootstrap CIs;
2. ``rg features`` on both mask sets, then ``rg agree``: ICC(2,1) with CI of ASD, MF, BEVR and volume
   between the automatic and the manual masks' features;
3. ``rg associate --preset study2019`` on both: the study's family of hypotheses, p on the automatic
   masks beside p on the manual masks of the same patients.

Each step's output goes to ``RUN/science/`` (the names of ``rg reproduce``'s folder; ``steps.csv`` says what
each cost) and is reused by a rerun. Prints one table and writes ``RUN/science/summary.json`` (what a model
card quotes).

Usage::

    .venv/bin/python -m benchmarks.lgg_science RUN [--data .cache/lgg/kaggle_3m]
"""

import argparse
import json
from dataclasses import replace
from pathlib import Path

from benchmarks.lgg_data import default_data
from benchmarks.lgg_segment_cv import FEATURES
from radiogenomics.atomic import write_json
from radiogenomics.stats.agree import AgreementResult, agree
from radiogenomics.stats.feature_table import read_feature_table
from study.chain import Steps, analyse_masks
from study.presets import FAST

#: Dice from which a predicted mask counts as having found the tumour (the ICC diagnostic "where found").
FOUND_DICE = 0.7


def run_steps(run: Path, data: Path) -> Path:
    """The steps (each skipped when its output exists); returns the science folder."""
    out = run / "science"
    out.mkdir(exist_ok=True)
    design = replace(FAST.design, pyradiomics=False)
    analyse_masks(run / "oof_masks", data, out, design, data / "data.csv", Steps(out, print))
    return out


def _number(value) -> float | None:
    """A float for JSON: None where the table holds no finite value (an undefined CI)."""
    import math

    value = float(value)
    return value if math.isfinite(value) else None


def icc_items(table) -> dict:
    """ICC(2,1), its CI, n, the spread's ratio (sd automatic / sd manual), ICC(3,1), Spearman and the median-split
    labels' kappa of the features that a card quotes, from an agreement table of ``agree(predicted, manual)``
    (a column that an older table lacks: None)."""
    rows = table.set_index("feature")

    def get(row, column):
        return _number(row[column]) if column in row else None

    return {
        name: {"icc21": _number(row["icc2_1"]), "ci": [_number(row["icc2_1_low"]), _number(row["icc2_1_high"])],
               "n": int(row["n"]), "sd_ratio": _number(row["sd_a"] / row["sd_b"]) if "sd_a" in row else None,
               "icc31": get(row, "icc3_1"), "spearman": get(row, "spearman"), "kappa": get(row, "kappa_median")}
        for name, row in rows.loc[[f for f in FEATURES if f in rows.index]].iterrows()
    }  # fmt: skip


def icc_where_found(out: Path, floor: float = FOUND_DICE) -> AgreementResult | None:
    """The agreement over the cases whose predicted mask found the tumour (Dice ≥ ``floor``); None if none did.

    A diagnostic beside the headline ICC (over every case): it separates the margins' error from the
    detection failures (a mask on the wrong structure, or none), whose features are off by any amount.
    """
    import pandas as pd

    per_case = pd.read_csv(out / "evaluate" / "per_case.csv")
    return icc_over(out, set(per_case.loc[per_case["dice"] >= floor, "case"]))


def icc_over(out: Path, cases: set[str]) -> AgreementResult | None:
    """The agreement of the predicted and manual masks' features (``out``: a science folder) over ``cases``
    alone; None if none of them has features."""
    predicted = read_feature_table(out / "features_predicted.csv", descriptive=True)
    predicted = predicted[predicted["case"].isin(cases)].drop(columns=["case", "status"])
    return agree(predicted, read_feature_table(out / "features_manual.csv")) if len(predicted) else None


def summarise(run: Path, out: Path) -> dict:
    """Dice, HD95, ASSD, the features' ICCs and the study2019 family's p-values, from the steps' files."""
    import pandas as pd

    evaluation = json.loads((out / "evaluate" / "summary.json").read_text())
    metrics = {
        name: {key: evaluation["metrics"][name][key] for key in ("n", "mean", "median", "mean_ci")}
        for name in ("dice", "hd95", "assd")
    }
    icc = icc_items(pd.read_csv(out / "agreement.csv"))
    dice = pd.read_csv(out / "evaluate" / "per_case.csv")["dice"].dropna()
    metrics["dice"]["below_found"] = int((dice < FOUND_DICE).sum())
    family = []
    tables = {side: pd.read_csv(out / f"associations_{name}.csv")
              for side, name in (("auto", "predicted"), ("manual", "manual"))}  # fmt: skip
    confirmatory = {side: t[t["family"] == "confirmatory"].set_index(["feature", "label", "test"])
                    for side, t in tables.items()}  # fmt: skip
    for key, row in confirmatory["manual"].iterrows():
        auto = confirmatory["auto"].loc[key] if key in confirmatory["auto"].index else None
        family.append({"feature": key[0], "label": key[1], "test": key[2], "n": int(row["n"]),
                       "p_manual": float(row["p"]), "reject_manual": bool(row["reject"]),
                       "p_auto": None if auto is None else float(auto["p"]),
                       "reject_auto": None if auto is None else bool(auto["reject"])})  # fmt: skip
    where_found = icc_where_found(out)
    found = {"dice_at_least": FOUND_DICE, "icc": {} if where_found is None else icc_items(where_found.table)}
    return {"patients": metrics["dice"]["n"], "metrics": metrics, "icc": icc, "icc_where_found": found,
            "study2019": family,
            "units": "pixels (no spacing given)", "dice_note": "rg evaluate: per case, all slices together"}  # fmt: skip


def _icc_cells(item: dict | None) -> str:
    """'value | low–high | n | sd ratio' for the printed table."""
    if item is None or item["icc21"] is None:
        return "— | — | — | —" if item is None else f"— | — | {item['n']} | —"
    low, high = (f"{v:.2f}" if v is not None else "—" for v in item["ci"])
    ratio = item.get("sd_ratio")
    return f"{item['icc21']:.3f} | {low}–{high} | {item['n']} | " + ("—" if ratio is None else f"{ratio:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="A finished CV run folder (with oof_masks/).")
    parser.add_argument("--data", type=Path, help="Kaggle-layout folder (default: the shared LGG cases)")
    args = parser.parse_args()
    data = args.data or default_data()
    if not (args.run / "oof_masks").is_dir():
        raise SystemExit(f"{args.run}: no oof_masks/; finish the CV run first (benchmarks.lgg_cv)")
    out = run_steps(args.run, data)
    summary = summarise(args.run, out)
    write_json(out / "summary.json", summary)
    m = summary["metrics"]
    print(f"\n{summary['patients']} cases; out-of-fold masks of {args.run}\n")
    print("| metric | mean | median | 95 % CI of mean |\n|---|---|---|---|")
    for name, scale, unit in (("dice", 100, " %"), ("hd95", 1, " px"), ("assd", 1, " px")):
        low, high = m[name]["mean_ci"]
        print(f"| {name} | {scale * m[name]['mean']:.2f}{unit} | {scale * m[name]['median']:.2f}{unit} | "
              f"{scale * low:.2f}–{scale * high:.2f}{unit} |")  # fmt: skip
    print(
        f"\n{m['dice']['below_found']} of {m['dice']['n']} cases below Dice {FOUND_DICE} (the study: 10 of 110)"
    )
    found = summary["icc_where_found"]
    print(
        f"\n| feature | ICC(2,1) auto vs manual | 95 % CI | n | sd auto / manual "
        f"| where Dice ≥ {found['dice_at_least']} | 95 % CI | n | sd auto / manual |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, item in summary["icc"].items():
        cells = [item, found["icc"].get(name)]
        print(f"| {name} | " + " | ".join(_icc_cells(cell) for cell in cells) + " |")
    print("\n| feature | ICC(3,1) | Spearman | kappa of the median-split labels |\n|---|---|---|---|")
    for name, item in summary["icc"].items():
        cells = (item.get(key) for key in ("icc31", "spearman", "kappa"))
        print(f"| {name} | " + " | ".join("—" if v is None else f"{v:.3f}" for v in cells) + " |")
    print("\n| feature | label | test | n | p manual | p automatic |\n|---|---|---|---|---|---|")
    for row in summary["study2019"]:
        auto = "—" if row["p_auto"] is None else f"{row['p_auto']:.3g}" + (" *" if row["reject_auto"] else "")
        manual = f"{row['p_manual']:.3g}" + (" *" if row["reject_manual"] else "")
        print(f"| {row['feature']} | {row['label']} | {row['test']} | {row['n']} | {manual} | {auto} |")
    print("\n(* rejected after the family's correction)")
    print(f"summary: {out / 'summary.json'}")


if __name__ == "__main__":
    main()
