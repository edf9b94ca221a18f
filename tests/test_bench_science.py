"""``benchmarks.lgg_science``'s diagnostic: the features' agreement over the cases whose mask found the tumour."""

import json

import numpy as np
import pandas as pd
import pytest

from benchmarks.lgg_science import FOUND_DICE, icc_items, icc_where_found
from radiogenomics.stats.agree import agree
from radiogenomics.stats.agreement import icc_agreement
from radiogenomics.stats.feature_table import read_feature_table


def _table(patients, values) -> pd.DataFrame:
    frame = pd.DataFrame(values, columns=["ASD", "MF", "BEVR", "volume"])
    frame.insert(0, "status", "ok")
    frame.insert(0, "case", [f"{p}_20000101" for p in patients])
    frame.insert(0, "patient", patients)
    return frame


def test_only_cases_with_dice_at_the_floor_are_compared(tmp_path):
    rng = np.random.default_rng(0)
    patients = [f"TCGA_AA_{i:04d}" for i in range(12)]
    manual = rng.uniform(0.1, 1.0, (12, 4)) * [0.1, 0.05, 0.5, 20000]
    predicted = manual.copy()
    missed = [1, 4, 7, 10]  # masks on the wrong structure: features unrelated to the manual ones
    predicted[missed] = manual[missed][::-1] * 3
    dice = np.where(np.isin(np.arange(12), missed), FOUND_DICE - 0.01, FOUND_DICE)  # the floor itself counts
    (tmp_path / "evaluate").mkdir()
    pd.DataFrame({"case": [f"{p}_20000101" for p in patients], "dice": dice}).to_csv(
        tmp_path / "evaluate" / "per_case.csv", index=False
    )
    _table(patients, predicted).to_csv(tmp_path / "features_predicted.csv", index=False)
    _table(patients, manual).to_csv(tmp_path / "features_manual.csv", index=False)

    found = icc_where_found(tmp_path).table.set_index("feature")
    assert (found["n"] == 8).all()
    assert [item["sd_ratio"] for item in icc_items(found.reset_index()).values()] == pytest.approx([1.0] * 4)
    assert found["icc2_1"].to_numpy() == pytest.approx(1.0)  # identical features on the found cases
    every = agree(read_feature_table(tmp_path / "features_predicted.csv"),
                  read_feature_table(tmp_path / "features_manual.csv")).table.set_index("feature")  # fmt: skip
    assert (every["n"] == 12).all() and (every["icc2_1"] < 0.9).all()
    assert icc_where_found(tmp_path, floor=0.95) is None  # no mask found its tumour: nothing to compare


def test_paired_difference_is_wilcoxon_over_the_shared_cases():
    from benchmarks.lgg_recipes import paired_difference

    baseline = pd.Series([0.5, 0.6, 0.7, 0.8, 0.2, 0.4, 0.9], index=list("abcdefg"))
    other = pd.Series(baseline.to_numpy()[:6] + [0.01, 0.02, 0.03, 0.04, 0.05, 0.06], index=list("abcdef"))
    delta, p, n = paired_difference(baseline, other)
    assert n == 6 and delta == pytest.approx(0.035)
    assert p == pytest.approx(2 / 64)  # exact: all six signs positive, two-sided, out of 2**6 sign patterns


