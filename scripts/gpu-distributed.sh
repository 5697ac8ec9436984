#!/usr/bin/env bash
# gpu-distributed.sh: on the GPU machine, the multi-process checks of the NCCL ring, every rank its own process started
# by `ringattn launch` (with --share-gpu where the machine has one GPU: NCCL then runs over sockets, slow but real):
#   1. the NCCL ring at 2, 3, 4 and 8 processes (forward and backward vs the virtual ring, float64 and one cuDNN call);
#   2. `ringattn run --distributed` against the single-process run and float64;
#   3. faults: a rank killed, raising, hanging, never joining; the bootstrap port in use; strangers on that port.
# Logs and a summary go to ${OUT:-build/gpu-distributed}.
#
# Environment:
#   CARRY               folder with cli/ and probe/ (scripts/gpu-carry.sh); default .gpu-carry
#   RINGATTN_NATIVE_PATH the shim to load (gpu-check.sh's build, or a prebuilt one)
#   STRATEGIES_ONLY=1   only sections 4 and 5 (each strategy and a window through `run --distributed`, then packed
#                       documents under each strategy), for a re-run
#   RANKS               processes of section 4 (default 4); one GPU each where the machine has that many
#   QUICK=1             a shorter pass for a re-run: rings of 2 and 4 (and 2 of 2), the CLI, and the faults that end
#                       fast (kill, raise, mismatch, port in use), not 3 and 8 ranks, hang, absent or strangers
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT_DIR="${OUT:-build/gpu-distributed}"
mkdir -p "$OUT_DIR"
OUT_DIR="$(cd "$OUT_DIR" && pwd)"
CARRY="${CARRY:-.gpu-carry}"
export NCCL_NVLS_ENABLE="${NCCL_NVLS_ENABLE:-0}"
CLI=(dotnet "$CARRY/cli/ringattn.dll")
PROBE=(dotnet "$CARRY/probe/RingAttention.RankProbe.dll")
GPUS="$(nvidia-smi -L 2>/dev/null | wc -l)"
SHARE=(--share-gpu)
RANKS="${RANKS:-4}"
[ "${GPUS:-1}" -ge 8 ] && SHARE=()
[ "${STRATEGIES_ONLY:-0}" = 1 ] && [ "${GPUS:-1}" -ge "$RANKS" ] && SHARE=()
# Ranks sharing one GPU talk over sockets: keep them on loopback.
[ ${#SHARE[@]} -gt 0 ] && export NCCL_SOCKET_IFNAME="${NCCL_SOCKET_IFNAME:-lo}"

declare -a NAMES RESULTS SECONDS_TAKEN
record() { NAMES+=("$1"); RESULTS+=("$2"); SECONDS_TAKEN+=("$3"); }
now_ms() { date +%s%3N; }

{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_commit: ${GIT_COMMIT:-$(git rev-parse HEAD 2>/dev/null)}"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  echo "GPUs: $GPUS; ranks share GPU 0: $([ ${#SHARE[@]} -gt 0 ] && echo yes || echo no)"
  echo "shim: ${RINGATTN_NATIVE_PATH:-<default search>}"
} | tee "$OUT_DIR/environment.txt"

# run_case NAME EXPECT_EXIT LIMIT_S command...: runs with a hard limit, keeps the log, checks the exit code.
run_case() {
  local name="$1" expect="$2" limit="$3"; shift 3
  local log="$OUT_DIR/$name.log" start=$SECONDS
  timeout -s KILL "$limit" "$@" >"$log" 2>&1
  local rc=$?
  local took=$((SECONDS - start))
  echo "exit $rc (expected $expect) after $took s" >>"$log"
  if [ "$rc" = "$expect" ]; then record "$name" "ok (exit $rc)" "$took"; return 0; fi
  record "$name" "FAILED (exit $rc, expected $expect)" "$took"
  tail -n 25 "$log"
  return 1
}

# expect_line NAME PATTERN: the last case passed only if its log also holds PATTERN.
expect_line() {
  if [ "${RESULTS[-1]:0:2}" = "ok" ] && ! grep -q "$2" "$OUT_DIR/$1.log"; then RESULTS[-1]="FAILED (no '$2' in the log)"; fi
}

# 1. The NCCL ring, one process per rank.
if [ "${STRATEGIES_ONLY:-0}" != 1 ]; then
RING_SIZES="2 3 4 8"
[ "${QUICK:-0}" = 1 ] && RING_SIZES="2 4"
for n in $RING_SIZES; do
  run_case "ring-$n" 0 300 "${CLI[@]}" launch "${SHARE[@]}" --nproc-per-node "$n" -- "${PROBE[@]}" ring --seq $((256 * n)) --heads 4 --kv-heads 2 --dim 64
  expect_line "ring-$n" "RING PASS"
done
# Data parallel x context parallel: 4 processes as 2 rings of 2 (the world communicator split by ncclCommSplit).
run_case "ring-2x2-split" 0 300 "${CLI[@]}" launch "${SHARE[@]}" --nproc-per-node 4 -- "${PROBE[@]}" ring --cp 2 --seq 512
expect_line "ring-2x2-split" "RING PASS"
if [ "${QUICK:-0}" != 1 ]; then
  run_case "ring-3-striped-nomask-fp16" 0 300 "${CLI[@]}" launch "${SHARE[@]}" --nproc-per-node 3 -- "${PROBE[@]}" ring --seq 768 --mask none --balance striped --dtype fp16
  expect_line "ring-3-striped-nomask-fp16" "RING PASS"
fi

fi

# 2. The distributed CLI against the single-process one (same ring, virtual ranks), one cuDNN call, and float64.
work="$(mktemp -d)"
mkdir -p "$work/in" "$work/dist" "$work/single" "$work/one"
python3 scripts/distributed/make_inputs.py "$work/in" 1 4096 8 2 64 7
cli_outputs() { echo --out "$1/o.npy" --lse "$1/lse.npy" --dq "$1/dq.npy" --dk "$1/dk.npy" --dv "$1/dv.npy"; }
in_dir="$work/in"  # the inputs of compare_strategy's runs and of their float64 check
inputs=(--q "$in_dir/q.npy" --k "$in_dir/k.npy" --v "$in_dir/v.npy" --do "$in_dir/do.npy")
common=(--backend cuda --dtype bf16 --mask causal --balance dual-chunk)
compare_strategy() {  # compare_strategy NAME WINDOW|- OPTIONS...: single-process, one call and 4 processes, then compared
  local name="$1" window="$2"; shift 2
  local w=() && [ "$window" != - ] && w=(--window "$window")
  mkdir -p "$work/$name-single" "$work/$name-one" "$work/$name-dist"
  run_case "$name-single-process" 0 120 "${CLI[@]}" run "${common[@]}" --cp "$RANKS" "${w[@]}" "$@" "${inputs[@]}" $(cli_outputs "$work/$name-single")
  local packed=() && [ -n "${SEQLENS:-}" ] && packed=(--layout thd --seqlens "$SEQLENS")
  run_case "$name-one-call" 0 120 "${CLI[@]}" run "${common[@]}" --cp 1 "${w[@]}" "${packed[@]}" "${inputs[@]}" $(cli_outputs "$work/$name-one")
  run_case "$name-distributed-$RANKS" 0 300 "${CLI[@]}" launch "${SHARE[@]}" --nproc-per-node "$RANKS" -- "${CLI[@]}" run "${common[@]}" --cp "$RANKS" "${w[@]}" "$@" --distributed "${inputs[@]}" $(cli_outputs "$work/$name-dist")
  run_case "$name-compare" 0 300 python3 scripts/distributed/compare_outputs.py "$in_dir" "$work/$name-dist" "$work/$name-single" "$work/$name-one" bf16 causal $([ "$window" != - ] && echo "$window")
  expect_line "$name-compare" "CLI PASS"
}
if [ "${STRATEGIES_ONLY:-0}" = 1 ]; then
  # 4. Every strategy, and a sliding window, across RANKS processes against the same strategy on RANKS virtual ranks.
  compare_strategy "ring" - --strategy ring
  compare_strategy "all-gather" - --strategy all-gather
  compare_strategy "all-to-all" - --strategy all-to-all
  compare_strategy "a2a-ring" - --strategy a2a+ring --a2a-size 2
  compare_strategy "ring-window" 1000
  compare_strategy "all-gather-window" 1000 --strategy all-gather
  # 5. Packed documents (issue 17): 20 documents of mixed lengths, one of one token, under each strategy and a window.
  seqlens="700,1,333,64,129,1000,17,250,90,512,31,200,47,160,3,80,111,45,128,195"
  in_dir="$work/thd-in"
  mkdir -p "$in_dir"
  python3 scripts/distributed/make_inputs.py "$in_dir" 0 4096 8 2 64 11
  inputs=(--q "$in_dir/q.npy" --k "$in_dir/k.npy" --v "$in_dir/v.npy" --do "$in_dir/do.npy")
  export SEQLENS="$seqlens"
  compare_strategy "thd-ring" - --layout thd --seqlens "$seqlens"
  compare_strategy "thd-all-gather" - --layout thd --seqlens "$seqlens" --strategy all-gather
  compare_strategy "thd-all-to-all" - --layout thd --seqlens "$seqlens" --strategy all-to-all
  compare_strategy "thd-a2a-ring" - --layout thd --seqlens "$seqlens" --strategy a2a+ring --a2a-size 2
  compare_strategy "thd-ring-window" 100 --layout thd --seqlens "$seqlens"
  unset SEQLENS
else
run_case "cli-single-process" 0 120 "${CLI[@]}" run "${common[@]}" --cp 4 "${inputs[@]}" $(cli_outputs "$work/single")
run_case "cli-one-call" 0 120 "${CLI[@]}" run "${common[@]}" --cp 1 "${inputs[@]}" $(cli_outputs "$work/one")
run_case "cli-distributed-4" 0 300 "${CLI[@]}" launch "${SHARE[@]}" --nproc-per-node 4 -- "${CLI[@]}" run "${common[@]}" --cp 4 --distributed "${inputs[@]}" $(cli_outputs "$work/dist")
run_case "cli-compare" 0 300 python3 scripts/distributed/compare_outputs.py "$work/in" "$work/dist" "$work/single" "$work/one" bf16 causal
expect_line "cli-compare" "CLI PASS"

# 3. Faults: each ends in bounded time, every survivor names the rank, the launcher exits with the first failure's code.
fault() {  # fault NAME KIND EXPECTED_EXIT LIMIT probe-args...
  local name="$1" kind="$2" expect="$3" limit="$4"; shift 4
  run_case "$name" "$expect" "$limit" "${CLI[@]}" launch "${SHARE[@]}" --nproc-per-node 4 --grace-period 5 -- "${PROBE[@]}" fault --kind "$kind" --rank 2 "$@"
}
fault "fault-kill" kill 137 120 --after-calls 3 --timeout-s 600
fault "fault-raise" raise 1 120 --after-calls 3 --timeout-s 600
if [ "${QUICK:-0}" != 1 ]; then
  fault "fault-hang" hang 3 180 --after-calls 3 --timeout-s 20
  fault "fault-absent" absent 1 120 --join-timeout-s 15
fi
fault "fault-mismatch" mismatch 4 120 --seq 4096
# The other strategies end the same way: their collectives and split communicators are watched and aborted too.
fault "fault-kill-all-gather" kill 137 120 --after-calls 3 --timeout-s 600 --strategy all-gather
fault "fault-raise-all-to-all" raise 1 120 --after-calls 3 --timeout-s 600 --strategy all-to-all
if [ "${QUICK:-0}" != 1 ]; then
  fault "fault-hang-a2a-ring" hang 3 180 --after-calls 3 --timeout-s 20 --strategy a2a+ring --a2a-size 2
fi
# The bootstrap port held by another program: rank 0 fails at once, naming it.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1', $port)); s.listen(); time.sleep(120)" & holder=$!
sleep 1
run_case "fault-port-in-use" 1 60 "${CLI[@]}" launch "${SHARE[@]}" --nproc-per-node 2 --grace-period 5 --master-port "$port" -- "${PROBE[@]}" ring --seq 512
expect_line "fault-port-in-use" "in use"
kill "$holder" 2>/dev/null
if [ "${QUICK:-0}" != 1 ]; then
  # Strangers: one sends garbage and closes, one connects and stays silent; the job still forms and finishes.
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 scripts/distributed/strangers.py 127.0.0.1 "$port" 20 & strangers=$!
  run_case "strangers" 0 300 "${CLI[@]}" launch "${SHARE[@]}" --nproc-per-node 2 --master-port "$port" -- "${PROBE[@]}" ring --seq 512
  kill "$strangers" 2>/dev/null
fi

# No rank outlives its job: after every fault, the GPU's memory is back to idle (under 1 GiB in use; a leftover rank
# holds its CUDA context and plan, several GiB), and no process of ours remains.
sleep 2
run_case "gpu-memory-freed" 0 30 bash -c 'nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits; used=$(nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits | head -n 1); [ "$used" -lt 1024 ] && ! pgrep -f "[R]ankProbe|[r]ingattn[.]dll"'
run_case "fault-report" 0 60 python3 scripts/distributed/fault_report.py "$OUT_DIR" $([ "${QUICK:-0}" = 1 ] && echo kill raise mismatch kill-all-gather raise-all-to-all)
cat "$OUT_DIR/fault-report.log"
fi
rm -rf "$work"

{
  echo
  echo "================ gpu-distributed summary ================"
  printf '%-28s | %-40s | %s\n' "check" "result" "seconds"
  for i in "${!NAMES[@]}"; do printf '%-28s | %-40s | %s\n' "${NAMES[$i]}" "${RESULTS[$i]}" "${SECONDS_TAKEN[$i]}"; done
  echo "logs: $OUT_DIR"
} | tee "$OUT_DIR/summary.txt"
for r in "${RESULTS[@]}"; do case "$r" in ok*) ;; *) exit 1 ;; esac; done
exit 0
