#!/usr/bin/env bash
# gpu-multi-bench.sh: on a GPU machine with several GPUs, the strategy benchmark's multi-GPU mode (issue 16 item 4):
# every strategy the shape allows, one process per GPU started by `ringattn launch`, NCCL between the GPUs, each rank
# timing its fastest forward and backward (RingAttention.RankProbe time, transfers included); then the report
# (RingAttention.Benchmarks --from-times): a table per shape and N, and whether the heuristic picks the fastest.
# Writes ${OUT:-build/gpu-multi-bench}/timing.txt (every TIME line, with the machine) and timing.md.
#
# Environment:
#   CARRY   folder with cli/, probe/ and benchmarks/ (scripts/gpu-carry.sh); default .gpu-carry
#   GPUS    processes (default: every GPU nvidia-smi lists; at least 2)
#   SHAPES  "S:HQ:HKV ..." (default "65536:16:16 65536:32:8", D = 128)
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT_DIR="${OUT:-build/gpu-multi-bench}"
mkdir -p "$OUT_DIR"
CARRY="${CARRY:-.gpu-carry}"
export NCCL_NVLS_ENABLE="${NCCL_NVLS_ENABLE:-0}"
CLI=(dotnet "$CARRY/cli/ringattn.dll")
PROBE=(dotnet "$CARRY/probe/RingAttention.RankProbe.dll")
GPUS="${GPUS:-$(nvidia-smi -L 2>/dev/null | wc -l)}"
if [ "${GPUS:-0}" -lt 2 ]; then
  echo "gpu-multi-bench.sh: needs at least 2 GPUs, found ${GPUS:-0} (one process per GPU; one GPU shared is not a timing)." >&2
  exit 2
fi

timing="$OUT_DIR/timing.txt"
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: ${GIT_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null)}"
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  nvidia-smi topo -m 2>/dev/null | head -n $((GPUS + 1))
} >"$timing"

# The strategies of N ranks: the ring, all-gather, all-to-all, and all-to-all then ring for each K, 1 < K < N, dividing N.
strategies=("ring" "all-gather" "all-to-all")
for ((k = 2; k < GPUS; k++)); do
  [ $((GPUS % k)) -eq 0 ] && strategies+=("a2a+ring:$k")
done

status=0
for shape in ${SHAPES:-65536:16:16 65536:32:8}; do
  IFS=: read -r seq hq hkv <<<"$shape"
  for strategy in "${strategies[@]}"; do
    name="${strategy%%:*}"
    size=() && [ "$name" = "a2a+ring" ] && size=(--a2a-size "${strategy#*:}")
    timeout -s KILL 600 "${CLI[@]}" launch --nproc-per-node "$GPUS" -- "${PROBE[@]}" time --seq "$seq" --heads "$hq" --kv-heads "$hkv" \
      --dim 128 --strategy "$name" "${size[@]}" --iterations 10 >>"$timing" 2>&1
    rc=$?
    echo "exit $rc ($strategy H=$hq/$hkv)" >>"$timing"
    [ $rc -eq 0 ] || status=1
  done
done

dotnet "$CARRY/benchmarks/RingAttention.Benchmarks.dll" --from-times "$timing" --out "$OUT_DIR" || status=1
exit $status
