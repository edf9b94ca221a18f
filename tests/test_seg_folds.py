"""Patient-level folds: the seeded split, the manifest's frozen folds, inner validation, folds.json."""

import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from radiogenomics.atomic import write_json
from radiogenomics.errors import InputError
from segmentation.config import TrainConfig
from segmentation.folds import FoldPlan, inner_split, load_or_make_plan, make_plan, seeded_assignment


def cohort(n_patients=10, cases_per_patient=1, institutions=("AA", "BB")):
    rows = []
    for p in range(n_patients):
        inst = institutions[p % len(institutions)]
        for c in range(cases_per_patient):
            rows.append((f"TCGA_{inst}_{p:04d}_2000010{c + 1}", f"TCGA_{inst}_{p:04d}", inst))
    return pd.DataFrame(rows, columns=["case", "patient", "institution"])


def patient_of(cases):
    return dict(zip(cases["case"], cases["patient"], strict=True))


@pytest.mark.parametrize(("n", "k"), [(10, 2), (10, 3), (11, 5), (5, 5)])
def test_every_patient_in_exactly_one_fold(n, k):
    cases = cohort(n, cases_per_patient=2)
    plan = make_plan(cases, k=k, seed=1)
    owner = patient_of(cases)
    tested = [c for fold in plan.folds for c in fold.test]
    assert sorted(tested) == sorted(cases["case"])  # each case tested once
    folds_of_patient = {}
    for fold in plan.folds:
        for case in fold.test:
            folds_of_patient.setdefault(owner[case], set()).add(fold.fold)
    assert all(len(f) == 1 for f in folds_of_patient.values())  # no patient in two folds
    sizes = [len({owner[c] for c in fold.test}) for fold in plan.folds]
    assert max(sizes) - min(sizes) <= 1


def test_test_fold_never_in_training_or_inner_validation():
    cases = cohort(12)
    owner = patient_of(cases)
    for fold in make_plan(cases, k=4, seed=0, inner_val=0.25).folds:
        test_patients = {owner[c] for c in fold.test}
        assert not test_patients & {owner[c] for c in fold.train + fold.inner_val}
        assert not set(fold.train) & set(fold.inner_val)
        assert sorted(fold.test + fold.train + fold.inner_val) == sorted(cases["case"])
        assert len(fold.inner_val) == 2  # round(0.25 × 9 patients)


def test_inner_validation_leaves_one_to_train():
    fold = make_plan(cohort(2), k=2, seed=0, inner_val=0.5).folds[0]
    assert len(fold.train) == 1 and fold.inner_val == ()


@pytest.mark.parametrize(
    ("patients", "fraction", "minimum", "expected"),
    [
        (33, 0.1, 1, 3),  # round(3.3): the fraction alone (the 5-fold LGG run's 3 patients)
        (33, 0.1, 5, 5),  # the minimum, ≤ 33 // 5 = 6
        (33, 0.2, 5, 7),  # the fraction, when larger
        (12, 0.1, 5, 2),  # the minimum never takes more than a fifth: 12 // 5
        (4, 0.34, 5, 1),  # round(1.36); 4 // 5 = 0
        (2, 0.5, 5, 1),  # one always left to train on
        (33, 0.0, 5, 0),  # no inner validation at all
    ],
)
def test_inner_validation_minimum(patients, fraction, minimum, expected):
    cases = cohort(patients)
    train, val = inner_split(list(cases["case"]), cases, fraction=fraction, seed=0, minimum=minimum)
    assert len(val) == expected and len(train) == patients - expected


def test_inner_validation_minimum_keeps_test_folds():
    cases = cohort(41, institutions=("AA", "BB", "CC"))
    small = make_plan(cases, k=5, seed=0, inner_val=0.1)
    large = make_plan(cases, k=5, seed=0, inner_val=0.1, inner_val_min=5)
    for a, b in zip(small.folds, large.folds, strict=True):
        assert a.test == b.test and len(a.inner_val) == 3 and len(b.inner_val) == 5
        assert sorted(b.train + b.inner_val) == sorted(a.train + a.inner_val)


def test_seeded_split_deterministic_and_seed_dependent():
    cases = cohort(20)
    assert seeded_assignment(cases, k=4, seed=3) == seeded_assignment(cases, k=4, seed=3)
    assert seeded_assignment(cases, k=4, seed=3) != seeded_assignment(cases, k=4, seed=4)


def test_balanced_per_institution():
    cases = cohort(12, institutions=("AA", "AA", "BB"))  # 8 AA, 4 BB
    assignment = seeded_assignment(cases, k=4, seed=0)
    bb_folds = [assignment[c] for c in cases["case"] if "_BB_" in c]
    assert sorted(bb_folds) == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("n", "k", "match"),
    [(3, 4, "--folds is 4 but the data holds 3 patient"), (5, 1, "at least 2 folds")],
)
def test_bad_fold_counts(n, k, match):
    with pytest.raises(InputError, match=match):
        make_plan(cohort(n), k=k)


def test_split_written_once_and_checked(tmp_path):
    cases = cohort(6)
    path = tmp_path / "folds.json"
    plan = load_or_make_plan(path, cases, k=3, seed=0)
    assert FoldPlan.from_json(__import__("json").loads(path.read_text())) == plan
    assert load_or_make_plan(path, cases, k=3, seed=99) == plan  # read back, not made again
    with pytest.raises(InputError, match="split for other cases"):
        load_or_make_plan(path, cohort(7), k=3, seed=0)
    with pytest.raises(InputError, match="split into 3 folds; use --folds 3"):
        load_or_make_plan(path, cases, k=2, seed=0)


