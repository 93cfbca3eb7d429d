#!/bin/sh
# runners/slurm.sh -- submits an experiment to Slurm: a job array with one run per task, each
# task writing a store of its own (SQLite must not be shared over a network file system), then
# a job that folds the task stores into one (rmn-exp merge) and fuses the experiment's ensemble
# (rmn-exp fuse). The templates are runners/slurm/run.sbatch and merge.sbatch; docs/CLUSTER.md.
#
# usage: runners/slurm.sh EXPERIMENT [options] [-- rmn-exp run options, e.g. --data FILE --epochs N]
#   --dir DIR        stores, checkpoints and logs (default: slurm-EXPERIMENT in this directory):
#                    DIR/tasks/task-I.db, DIR/checkpoints/, DIR/logs/, the merged DIR/rmn.db
#   --cpus N         CPUs (OpenMP threads) per run (default 4)
#   --only MODEL     only the runs of this model (model_name or arch)
#   --ranks N        data-parallel ranks per run (default 1); N > 1 needs rmn built with MPI:
#                    each task then starts N ranks with --launcher
#   --launcher CMD   how ranks start: "srun" (default) or e.g. "mpirun -np N"
#   --local-store    each task writes its store on the node's local disk ($TMPDIR) and merges
#                    it into DIR/tasks/ when it ends (for file systems whose locks SQLite cannot
#                    trust, e.g. some NFS or Lustre mounts)
#   --sbatch OPTS    more sbatch options for both jobs (partition, time, account, ...)
#   --dry-run        print the sbatch commands instead of submitting them
# Environment: RMN_BIN (the programs; default src/ beside this script), SBATCH (default sbatch).
# Prints the two job ids. Exit 0 submitted, 1 error, 2 usage.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
usage() { sed -n '7,24p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
exp=$1; shift
dir=slurm-$(basename "$exp" .json) cpus=4 only='' ranks=1 launcher=srun local=0 extra='' dry=0
while [ $# -gt 0 ]; do
    case $1 in
    --dir) dir=${2:?--dir needs a directory}; shift 2 ;;
    --cpus) cpus=${2:?--cpus needs a number}; shift 2 ;;
    --only) only=${2:?--only needs a model}; shift 2 ;;
    --ranks) ranks=${2:?--ranks needs a number}; shift 2 ;;
    --launcher) launcher=${2:?--launcher needs a command}; shift 2 ;;
    --local-store) local=1; shift ;;
    --sbatch) extra=${2?--sbatch needs options}; shift 2 ;;
    --dry-run) dry=1; shift ;;
    --) shift; break ;;
    *) echo "slurm.sh: unknown option $1" >&2; usage ;;
    esac
done
case $cpus,$ranks in
*[!0-9,]* | ,* | *, | 0* | *,0*) echo "slurm.sh: --cpus and --ranks need positive integers" >&2; exit 2 ;;
esac
bin=$(cd "${RMN_BIN:-$here/../src}" && pwd)
sbatch=${SBATCH:-sbatch}

# The whole experiment is checked before anything is submitted; its runs become the array.
set -- ${only:+--only "$only"} "$@"
runs=$("$bin/rmn-exp" check "$exp" --runs "$@") || exit 1
[ -n "$runs" ] || { echo "slurm.sh: $exp has no run${only:+ of $only}" >&2; exit 1; }
array=$(echo "$runs" | awk '{ print $1 }' | paste -sd, -)
n=$(echo "$runs" | wc -l)
mkdir -p "$dir/tasks" "$dir/checkpoints" "$dir/logs"
dir=$(cd "$dir" && pwd)

# One run per task (run.sbatch), then the merge and the ensemble once every task has ended,
# whatever its outcome (afterany: the merged store holds what finished; rerunning this script
# resumes the rest, each task in its own store).
submit() {
    if [ "$dry" = 1 ]; then echo "$*" >&2; echo "DRYRUN"; else "$@"; fi
}
# the templates read these from the environment sbatch passes on (--export=ALL)
RMN_BIN=$bin RMN_LOCAL_STORE=$local RMN_LAUNCH=
[ "$ranks" -eq 1 ] || RMN_LAUNCH=$launcher
export RMN_BIN RMN_LOCAL_STORE RMN_LAUNCH
# shellcheck disable=SC2086 # $extra is a list of sbatch options
array_id=$(submit "$sbatch" --parsable --export=ALL --job-name="rmn-$(basename "$exp" .json)" \
    --array="$array" --ntasks="$ranks" --cpus-per-task="$cpus" --output="$dir/logs/%x-%A_%a.out" $extra \
    "$here/slurm/run.sbatch" "$exp" "$dir" "$@")
array_id=${array_id%%;*}
# shellcheck disable=SC2086
merge_id=$(submit "$sbatch" --parsable --export=ALL --job-name="rmn-merge" --dependency="afterany:$array_id" \
    --ntasks=1 --cpus-per-task=1 --output="$dir/logs/%x-%j.out" $extra \
    "$here/slurm/merge.sbatch" "$exp" "$dir")
merge_id=${merge_id%%;*}
echo "submitted $n run$([ "$n" -eq 1 ] || echo s) of $exp as job array $array_id (tasks $array), merge job $merge_id"
echo "stores: $dir/tasks/, merged into $dir/rmn.db; logs: $dir/logs/"
echo "$array_id $merge_id" >"$dir/jobs"
