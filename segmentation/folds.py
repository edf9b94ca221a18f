"""Patient-level k-fold splits: the LGG manifest's frozen folds, or a seeded split; inner validation.

A split is made once and written to ``RUN/folds.json``; later calls (other folds, resumes, the final
gathering call) read it back, so every process of a run sees the same split. All cases of a patient are
always in one fold. Inside each training fold an inner validation set of whole patients chooses the
checkpoint; the test fold never touches training or selection.
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from radiogenomics.atomic import write_json
from radiogenomics.errors import InputError

SPLITS = ("auto", "manifest", "seeded")
#: The fold that trains on every case (nnU-Net's ``all``): no test cases, no inner validation, last epoch.
ALL = "all"


@dataclass(frozen=True)
class Fold:
    """One fold: the cases it tests, and the cases its model trains and selects its checkpoint on."""

    fold: int | str  # 0 … k-1, or ALL
    test: tuple[str, ...]
    train: tuple[str, ...]
    inner_val: tuple[str, ...]


@dataclass(frozen=True)
class FoldPlan:
    """A run's split: where it came from, and its folds (numbered 0 … k-1)."""

    source: str  # "manifest" or "seeded"
    k: int
    seed: int
    cases: tuple[str, ...]
    folds: tuple[Fold, ...]
    note: str = ""

    def to_json(self) -> dict:
        return asdict(self)

    def every_case(self) -> Fold:
        """The :data:`ALL` fold: every case of the plan trains, none is tested."""
        return Fold(ALL, (), self.cases, ())

    @classmethod
    def from_json(cls, data: dict) -> "FoldPlan":
        folds = tuple(
            Fold(f["fold"], tuple(f["test"]), tuple(f["train"]), tuple(f["inner_val"])) for f in data["folds"]
        )
        return cls(data["source"], data["k"], data["seed"], tuple(data["cases"]), folds, data.get("note", ""))


def manifest_folds(cases: pd.DataFrame, k: int) -> tuple[dict[str, int], list[int]] | list[int] | None:
    """The LGG manifest's frozen ``k``-fold split of the cases, if every case is in the manifest.

    The manifest holds its 22 folds in column ``fold`` and coarser frozen splits in columns ``fold<k>``
    (``fold5``: each test fold a union of whole folds of the 22, see
    :func:`radiogenomics.manifest.coarser_folds`).

    Parameters
    ----------
    cases : DataFrame
        Column ``case`` (case folder names).
    k : int
        Number of folds wanted.

    Returns
    -------
    (dict, list), list or None
        Case name → fold label and every fold label of that split (sorted), when the manifest has a
        ``k``-fold split; the fold counts it has (sorted) when it has none of ``k``; None when the manifest
        is not installed or lacks a case.
    """
    try:
        from radiogenomics.manifest import read_manifest
    except ImportError:
        return None
    try:
        table = read_manifest()
    except (InputError, FileNotFoundError):
        return None
    if "fold" not in table.columns or "case" not in table.columns:
        return None
    if not set(cases["case"]) <= set(table["case"].astype(str)):
        return None
    splits = {int(table["fold"].nunique()): "fold"}
    splits |= {int(table[c].nunique()): c for c in table.columns if c.startswith("fold") and c[4:].isdigit()}
    if k not in splits:
        return sorted(splits)
    labels = dict(zip(table["case"].astype(str), table[splits[k]], strict=True))
    return {case: int(labels[case]) for case in cases["case"]}, sorted({int(f) for f in table[splits[k]]})


def _patients(cases: pd.DataFrame) -> pd.DataFrame:
    """One row per patient (sorted): its institution and its cases."""
    return (
        cases.groupby("patient", sort=True)
        .agg(institution=("institution", "first"), cases=("case", lambda c: tuple(sorted(c))))
        .reset_index()
    )


def seeded_assignment(cases: pd.DataFrame, *, k: int, seed: int) -> dict[str, int]:
    """Assign patients to ``k`` folds at random, balanced per institution; every case follows its patient.

    Patients are shuffled with ``numpy.random.default_rng(seed)``, grouped by institution (stable), and
    dealt round-robin from a random starting fold, so fold sizes differ by at most one and each
    institution is spread over the folds.

    Returns
    -------
    dict
        Case name → fold in 0 … k-1.
    """
    patients = _patients(cases)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(patients))
    shuffled = patients.iloc[order].reset_index(drop=True)
    shuffled = shuffled.sort_values("institution", kind="stable").reset_index(drop=True)
    start = int(rng.integers(k))
    assignment = {}
    for position, row in shuffled.iterrows():
        for case in row["cases"]:
            assignment[case] = (start + position) % k
    return assignment


