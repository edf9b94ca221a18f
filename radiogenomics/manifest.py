"""Dataset manifests and checking a download against one (``rg data verify``).

A manifest is a CSV with one row per case: ``case, patient, institution, slices, digest, tumour_voxels,
fold``. ``digest`` is the sha256 of the case's lines of a ``sha256sum`` listing (``<sha256>  <case>/<file>``
per file, sorted by path, each ending in a newline), so it changes when any file of the case changes. A
gzipped ``sha256sum`` listing beside the manifest (same stem, ``.sha256.gz``), when present, lets
``verify`` name the changed files too.

A case folder holds ``<case>_<n>.tif`` and ``<case>_<n>_mask.tif`` for n = 1..slices.
"""

import gzip
import hashlib
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from radiogenomics.atomic import atomic_path, write_csv
from radiogenomics.errors import InputError

MANIFEST_COLUMNS = ("case", "patient", "institution", "slices", "digest", "tumour_voxels", "fold")
STATUSES = ("intact", "missing", "incomplete", "changed", "unexpected")


def read_manifest(path: str | Path | None = None) -> pd.DataFrame:
    """Read a manifest (default: the public LGG dataset's), indexed by case."""
    if path is None:
        from data_manifests import LGG_MANIFEST

        path = LGG_MANIFEST
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype={"case": str, "patient": str, "institution": str, "digest": str})
    except (OSError, pd.errors.ParserError, ValueError) as err:
        raise InputError(f"{path}: cannot read the manifest ({err}); give a manifest CSV") from err
    missing = [c for c in MANIFEST_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: manifest lacks columns {missing}; expected {', '.join(MANIFEST_COLUMNS)}")
    return frame.set_index("case", drop=False)


def read_sha256sums(path: str | Path) -> dict[str, str]:
    """Read a ``sha256sum`` listing (plain or ``.gz``): relative path -> hex digest."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return {line[66:].rstrip("\n"): line[:64] for line in handle if line.strip()}


def case_digest(sums: dict[str, str]) -> str:
    """The digest of one case from its files' sha256 (relative path -> hex), as the manifest holds it."""
    text = "".join(f"{sums[p]}  {p}\n" for p in sorted(sums))
    return hashlib.sha256(text.encode()).hexdigest()


def expected_files(case: str, slices: int) -> list[str]:
    """The files a complete case folder holds, relative to the dataset root."""
    return [f"{case}/{case}_{n}{kind}.tif" for n in range(1, slices + 1) for kind in ("", "_mask")]


def assign_folds(table: pd.DataFrame, *, folds: int, seed: int) -> pd.Series:
    """Patient-level folds that balance institution and tumour volume, by a seeded rule.

    1. order institutions by number of patients, largest first (ties by name);
    2. within an institution, order patients by tumour voxels, smallest first (ties by patient id);
    3. cut that sequence into consecutive blocks of ``folds`` patients;
    4. give each block's patients the folds 0..folds-1 in an order drawn by
       ``numpy.random.default_rng(seed).permutation(folds)`` (one draw per block, in block order; the last,
       shorter block takes the first entries of its draw).

    Each fold gets at most one patient from each block, so fold sizes differ by at most one and every fold
    gets a similar institution mix and a spread of tumour sizes.

    Parameters
    ----------
    table : DataFrame
        One row per patient with columns ``patient``, ``institution``, ``tumour_voxels``.
    """
    if not 2 <= folds <= len(table):
        raise InputError(f"--folds {folds}: need between 2 and {len(table)} (the number of patients)")
    sizes = table["institution"].value_counts()
    rank = table["institution"].map({inst: (-n, inst) for inst, n in sizes.items()})
    order = table.assign(_rank=rank).sort_values(["_rank", "tumour_voxels", "patient"]).index
    rng = np.random.default_rng(seed)
    fold = pd.Series(-1, index=table.index, name="fold")
    for start in range(0, len(order), folds):
        block = order[start : start + folds]
        fold[block] = rng.permutation(folds)[: len(block)]
    return fold


def coarser_folds(fold: pd.Series, *, k: int) -> pd.Series:
    """A k-fold split whose every test fold is a union of whole folds of a finer one: fold ``f`` goes to ``f mod k``.

    With the LGG manifest's 22 folds (5 patients each, each fold one patient of each institution-and-volume
    block, see :func:`assign_folds`) and k = 5, the folds 0, 5, 10, 15, 20 make fold 0, and so on: 25, 25, 20,
    20 and 20 patients, and no test fold splits one of the study's folds.
    """
    finer = int(fold.max()) + 1
    if not 2 <= k < finer:
        raise InputError(f"--folds {k}: a coarser split of {finer} folds needs between 2 and {finer - 1}")
    return (fold.astype(int) % k).rename(f"fold{k}")


def manifest_row(case, case_sums: dict[str, str]) -> dict:
    """The manifest row of a case read with :func:`radiogenomics.case_io.read_case` (fold not yet set)."""
    return {
        "case": case.name,
        "patient": case.patient,
        "institution": case.institution,
        "slices": len(case.slices),
        "digest": case_digest(case_sums),
        "tumour_voxels": int(case.mask.sum()),
    }


def build_manifest(root: str | Path, *, folds: int = 5, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    """A manifest and a sha256 listing for every case folder and top-level file under ``root``."""
    from radiogenomics.case_io import iter_cases

    root = Path(root)
    sums = {
        p.name: sha256_file(p) for p in sorted(root.iterdir()) if p.is_file() and not p.name.startswith(".")
    }
    rows = []
    for case in iter_cases(root, images=False):
        case_sums = {
            f"{case.name}/{p.name}": sha256_file(p) for p in sorted(case.path.iterdir()) if p.is_file()
        }
        sums.update(case_sums)
        rows.append(manifest_row(case, case_sums))
    table = pd.DataFrame(rows)
    table["fold"] = assign_folds(table, folds=folds, seed=seed)
    return table, sums


def write_manifest(path: str | Path, table: pd.DataFrame, sums: dict[str, str]) -> Path:
    """Write a manifest CSV and, beside it, its gzipped sha256 listing (reproducible bytes), atomically.

    The listing is written first and the CSV last, so that the CSV's presence means both are complete
    (``rg demo`` skips the step when the CSV is there).
    """
    path = Path(path)
    listing = "".join(f"{sums[p]}  {p}\n" for p in sorted(sums)).encode()
    with atomic_path(path.with_suffix(".sha256.gz")) as tmp, open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as handle:
            handle.write(listing)
    coarser = [c for c in table.columns if c.startswith("fold") and c[4:].isdigit()]  # e.g. fold5
    write_csv(path, table[list(MANIFEST_COLUMNS) + sorted(coarser, key=lambda c: int(c[4:]))], index=False)
    return path


def sha256_file(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@dataclass(frozen=True)
class VerifyReport:
    """What ``verify_download`` found.

    ``cases`` has one row per manifest case plus one per unexpected folder: ``case, status, detail``.
    ``files`` maps ``missing``/``changed``/``unexpected`` to relative paths. ``meant``: where ROOT holds
    none of the manifest's cases but a folder below it does (the unzipped parent of ``kaggle_3m``), that
    folder: the one the user most likely meant.
    """

    root: Path
    cases: pd.DataFrame
    files: dict[str, list[str]] = field(default_factory=dict)
    partial: bool = False
    meant: Path | None = None

    def count(self, status: str) -> int:
        return int((self.cases["status"] == status).sum())

    @property
    def ok(self) -> bool:
        bad = {"incomplete", "changed", "unexpected"} | (set() if self.partial else {"missing"})
        loose = [f for k in ("changed", "unexpected") for f in self.files.get(k, []) if "/" not in f]
        missing_top = [f for f in self.files.get("missing", []) if "/" not in f]
        return not bad.intersection(self.cases["status"]) and not loose and not missing_top


def verify_download(
    root: str | Path, manifest: str | Path | None = None, *, partial: bool = False, jobs: int = 4
) -> VerifyReport:
    """Check a download folder against a manifest (default: the public LGG dataset, kaggle_3m).

    Parameters
    ----------
    root : path
        The dataset folder holding the case folders (``kaggle_3m``).
    manifest : path, optional
        A manifest CSV; its ``.sha256.gz`` sibling, when present, names changed files individually.
    partial : bool
        Accept missing cases (a partial download); incomplete or changed cases are never accepted.
    jobs : int
        Threads hashing files.
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"{root}: no such folder; give the dataset folder (kaggle_3m)")
    table = read_manifest(manifest)
    if manifest is None:
        from data_manifests import LGG_SHA256SUMS

        sums_path = LGG_SHA256SUMS
    else:
        sums_path = Path(manifest).with_suffix(".sha256.gz")
    sums = read_sha256sums(sums_path) if sums_path.exists() else {}

    present = {p.name for p in root.iterdir() if not p.name.startswith(".")}
    rows, files = [], defaultdict(list)
    to_hash: dict[str, list[str]] = {}
    extra: dict[str, list[str]] = {}
    for case, slices in zip(table["case"], table["slices"], strict=True):
        if case not in present:
            rows.append((case, "missing", ""))
            continue
        want = expected_files(case, int(slices))
        have = {f"{case}/{p.name}" for p in (root / case).iterdir() if not p.name.startswith(".")}
        lost = sorted(set(want) - have)
        extra[case] = sorted(have - set(want))
        files["unexpected"] += extra[case]
        if lost:
            files["missing"] += lost
            rows.append((case, "incomplete", f"{len(lost)} of {len(want)} files missing"))
        else:
            to_hash[case] = want
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        flat = [f for names in to_hash.values() for f in names]
        digests = dict(zip(flat, pool.map(lambda f: sha256_file(root / f), flat), strict=True))
    for case, want in to_hash.items():
        case_sums = {f: digests[f] for f in want}
        changed = [f for f in want if f in sums and sums[f] != case_sums[f]]
        files["changed"] += changed
        if case_digest(case_sums) != table.at[case, "digest"]:
            detail = f"{len(changed)} files differ" if changed else "contents differ from the manifest"
            rows.append((case, "changed", detail))
        elif extra[case]:
            rows.append((case, "unexpected", f"{len(extra[case])} unexpected files"))
        else:
            rows.append((case, "intact", ""))
    for name in sorted(present - set(table["case"])):
        path = root / name
        if path.is_dir():
            rows.append((name, "unexpected", "folder not in the manifest"))
        elif name in sums:
            if sha256_file(path) != sums[name]:
                files["changed"].append(name)
        else:
            files["unexpected"].append(name)
    for name in sorted(f for f in sums if "/" not in f and f not in present):
        files["missing"].append(name)
    cases = pd.DataFrame(rows, columns=["case", "status", "detail"])
    meant = None if present & set(table["case"]) else meant_folder(root, set(table["case"]))
    return VerifyReport(root, cases, dict(files), partial, meant)


def meant_folder(root: Path, names: set[str]) -> Path | None:
    """The folder one or two levels below ``root`` that holds the most case folders of ``names``
    (the first by name among equals), or None when none holds any; unreadable folders are passed over."""

    def folders(parent: Path) -> list[Path]:
        try:
            return sorted(p for p in parent.iterdir() if p.is_dir() and not p.name.startswith("."))
        except OSError:
            return []

    found = []
    for child in folders(root):
        for folder in [child, *folders(child)]:
            held = len(names.intersection(p.name for p in folders(folder)))
            if held:
                found.append((-held, str(folder), folder))
    return min(found)[2] if found else None


def _names(names: list[str], limit: int | None = 12) -> str:
    if limit is None or len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f", ... (+{len(names) - limit} more)"


def format_report(report: VerifyReport, *, details: bool = True) -> str:
    """A plain-text summary table of a :class:`VerifyReport`, then what is off."""
    lines = [f"{report.root}", f"{'status':<12}{'cases':>6}"]
    lines += [f"{status:<12}{report.count(status):>6}" for status in STATUSES]
    lines.append(f"{'total':<12}{len(report.cases):>6}")
    if details:
        for status in STATUSES[1:]:
            rows = report.cases[report.cases["status"] == status]
            if len(rows):
                lines.append(f"{status} cases: {_names(rows['case'].tolist(), None)}")
        for kind in ("missing", "changed", "unexpected"):
            names = report.files.get(kind, [])
            if names:
                lines.append(f"{kind} files: {_names(names)}")
    verdict = "ok" if report.ok else "NOT OK"
    if report.partial and report.count("missing") and report.ok:
        verdict += f" (partial: {report.count('missing')} cases missing)"
    lines.append(f"verdict: {verdict}")
    if report.meant is not None:
        lines.append(
            f"{report.root} holds none of the manifest's cases; did you mean {report.meant}? "
            f"(rg data verify {report.meant})"
        )
    return "\n".join(lines)
