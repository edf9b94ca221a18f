"""Load and verify the real LGG cases that ship; print a table (targets on 2 cores: each under 5 s).

.venv/bin/python -m benchmarks.io_speed [--repeat 3]
"""

import argparse
import time

from benchmarks.lgg_data import lgg_root
from radiogenomics.case_io import iter_cases
from radiogenomics.manifest import verify_download


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each step; the best is shown")
    args = parser.parse_args()
    root = lgg_root() / "kaggle_3m"
    load, verify, slices = [], [], 0
    for _ in range(args.repeat):
        start = time.perf_counter()
        cases = 0
        slices = 0
        for case in iter_cases(root):
            cases += 1
            slices += len(case.slices)
        load.append(time.perf_counter() - start)
        start = time.perf_counter()
        report = verify_download(root, partial=True)
        verify.append(time.perf_counter() - start)
    print(f"{'step':<34}{'best s':>8}{'target s':>10}{'rate':>18}")
    print(
        f"{f'load {cases} cases (images + masks)':<34}{min(load):>8.2f}{5:>10}{cases / min(load):>12.1f} case/s"
    )
    print(
        f"{'verify against the manifest':<34}{min(verify):>8.2f}{5:>10}{slices * 2 / min(verify):>12.0f} file/s"
    )
    print(
        f"({cases} cases, {slices} slices; verify: {report.count('intact')} intact, {report.count('missing')} missing)"
    )


if __name__ == "__main__":
    main()