@pytest.fixture
def fake_manifest(monkeypatch):
    """A stand-in radiogenomics.manifest whose read_manifest() gives 3 frozen folds labelled 1..3."""
    cases = cohort(9)
    table = cases.assign(fold=[1, 2, 3] * 3)
    module = types.ModuleType("radiogenomics.manifest")
    module.read_manifest = lambda path=None: table
    monkeypatch.setitem(sys.modules, "radiogenomics.manifest", module)
    return cases, table


def test_manifest_folds_used_for_its_cases(fake_manifest):
    cases, table = fake_manifest
    subset = cases.iloc[:7]  # a subset of the manifest's cases: the folds of the cases present
    plan = make_plan(subset, k=3, seed=0)
    assert plan.source == "manifest"
    label = dict(zip(table["case"], table["fold"], strict=True))
    for fold in plan.folds:  # labels 1..3 become folds 0..2
        assert set(fold.test) == {c for c in subset["case"] if label[c] == fold.fold + 1}


def test_manifest_other_k_falls_back_or_refuses(fake_manifest):
    cases, _ = fake_manifest
    plan = make_plan(cases, k=2, seed=0)
    assert plan.source == "seeded" and "frozen splits of 3 folds" in plan.note
    with pytest.raises(InputError, match="LGG manifest has frozen splits of 3 folds; use --folds 3"):
        make_plan(cases, k=2, split="manifest")


def test_manifest_coarser_split_is_used_for_its_k(fake_manifest, monkeypatch):
    cases, table = fake_manifest
    coarse = table.assign(fold2=[0, 1, 1] * 3)  # folds 1 | 2+3
    monkeypatch.setattr(sys.modules["radiogenomics.manifest"], "read_manifest", lambda path=None: coarse)
    plan = make_plan(cases, k=2, seed=0)
    assert plan.source == "manifest" and "frozen 2-fold split" in plan.note
    assert set(plan.folds[0].test) == set(table["case"][table["fold"] == 1])
    assert make_plan(cases, k=3, seed=0).folds[0].test == plan.folds[0].test  # the finer split still there
    with pytest.raises(InputError, match="frozen splits of 2 or 3 folds; use --folds 3"):
        make_plan(cases, k=4, split="manifest")


def test_run_on_another_split_is_refused(fake_manifest, tmp_path):
    cases, _ = fake_manifest
    path = tmp_path / "folds.json"
    write_json(path, make_plan(cases, k=3, split="seeded", seed=5).to_json())
    with pytest.raises(InputError, match="not the LGG manifest's frozen 3-fold split.*new --out"):
        load_or_make_plan(path, cases, k=3)
    assert load_or_make_plan(path, cases, k=3, split="seeded").source == "seeded"  # the fix it names
    frozen = tmp_path / "frozen.json"
    assert load_or_make_plan(frozen, cases, k=3).source == "manifest"
    assert load_or_make_plan(frozen, cases, k=3) == load_or_make_plan(frozen, cases, k=3)  # read back


def test_cases_outside_manifest_are_seeded(fake_manifest):
    assert make_plan(cohort(9, institutions=("ZZ",)), k=3).source == "seeded"
    with pytest.raises(InputError, match="not all in the LGG manifest"):
        make_plan(cohort(9, institutions=("ZZ",)), k=3, split="manifest")


# --- the config ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"size": 100}, "--size is 100; expected a multiple of 2\\*\\*depth = 16"),
        ({"folds": 1}, "--folds is 1"),
        ({"loss": "focal"}, "--loss is 'focal'"),
        ({"batch_size": 1}, "batch norm needs 2"),
        ({"inner_val": 1.0}, "--inner-val is 1.0"),
        ({"aug_scale": 1.0}, "aug_scale is 1.0; expected in \\[0, 1\\)"),
        ({"connectivity": 8}, "connectivity is 8; expected 6, 18 or 26"),
        ({"aug_modality_dropout": 1.5}, "--aug-modality-dropout is 1.5; expected a probability"),
        ({"inner_val_min": 0}, "--inner-val-min is 0; expected at least 1"),
        ({"keep_components": -0.1}, "--keep-components is -0.1; expected a fraction of the largest"),
        ({"epochs": 5, "average_last": 6}, "--average-last is 6; expected 0 to --epochs \\(5\\)"),
        ({"average_last": 3, "inner_val": 0.2}, "--average-last is 3; expected 0 when --inner-val chooses"),
    ],
)
def test_config_validation(kwargs, match):
    with pytest.raises(InputError, match=match):
        TrainConfig(**kwargs)


def test_config_json_round_trip_and_differences():
    config = TrainConfig(epochs=3, percentiles=[5, 95])
    again = TrainConfig.from_json(config.to_json())
    assert again == config and again.percentiles == (5.0, 95.0)
    assert TrainConfig().differences(config) == ["epochs: 30 → 3", "percentiles: [10.0, 99.0] → [5.0, 95.0]"]
    with pytest.raises(InputError, match="unknown setting\\(s\\) colour"):
        TrainConfig.from_json({**config.to_json(), "colour": 1})
    assert TrainConfig.from_json({**config.to_json(), "prior": 0.01}) == config  # retired: never applied


def test_config_messages_name_only_flags_that_rg_train_has():
    import re

    from cli.train import train
    from segmentation import config as module

    flags = set(re.findall(r'"(--[a-z-]+)"', Path(module.__file__).read_text()))
    options = {name for param in train.params for name in param.opts}
    assert flags and flags <= options, sorted(flags - options)
