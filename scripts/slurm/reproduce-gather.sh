#!/bin/bash
#SBATCH --job-name=rg-gather
# rg reproduce after its array (reproduce-array.sh): gathers the folds (training any left), then evaluates,
# computes features, agreement, associations, OUT/summary.csv and OUT/index.html.
#   sbatch --dependency=afterok:ARRAY_JOB_ID scripts/slurm/reproduce-gather.sh DATA OUT [RG REPRODUCE OPTIONS]
# with the array's DATA, OUT and options. RG: as in reproduce-array.sh.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: sbatch --dependency=afterok:ARRAY_JOB_ID reproduce-gather.sh DATA OUT [rg reproduce options]" >&2
  exit 2
fi
data=$1 out=$2
shift 2
if [ -n "${RG:-}" ]; then rg=$RG; elif [ -x .venv/bin/rg ]; then rg=.venv/bin/rg; else rg=rg; fi
exec "$rg" reproduce "$data" --out "$out" ${SLURM_CPUS_PER_TASK:+--threads "$SLURM_CPUS_PER_TASK"} "$@" -q
