"""Build ``lgg_kaggle_3m.csv`` and ``lgg_kaggle_3m.sha256.gz`` from the shared LGG data.

Run once; the outputs are frozen in the repository::

    python data_manifests/build_lgg_manifest.py ../shared/data/lgg

Inputs: ``SHA256SUMS`` (every file of the public download) and the manual masks of all 110 cases
(``archives/masks.tar.xz``, unpacked with the data's own ``unpack`` script into a temporary folder).

Per case: patient and institution from the folder name, slices from the mask files, tumour voxels from
the masks, digest from SHA256SUMS (see ``radiogenomics.manifest.case_digest``).

Folds (22-fold patient-level CV, 5 patients a fold), by a seeded rule that balances institution and
tumour volume:

``radiogenomics.manifest.assign_folds`` with seed 2019: institutions ordered largest first, patients
within one by tumour voxels, the sequence cut into 5 blocks of 22, each block dealt to the 22 folds in a
seeded random order. Every fold thus gets exactly one patient from each block: similar institution mixes
and a spread of tumour sizes.

A coarser frozen split, ``fold5`` (5 folds of 20–25 patients, 85–90 training patients a fold): fold ``f`` of
the 22 goes to ``f mod 5`` (``radiogenomics.manifest.coarser_folds``), so every test fold is a union of whole
folds of the 22 and keeps their balance.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from radiogenomics.case_io import iter_cases
from radiogenomics.manifest import assign_folds, coarser_folds, manifest_row, read_sha256sums, write_manifest

SEED = 2019
FOLDS = 22
#: Coarser frozen splits, each test fold a union of whole folds of the 22 (column ``fold<k>``).
COARSER = (5,)
HERE = Path(__file__).resolve().parent


def build(shared: Path, out: Path = HERE) -> pd.DataFrame:
    sums = read_sha256sums(shared / "SHA256SUMS")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([str(shared / "unpack"), tmp, "--masks"], check=True, capture_output=True)
        rows = []
        for case in iter_cases(Path(tmp) / "manual_masks", images=False):
            case_sums = {p: h for p, h in sums.items() if p.startswith(f"{case.name}/")}
            rows.append(manifest_row(case, case_sums))
    table = pd.DataFrame(rows)
    table["fold"] = assign_folds(table, folds=FOLDS, seed=SEED)
    for k in COARSER:
        table[f"fold{k}"] = coarser_folds(table["fold"], k=k)
    write_manifest(out / "lgg_kaggle_3m.csv", table, sums)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", type=Path, help="the shared LGG data folder (../shared/data/lgg)")
    args = parser.parse_args(argv)
    table = build(args.shared.resolve())
    print(table.groupby("fold")["institution"].agg(lambda s: "".join(sorted(s.str[0]))).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