def inner_split(
    train_cases: list[str], cases: pd.DataFrame, *, fraction: float, seed: int, minimum: int = 1
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split a training fold's cases into (train, inner validation) by patient.

    With :math:`n` patients and ``fraction > 0``,
    :math:`\\max(\\mathrm{round}(fraction \\cdot n), \\min(minimum, \\lfloor n / 5 \\rfloor), 1)` patients go
    to inner validation (``minimum`` never takes more than a fifth of them; one is always left to train
    on, and none is held out of a single patient), chosen with ``numpy.random.default_rng(seed)``.
    """
    subset = cases[cases["case"].isin(train_cases)]
    patients = sorted(subset["patient"].unique())
    n_val = 0
    if fraction > 0 and len(patients) >= 2:
        wanted = max(round(fraction * len(patients)), min(minimum, len(patients) // 5), 1)
        n_val = min(wanted, len(patients) - 1)
    rng = np.random.default_rng(seed)
    chosen = set(rng.choice(patients, size=n_val, replace=False).tolist()) if n_val else set()
    val = subset["patient"].isin(chosen)
    return tuple(sorted(subset["case"][~val])), tuple(sorted(subset["case"][val]))


def make_plan(
    cases: pd.DataFrame,
    *,
    k: int,
    seed: int = 0,
    split: str = "auto",
    inner_val: float = 0.1,
    inner_val_min: int = 1,
) -> FoldPlan:
    """Make a run's split.

    Parameters
    ----------
    cases : DataFrame
        Columns ``case``, ``patient``, ``institution``: the cases of the data folder.
    k : int
        Number of folds (at least 2, at most the number of patients).
    seed : int
        Seed of the patient split and of the inner validation splits.
    split : {"auto", "manifest", "seeded"}
        "manifest": the LGG manifest's frozen folds (every case must be in it, and ``k`` must be its
        number of folds; folds without a case present are kept, empty); "seeded": a seeded patient-level
        split; "auto": the manifest's when it applies, else seeded.
    inner_val : float
        Fraction of each training fold's patients held out for inner validation.
    inner_val_min : int
        At least this many inner validation patients, up to a fifth of the fold's (see :func:`inner_split`).

    Returns
    -------
    FoldPlan
    """
    if split not in SPLITS:
        raise InputError(f"--split is {split!r}; expected one of {', '.join(SPLITS)}")
    n_patients = cases["patient"].nunique()
    if k < 2:
        raise InputError(f"--folds is {k}; cross-validation needs at least 2 folds")
    if n_patients < k:
        raise InputError(
            f"--folds is {k} but the data holds {n_patients} patient(s); use --folds {max(2, n_patients)} "
            "or fewer, or add cases"
        )
    assignment, source, note = None, "seeded", ""
    if split in ("auto", "manifest"):
        found = manifest_folds(cases, k)
        if isinstance(found, tuple):
            frozen, labels = found
            number = {label: index for index, label in enumerate(labels)}
            assignment, source = {case: number[label] for case, label in frozen.items()}, "manifest"
            note = f"the LGG manifest's frozen {k}-fold split (labels {labels[0]}…{labels[-1]} → 0…{k - 1})"
        elif found is not None:
            counts = " or ".join(str(n) for n in found)
            if split == "manifest":
                raise InputError(f"--folds is {k} but the LGG manifest has frozen splits of {counts} folds; "
                                 f"use --folds {found[-1]}")  # fmt: skip
            note = f"the LGG manifest has frozen splits of {counts} folds, not {k}: a seeded split instead"
        elif split == "manifest":
            raise InputError(
                "--split manifest: the data's cases are not all in the LGG manifest; use --split seeded"
            )
    if assignment is None:
        assignment = seeded_assignment(cases, k=k, seed=seed)
        note = note or f"seeded patient-level split (seed {seed}), balanced per institution"
    folds = []
    for fold in range(k):
        test = sorted(c for c, f in assignment.items() if f == fold)
        rest = sorted(c for c, f in assignment.items() if f != fold)
        train, val = inner_split(
            rest, cases, fraction=inner_val, seed=seed * 1000 + fold, minimum=inner_val_min
        )
        folds.append(Fold(fold, tuple(test), train, val))
    return FoldPlan(source, k, seed, tuple(sorted(cases["case"])), tuple(folds), note)


def load_or_make_plan(path: Path, cases: pd.DataFrame, *, k: int, write: bool = True, **options) -> FoldPlan:
    """Read the split at ``path`` (``RUN/folds.json``) or make it with :func:`make_plan` (and write it once).

    An existing split must be for the same cases and number of folds, and, where the LGG manifest has a frozen
    split of ``k`` folds for these cases (and ``split`` is not "seeded"), must be that split:
    :class:`InputError` otherwise. With
    ``write=False`` a new split is returned without being written.
    """
    path = Path(path)
    if path.exists():
        try:
            plan = FoldPlan.from_json(json.loads(path.read_text()))
        except (ValueError, KeyError, TypeError) as err:
            raise InputError(
                f"{path}: not a readable split ({err}); delete the run folder to start fresh"
            ) from err
        present = set(cases["case"])
        if set(plan.cases) != present:
            missing, new = set(plan.cases) - present, present - set(plan.cases)
            raise InputError(
                f"{path}: the run was split for other cases ({len(missing)} missing from DATA, {len(new)} new, "
                f"e.g. {sorted(missing | new)[0]}); give the same DATA or a new --out"
            )
        if plan.k != k:
            raise InputError(
                f"{path}: the run was split into {plan.k} folds; use --folds {plan.k} or a new --out"
            )
        frozen = make_plan(cases, k=k, **options)
        if frozen.source == "manifest" and [f.test for f in plan.folds] != [f.test for f in frozen.folds]:
            raise InputError(
                f"{path}: the run's test folds are not the LGG manifest's frozen {k}-fold split, on which "
                "recipes are compared; give a new --out, or --split seeded to go on with this run's own split"
            )
        return plan
    plan = make_plan(cases, k=k, **options)
    if write:
        write_json(path, plan.to_json())
    return plan
