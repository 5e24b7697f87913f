#!/usr/bin/env bash
# Runs one benchmark suite on Ocular's C# harness (bench/Ocular.Bench) and on its PyTorch twin (bench/python/SUITE.py,
# Debian's /usr/bin/python3 with python3-torch) in both styles — the reference-style twin (as the seeds and reference
# libraries write it) and the expert twin (as a competent PyTorch user writes the same work) — with the same options,
# and prints one line per workload: the values, the unit, the ratio Ocular/reference (higher = Ocular faster) beside
# the target when the issue states one, and the ratio Ocular/expert (goal >= 1.0). See bench/README.md.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: bench/compare.sh SUITE [options]

  --threads N     intra-op threads on both sides (default: nproc)
  --repeat N      timed samples per workload (default: each workload's own)
  --warmup N      untimed warm-up samples per workload (default: each workload's own)
  --quick         small smoke-run plans
  --filter REGEX  only the workloads whose name matches REGEX
  --style S       which PyTorch twin(s): reference, expert or both (default both)
  --rounds K      run every side K times, in ABBA order (odd rounds ocular first, even rounds ocular last);
                  each side's value is its median over rounds, and the table adds the spread (default 1)
  --interleave    alternate the sides per workload (one process per workload and side) instead of per
                  suite, so that all sides of a workload run under the same machine load; the table then
                  adds each workload's peak resident memory (VmHWM of its own process). The default for
                  the suites in per_process_suites (lficam, lvw, lavise), whose peak memory is part of the result
  --no-interleave one process per suite and side (peak memory is then cumulative and not shown)
  --stat S        median (default: each run's median sample), best (each run's fastest sample, which
                  resists interference from other processes on a shared machine) or cpu (median process
                  CPU time per sample; with --threads 1 the steadiest comparison on a loaded machine)
  --save          also write the joined results to bench/results/SUITE-YYYYmmdd-HHMMSS.json
  --out FILE      write the joined results to FILE
  --check         exit 1 when a ratio misses its target
  --no-build      do not build the C# harness first
USAGE
}

cd "$(dirname "$0")/.."
PYTHON=/usr/bin/python3   # Debian's python3-torch; the python3 first on PATH may be a pyenv without torch

[[ $# -ge 1 ]] || { usage >&2; exit 2; }
case "$1" in -h|--help) usage; exit 0 ;; -*) echo "compare.sh: the first argument is the suite" >&2; usage >&2; exit 2 ;; esac
suite=$1; shift

threads=$(nproc)
common=()
rounds=1 save=0 out="" check=() build=1 interleave=0 stat=median style=both
# Suites whose peak memory is part of the result: each workload runs in its own process by default (--interleave).
per_process_suites=(lficam lvw lavise)
for s in "${per_process_suites[@]}"; do [[ $suite == "$s" ]] && interleave=1; done
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) threads=${2:?--threads needs a value}; shift 2 ;;
    --repeat|--warmup|--filter) common+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    --quick) common+=(--quick); shift ;;
    --rounds) rounds=${2:?--rounds needs a value}; shift 2 ;;
    --interleave) interleave=1; shift ;;
    --no-interleave) interleave=0; shift ;;
    --stat) stat=${2:?--stat needs a value}; shift 2 ;;
    --style) style=${2:?--style needs a value}; shift 2 ;;
    --save) save=1; shift ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    --check) check=(--check); shift ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --rounds must be a positive integer" >&2; exit 2; }
[[ $stat == median || $stat == best || $stat == cpu ]] || { echo "compare.sh: --stat is median, best or cpu" >&2; exit 2; }
case $style in both) twins=(reference expert) ;; reference|expert) twins=("$style") ;;
  *) echo "compare.sh: --style is reference, expert or both" >&2; exit 2 ;; esac
common=(--threads "$threads" "${common[@]}")