def _run(root, name: str, dice: list[float], seconds: list[float], precision: str | None = None):
    run = root / name
    (run / "science" / "evaluate").mkdir(parents=True)
    (run / "fold_0").mkdir()
    (run / "folds.json").write_text('{"folds": [{"test": ["A", "B"]}]}')
    cases = [f"TCGA_AA_{i:04d}_20000101" for i in range(len(dice))]
    pd.DataFrame({"case": cases, "dice": dice}).to_csv(
        run / "science" / "evaluate" / "per_case.csv", index=False
    )
    pd.DataFrame({"epoch": range(1, len(seconds) + 1), "seconds": seconds}).to_csv(
        run / "fold_0" / "log.csv", index=False
    )
    patients = [f"TCGA_AA_{i:04d}" for i in range(len(dice))]
    manual = pd.DataFrame({"patient": patients, "MF": np.linspace(0.02, 0.08, len(dice)),
                           "BEVR": np.linspace(0.3, 0.6, len(dice))})  # fmt: skip
    manual.to_csv(run / "science" / "features_manual.csv", index=False)
    predicted = manual.copy()  # the baseline's masks: MF and BEVR off by a pattern; the other's: exact
    if name == "base":
        predicted[["MF", "BEVR"]] += np.array([[0.01, 0.05], [-0.01, -0.05]] * (len(dice) // 2))
    predicted.sample(frac=1, random_state=0).to_csv(run / "science" / "features_predicted.csv", index=False)
    versions = {"device": "cpu"} if precision is None else {"device": "cpu", "precision": precision}
    (run / "fold_0" / "done.json").write_text(json.dumps({"versions": versions}))
    icc = {"icc21": 0.5, "ci": [0.25, 0.75], "n": len(dice)}
    if precision:  # a run summarised since ICC(3,1), Spearman, kappa and the share below 0.7 are kept
        icc |= {"icc31": 0.6, "spearman": 0.7, "kappa": 0.4}
    summary = {
        "metrics": {"dice": {"mean": float(np.mean(dice)), "median": float(np.median(dice)), "mean_ci": [0.1, 0.9],
                             "n": len(dice)} | ({"below_found": sum(d < 0.7 for d in dice)} if precision else {}),
                    "hd95": {"median": 3.0}},
        "icc": {name: icc for name in ("ASD", "MF", "BEVR", "volume")},
        "icc_where_found": {"icc": {"MF": icc, "BEVR": None}},
        "study2019": [{"feature": "BEVR", "label": f"L{i}", "p_auto": 0.001 * (i + 1), "p_manual": 0.02,
                       "reject_auto": i == 0, "reject_manual": i < 2} for i in range(10)],
    }  # fmt: skip
    (run / "science" / "summary.json").write_text(json.dumps(summary))
    return run


def test_recipe_table_reads_each_runs_files(tmp_path):
    from benchmarks.lgg_recipes import markdown, recipe_row

    base = _run(tmp_path, "base", [0.5, 0.6, 0.7, 0.8, 0.9, 0.4], [10, 30, 20])
    other = _run(tmp_path, "other", [0.51, 0.62, 0.73, 0.84, 0.95, 0.46], [40, 50], precision="bf16")
    rows = [recipe_row(run, base) for run in (base, other)]
    assert rows[0]["Δ mean (Wilcoxon p)"] == "baseline"
    assert rows[1]["Δ mean (Wilcoxon p)"] == "+3.50 (p 0.031)"  # six positive differences: 2 / 64
    assert (rows[0]["s / epoch"], rows[1]["s / epoch"]) == ("20", "45")
    assert (rows[0]["precision"], rows[1]["precision"]) == ("—", "bf16")  # not recorded before / recorded
    assert rows[1]["ICC MF"] == "0.50 (0.25–0.75)" and rows[1]["ICC BEVR, Dice ≥ 0.7"] == "—"
    assert rows[1]["study2019 rejected (auto / manual)"] == "1 / 2 of 10"
    assert rows[1]["p BEVR × L2 (auto / manual)"] == "0.003 / 0.02"
    assert rows[1]["cases below Dice 0.7"] == "3 of 6" and rows[0]["cases below Dice 0.7"] == "—"
    assert rows[1]["MF: ICC(3,1) / Spearman / κ median split"] == "0.60 / 0.70 / 0.40"
    assert rows[0]["MF: ICC(3,1) / Spearman / κ median split"] == "— / — / —"  # an older summary
    # the other run's features are the manual ones: its ICC is 1, so the change is 1 − the baseline's ICC
    # (patients matched by id, though the predicted table's rows are shuffled)
    mf = pd.read_csv(base / "science" / "features_predicted.csv").set_index("patient").sort_index()["MF"]
    manual = pd.read_csv(base / "science" / "features_manual.csv")["MF"]
    expected = 1 - icc_agreement(np.column_stack([mf.to_numpy(), manual.to_numpy()])).value
    assert rows[0]["Δ ICC MF (paired bootstrap 95 % CI)"] == "baseline"
    assert rows[1]["Δ ICC MF (paired bootstrap 95 % CI)"].startswith(f"{expected:+.2f} (")
    assert rows[1]["test folds"] == "1"
    table = markdown(rows).splitlines()
    assert table[0] == "| | base | other |" and len(table) == 2 + len(rows[0]) - 1


def test_runs_on_other_folds_are_compared_only_when_asked(tmp_path, capsys):
    from benchmarks.lgg_recipes import main

    base = _run(tmp_path, "base", [0.5, 0.6, 0.7, 0.8, 0.9, 0.4], [10, 30, 20])
    other = _run(tmp_path, "other", [0.51, 0.62, 0.73, 0.84, 0.95, 0.46], [40, 50])
    (other / "folds.json").write_text('{"folds": [{"test": ["A"]}, {"test": ["B"]}]}')
    with pytest.raises(SystemExit, match="other: its test folds differ .*give --any-folds"):
        main([str(base), str(other)])
    main([str(base), str(other), "--any-folds"])
    assert "| test folds | 1 | 2 |" in capsys.readouterr().out
