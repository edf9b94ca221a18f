"""Pre-registered families of hypotheses: a CSV file of (feature, label) pairs, or the study's preset.

The study2019 preset
--------------------
Buda, Saha & Mazurowski (2019) ran "the Fisher exact test for 10 hypotheses for each pair of imaging
feature and genomic subtype", Bonferroni-corrected (α = 0.05 / 10 = 0.005), but the abstract does not
list the ten pairs. What it does say:

* three features: ASD and MF (2D, largest tumour slice) and BEVR (3D);
* genomic clusters "based on IDH mutation and 1p/19q co-deletion, DNA methylation, gene expression, DNA
  copy number, and microRNA expression" — in the data table: OncosignCluster, MethylationCluster,
  RNASeqCluster, CNCluster, miRNACluster; the table's other two columns are COCCluster (the cluster of
  clusters, which integrates those assays) and RPPACluster (protein, not named, so left out);
* results: RNASeqCluster × BEVR and RNASeqCluster × MF significant; BEVR nominally associated with
  *every subtype tested*; ASD × RNASeqCluster nominal.

Our reconstruction (10 pairs):

* BEVR × each of the six subtype columns other than RPPA (6 pairs): "every subtype tested" means BEVR
  was paired with all of them;
* ASD and MF × RNASeqCluster (2 pairs): both are reported;
* ASD and MF × COCCluster (2 pairs): the group's pilot study (Mazurowski et al., SPIE Medical Imaging
  2017) found the cluster of clusters associated with the 2D shape (ASD) as well as BEVR, which makes COC
  the other subtype a 2D hypothesis would have been registered for.

It is a reconstruction, not the study's list: the full exploratory table (every feature × every cluster
column, Benjamini–Hochberg) is always reported beside it, so any other family of ten can be read off,
and ``--hypotheses FILE`` registers any family.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from radiogenomics.errors import InputError
from radiogenomics.names import close_names, unknown_name


class Hypothesis(NamedTuple):
    """One pre-registered pair: a feature column and a label (cluster) column."""

    feature: str
    label: str


@dataclass(frozen=True)
class Family:
    """A pre-registered family of hypotheses and where it came from (a file path or a preset name)."""

    name: str
    pairs: tuple[Hypothesis, ...]
    source: str


STUDY2019 = Family(
    name="study2019",
    pairs=(
        Hypothesis("BEVR", "RNASeqCluster"),
        Hypothesis("BEVR", "MethylationCluster"),
        Hypothesis("BEVR", "CNCluster"),
        Hypothesis("BEVR", "miRNACluster"),
        Hypothesis("BEVR", "OncosignCluster"),
        Hypothesis("BEVR", "COCCluster"),
        Hypothesis("MF", "RNASeqCluster"),
        Hypothesis("ASD", "RNASeqCluster"),
        Hypothesis("MF", "COCCluster"),
        Hypothesis("ASD", "COCCluster"),
    ),
    source="preset study2019 (Buda et al. 2019, family reconstructed: see radiogenomics.stats.hypotheses)",
)

#: Named presets: ``--preset NAME``.
PRESETS = {"study2019": STUDY2019}

#: The study's settings that go with its family: Fisher's exact test on median splits, Bonferroni, α 0.05
#: family-wise (0.005 per test).
STUDY2019_TESTS = ("fisher",)
STUDY2019_CORRECTION = "bonferroni"


def preset(name: str) -> Family:
    """The named preset family; InputError for an unknown name."""
    if name not in PRESETS:
        raise InputError(f"--preset: unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[name]


def read_hypotheses(path: str | Path) -> Family:
    """Read a hypotheses CSV with columns ``feature`` and ``label`` (one pair per row; others ignored).

    Raises
    ------
    InputError
        Unreadable file, missing columns, blank cells, or no rows.
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", skipinitialspace=True)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(
            f"{path}: cannot read the hypotheses file ({reason}); give a CSV feature,label"
        ) from err
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("feature", "label") if c not in frame.columns]
    if missing:
        close = [c for m in missing for c in close_names(m, frame.columns)]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InputError(
            f"{path}: no {' or '.join(repr(m) for m in missing)} column{hint} (found {', '.join(frame.columns)}); "
            "a hypotheses file has the header feature,label"
        )
    frame = frame[["feature", "label"]].apply(lambda column: column.str.strip())
    blank = frame.isna().any(axis=1) | (frame == "").any(axis=1)
    if blank.any():
        rows = ", ".join(str(i + 2) for i in frame.index[blank][:5])
        raise InputError(f"{path}: blank feature or label on line(s) {rows}; fill or remove them")
    if frame.empty:
        raise InputError(f"{path}: no hypotheses; add rows feature,label")
    pairs = tuple(dict.fromkeys(Hypothesis(f, lab) for f, lab in frame.itertuples(index=False)))
    return Family(name=path.stem, pairs=pairs, source=str(path))


def resolve_name(name: str, available, *, what: str, where: str) -> str:
    """Match ``name`` to a column: exactly, else case-insensitively if that is unique.

    Raises
    ------
    InputError
        Naming ``what`` (e.g. "feature"), ``where`` (the table or option) and the columns available.
    """
    available = list(available)
    if name in available:
        return name
    folded = [column for column in available if column.lower() == name.lower()]
    if len(folded) == 1:
        return folded[0]
    raise InputError(unknown_name(name, available, where=where, what=what))