twin=bench/python/$suite.py
[[ -f $twin ]] || { echo "compare.sh: no PyTorch twin $twin for suite '$suite'" >&2; exit 2; }
[[ -x $PYTHON ]] && "$PYTHON" -c 'import torch' 2>/dev/null \
  || { echo "compare.sh: $PYTHON with torch is needed (Debian: apt-get install python3-torch)" >&2; exit 2; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
unset OCULAR_NUM_THREADS   # the thread count comes from --threads, on both sides
# The same runtime settings on both sides: Ocular's shim makes OpenMP's idle threads sleep (OMP_WAIT_POLICY=PASSIVE,
# unless set) and raises glibc's mmap and trim thresholds (64 MB, 256 MB; mallopt at load). Python gets the same
# through the environment, so that neither side spins on a busy machine or pays page faults the other does not.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
export MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-67108864} MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD_:-268435456}
if [[ $build == 1 ]]; then
  echo "# building bench/Ocular.Bench (Release)" >&2
  log=$(mktemp)
  dotnet build bench/Ocular.Bench -c Release --nologo -v q >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; exit 1; }
  rm -f "$log"
fi

# A twin that makes the inputs both sides read (torchscript.py: the exported model) does it once, before any side runs.
if grep -q -- '"--prepare"' "$twin"; then "$PYTHON" "$twin" --prepare || exit 1; fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "# suite $suite, threads $threads, rounds $rounds, load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
status=0
ocular() { dotnet run -c Release --no-build --project bench/Ocular.Bench -- "$suite" "$@"; }
reference() { "$PYTHON" "$twin" --style reference "$@"; }
expert() { "$PYTHON" "$twin" --style expert "$@"; }
sides=(ocular "${twins[@]}")
declare -A files=()
if [[ $interleave == 1 ]]; then
  # The workload names (C# side, after --filter); each then runs alone on each side, --filter '^name$'.
  mapfile -t workloads < <(ocular "${common[@]}" --list | cut -d' ' -f1)
  [[ ${#workloads[@]} -gt 0 ]] || { echo "compare.sh: no workload to run" >&2; exit 1; }
  # A later --filter overrides the user's one on both sides (both parse options left to right).
fi
# Runs every side with the given extra options, appending to this round's files; odd rounds run them in the
# order ocular, reference, expert, even rounds in the reverse order (ABBA), so that no side always gets the
# warmer or quieter slot.
all_sides() {
  local order=("${sides[@]}")
  if (( r % 2 == 0 )); then order=(); for ((i = ${#sides[@]} - 1; i >= 0; i--)); do order+=("${sides[i]}"); done; fi
  for side in "${order[@]}"; do
    "$side" "${common[@]}" "$@" >>"$tmp/$side.$r.jsonl" || status=1
  done
}
loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= rounds; r++)); do
  for side in "${sides[@]}"; do : >"$tmp/$side.$r.jsonl"; files[$side]+=" $tmp/$side.$r.jsonl"; done
  if [[ $interleave == 1 ]]; then
    for w in "${workloads[@]}"; do all_sides --filter "^$w\$"; done
  else
    all_sides
  fi
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

if [[ $save == 1 && -z $out ]]; then
  mkdir -p bench/results
  out=bench/results/$suite-$(date +%Y%m%d-%H%M%S).json
fi
meta=$("$PYTHON" -c 'import json, sys; print(json.dumps(dict(zip(sys.argv[1::2], sys.argv[2::2]))))' \
  date "$(date -Iseconds)" commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  host "$(hostname)" nproc "$(nproc)" threads "$threads" rounds "$rounds" interleave "$interleave" stat "$stat" style "$style" \
  loadavg_before "$loadavg_before" loadavg_after "$(cut -d' ' -f1-3 /proc/loadavg)" \
  options "${common[*]}")
echo
twin_args=()
for t in "${twins[@]}"; do read -ra f <<<"${files[$t]}"; twin_args+=("--$t" "${f[@]}"); done
read -ra ocular_files <<<"${files[ocular]}"
memory=()
if [[ $interleave == 1 ]]; then memory=(--memory); fi   # one process per workload and side: the peak is the workload's own
"$PYTHON" bench/python/compare.py --suite "$suite" --ocular "${ocular_files[@]}" "${twin_args[@]}" \
  --stat "$stat" ${out:+--out "$out"} --meta "$meta" "${check[@]}" "${memory[@]}" || status=1
exit $status
