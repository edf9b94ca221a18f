#!/bin/bash
#SBATCH --job-name=rg-reproduce
#SBATCH --array=0-2
# rg reproduce, one fold per array task: each task trains fold $SLURM_ARRAY_TASK_ID and stops.
#   sbatch [SBATCH OPTIONS] scripts/slurm/reproduce-array.sh DATA OUT [RG REPRODUCE OPTIONS]
# Submit from the repository root. The array must number the folds: 0-2 for the fast preset (above);
# the paper preset's 22 folds: sbatch --array=0-21 --cpus-per-task=8 --gres=gpu:1 ... --preset paper.
# Then gather with reproduce-gather.sh, the same DATA, OUT and options, --dependency=afterok:<this job>.
# RG: the rg to run [default: .venv/bin/rg in the submitting folder, else rg on PATH].
set -euo pipefail
if [ $# -lt 2 ] || [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
  echo "usage: sbatch --array=0-<folds-1> reproduce-array.sh DATA OUT [rg reproduce options]" >&2
  exit 2
fi
data=$1 out=$2
shift 2
if [ -n "${RG:-}" ]; then rg=$RG; elif [ -x .venv/bin/rg ]; then rg=.venv/bin/rg; else rg=rg; fi
exec "$rg" reproduce "$data" --out "$out" ${SLURM_CPUS_PER_TASK:+--threads "$SLURM_CPUS_PER_TASK"} \
  "$@" --fold "$SLURM_ARRAY_TASK_ID" -q
