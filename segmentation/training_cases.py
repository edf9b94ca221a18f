"""Which cases a model was trained on, so that its scores on them are not read as accuracy.

A shipped model's card lists its training cases (``training.case_list``). ``rg segment`` with such a model
marks each case ``in_training`` (true/false) in ``cases.csv`` and records the list in ``segment.json``
(``training_cases``: source, count, cases); ``rg evaluate`` reads that record from PRED, or
``--training-cases FILE`` (a CSV with a ``case`` column, or a model card), marks ``per_case.csv`` and
summarises every metric over all cases and over the cases not in training.

A case is a training case when its name is on the list or, for TCGA names (``TCGA_<inst>_<id>_<date>``),
when its patient is a listed case's patient: another scan of a training patient is in-sample too.

Models without a list (run folders of ``rg train``, plain model files) mark nothing: no ``in_training``
column, no ``training_cases`` entry, summaries as before. No torch here (``rg evaluate`` starts fast).
"""

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from radiogenomics.case_io import parse_case_name
from radiogenomics.errors import InputError


@dataclass(frozen=True)
class TrainingCases:
    """The cases a model was trained on, and where that list comes from.

    Attributes
    ----------
    source : str
        E.g. ``"model card lgg-flair"`` or the file given to ``--training-cases``.
    cases : tuple of str
        Case names (folder names of the Kaggle layout), sorted.
    """

    source: str
    cases: tuple[str, ...]

    def marks(self, names) -> list[bool]:
        """Per name: whether that case (or, for TCGA names, its patient) was trained on."""
        listed = set(self.cases)
        patients = {parse_case_name(c)[0] for c in self.cases}
        return [name in listed or parse_case_name(name)[0] in patients for name in map(str, names)]

    def to_json(self) -> dict:
        """``{"source", "count", "cases"}``, as ``segment.json`` records it."""
        return {"source": self.source, "count": len(self.cases), "cases": list(self.cases)}


def from_card(card: dict, name: str) -> TrainingCases | None:
    """The training list of a model card (``training.case_list``), or None when the card has none."""
    cases = (card.get("training") or {}).get("case_list")
    if not cases:
        return None
    return TrainingCases(f"model card {name}", tuple(sorted(map(str, cases))))


def for_models(sha256s) -> TrainingCases | None:
    """The training list of the shipped model whose card names these weight files (by sha256), else None.

    Found by hash, so a shipped model counts whether given by name or by the path of its weight files;
    models of several cards get the union of their lists.
    """
    from segmentation.model_files import shipped_models

    wanted = set(sha256s)
    found = [
        lists
        for name, card in shipped_models().items()
        if wanted & {item.get("sha256") for item in card.get("files", [])}
        and (lists := from_card(card, name)) is not None
    ]
    if not found:
        return None
    cases = sorted({c for item in found for c in item.cases})
    return TrainingCases(" + ".join(item.source for item in found), tuple(cases))


def read_training_cases(path: str | Path) -> TrainingCases:
    """``--training-cases FILE``: a CSV whose ``case`` column lists them, or a JSON model card
    (``training.case_list``) or ``segment.json`` (``training_cases.cases``).

    Raises
    ------
    InputError
        Unreadable file, or no list in it; naming the file and what it should hold.
    """
    path = Path(path)
    expected = "give a CSV with a 'case' column, or a model card (rg models NAME --out card.json)"
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            listed = (data.get("training") or {}).get("case_list") or (data.get("training_cases") or {}).get(
                "cases"
            )
        else:
            table = pd.read_csv(path, dtype=str)
            listed = table["case"].dropna().str.strip().tolist() if "case" in table.columns else None
    except (OSError, UnicodeDecodeError, ValueError, AttributeError, pd.errors.ParserError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(f"--training-cases {path}: cannot read it ({reason}); {expected}") from err
    cases = sorted({str(c) for c in listed or () if str(c)})
    if not cases:
        what = (
            "no 'case' column"
            if listed is None and path.suffix.lower() != ".json"
            else "lists no training case"
        )
        raise InputError(f"--training-cases {path}: {what}; {expected}")
    return TrainingCases(str(path), tuple(cases))


def recorded_training_cases(prediction: str | Path) -> TrainingCases | None:
    """What ``rg segment`` recorded in the masks folder PRED: ``segment.json``'s ``training_cases``, else
    the cases marked true in the ``in_training`` column of ``cases.csv``; None when neither is there."""
    prediction = Path(prediction)
    record_path = prediction / "segment.json"
    if record_path.is_file():
        try:
            record = json.loads(record_path.read_text(encoding="utf-8")).get("training_cases")
        except (ValueError, AttributeError) as err:
            raise InputError(
                f"{record_path}: not valid JSON ({err}); rerun rg segment, or give --training-cases FILE"
            ) from err
        if record and record.get("cases"):
            return TrainingCases(record.get("source") or str(record_path), tuple(sorted(record["cases"])))
    table_path = prediction / "cases.csv"
    if table_path.is_file():
        table = pd.read_csv(table_path, dtype=str, keep_default_na=False)
        if "in_training" in table.columns and "case" in table.columns:
            marked = table.loc[table["in_training"].str.lower() == "true", "case"].tolist()
            if marked:
                return TrainingCases(str(table_path), tuple(sorted(marked)))
    return None
