#!/bin/bash
# An oceancdr ensemble as one SLURM job: a Dask scheduler and one worker per task inside the
# allocation, and `oceancdr ensemble --scheduler` sending them the member batches.
#
#   sbatch docs/examples/ensemble_slurm.sh                        # defaults below
#   CONFIG=configs/my_site.yaml MEMBERS=1024 sbatch docs/examples/ensemble_slurm.sh
#
# Resubmitting the same job after a time-out resumes: finished members are kept in $OUT/members.
# On GPU nodes, ask for one task per GPU and raise the batch size (e.g. EXTRA="--batch-size 64").
#SBATCH --job-name=oceancdr-ensemble
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=16
#SBATCH --cpus-per-task=2
#SBATCH --time=04:00:00
#SBATCH --output=oceancdr-ensemble-%j.log
set -euo pipefail

CONFIG=${CONFIG:-configs/oae_box_ensemble.yaml}
MEMBERS=${MEMBERS:-512}
OUT=${OUT:-out/ensemble}
EXTRA=${EXTRA:-}
VENV=${VENV:-.venv}                                     # the environment of `make install`

source "$VENV/bin/activate"
export OCEANCDR_JAX_CACHE=${OCEANCDR_JAX_CACHE:-$PWD/.jax-cache}   # compile once, on the shared file system
SCHEDULER_FILE="$PWD/dask-scheduler-${SLURM_JOB_ID}.json"
rm -f "$SCHEDULER_FILE"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -f "$SCHEDULER_FILE"' EXIT

srun --nodes=1 --ntasks=1 --overlap dask scheduler --scheduler-file "$SCHEDULER_FILE" --no-dashboard &
while [ ! -s "$SCHEDULER_FILE" ]; do sleep 1; done
srun --overlap dask worker --scheduler-file "$SCHEDULER_FILE" --nworkers 1 --nthreads 1 --no-dashboard \
    --local-directory "${TMPDIR:-/tmp}" &

# shellcheck disable=SC2086
oceancdr ensemble "$CONFIG" --members "$MEMBERS" --out "$OUT" --scheduler "$SCHEDULER_FILE" --no-progress $EXTRA
