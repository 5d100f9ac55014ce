#!/usr/bin/env bash
# The measurement series behind the pull-request check's trust figures
# (issue 15's "Must show"), reproducible with one command per series.
#
#   ci/pr-check-series.sh [--runs N] [--hog] [--warm] [--out DIR] SERIES...
#
# Every series works in its own clone of this checkout (under DIR/repos)
# with one real commit on top of HEAD, and runs `benchgate pr-check
# --base HEAD~1` on it N times (default 10); both sides are built and
# measured on this machine, with no stored baseline. Series:
#
#   aa          head = base + a documentation-only commit; --all over the
#               stats and tokenization suites. Truth: nothing changed.
#   inject3     the stats crate's redundant pass over 1/12 of the input in
#               `one_shot::summarize` (about +3 % wall time), on by default
#               in a commit. Truth: stats/summary_one_shot and the iai
#               one_shot benchmark regressed, nothing else.
#   inject2     the same pass over 1/18 of the input (about +2 %).
#   ir1         the same pass over 1/9 of the input: about +1 % of the
#               instructions (`callgrind.Ir`), which must be flagged by the
#               counts every time.
#   recall      memstore's default HNSW candidate list cut from 112 to 40:
#               recall@10 drops. Truth: the recall metrics regressed.
#   layout      head = base + a change that only moves code and data: a new
#               `#[inline(never)]` function in every workload crate, called
#               once at input set-up, that leaks an odd-sized allocation
#               (so every later allocation lands elsewhere) and adds code
#               before the set-up function. Stats and tokenization, --all.
#               Truth: nothing changed; any regression or improvement is
#               false.
#   aa-all      as aa, all five suites.
#   layout-all  as layout, all five suites.
#   shards      A/A over all five suites as 5 shards (`--shard K/5`) and a
#               `benchgate merge`, with every shard's wall time: the first
#               run with empty target directories (cold), the next warm.
#               With --warm the first run keeps DIR's target directories
#               too (cargo rebuilds only what changed since the last run).
#
# --hog runs `while :; do :; done` beside the whole series (a CPU hog on
# the other core). DIR (default target/pr-check-series) gets results.tsv,
# one line per run, every run's report directory and log, and summary.md.
# The head side and every clone share DIR/target; each clone keeps its own
# base target directory, so runs after a series' first one are warm.
#
# Takes hours: measure on an otherwise idle machine, one series at a time.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
root=$(pwd)

runs=10
hog=0
warm=0
out="$root/target/pr-check-series"
series=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --hog) hog=1; shift ;;
    --warm) warm=1; shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,45p' "$0"; exit 0 ;;
    aa|inject3|inject2|ir1|recall|layout|aa-all|layout-all|shards) series+=("$1"); shift ;;
    *) echo "error: unknown argument '$1' (see $0 --help)" >&2; exit 2 ;;
  esac
done
if [ ${#series[@]} -eq 0 ]; then
  echo "error: name at least one series (see $0 --help)" >&2
  exit 2
fi
case "$runs" in ''|*[!0-9]*) echo "error: --runs takes a whole number, not '$runs'" >&2; exit 2 ;; esac

mkdir -p "$out" || exit 2
out=$(cd "$out" && pwd)
results="$out/results.tsv"
[ -f "$results" ] || printf 'series\trun\thog\texit\tseconds\ttime_regressed\ttime_improved\tcount_regressed\tmetric_regressed\tunexpected\tnot_gateable\ttarget_change\treport\n' > "$results"

cargo build --release -p benchgate || exit 2
benchgate="$root/target/release/benchgate"
export CARGO_TARGET_DIR="$out/target"

hog_pid=""
hog_suffix=""
[ "$hog" -eq 1 ] && hog_suffix="-hog"
stop_hog() { [ -n "$hog_pid" ] && kill "$hog_pid" 2>/dev/null; hog_pid=""; }
trap stop_hog EXIT
if [ "$hog" -eq 1 ]; then
  bash -c 'while :; do :; done' &
  hog_pid=$!
  echo "pr-check series: CPU hog running (pid $hog_pid)"
fi

# A fresh clone of this checkout's HEAD, ready for one commit on top.
fresh_clone() {
  local dir="$out/repos/$1"
  rm -rf "$dir"
  git clone -q "$root" "$dir" || exit 2
  git -C "$dir" config user.email series@benchgate.invalid
  git -C "$dir" config user.name "benchgate series"
  echo "$dir"
}

# The stats crate's injected pass, on by default, over 1/DIVISOR of the input.
inject_stats_slowdown() {
  local repo=$1 divisor=$2
  sed -i 's/^inject-small-regression = \[\]$/default = ["inject-small-regression"]\ninject-small-regression = []/' \
    "$repo/benches/stats/Cargo.toml"
  sed -i "s/const SMALL_SHARE_DIVISOR: usize = [0-9]*;/const SMALL_SHARE_DIVISOR: usize = $divisor;/" \
    "$repo/benches/stats/src/one_shot.rs"
  if ! grep -q '^default = \["inject-small-regression"\]' "$repo/benches/stats/Cargo.toml" \
    || ! grep -q "SMALL_SHARE_DIVISOR: usize = $divisor;" "$repo/benches/stats/src/one_shot.rs"; then
    echo "error: could not inject the stats slowdown (benches/stats changed?)" >&2
    exit 2
  fi
  git -C "$repo" commit -qam "stats: one-shot summary makes an extra pass over 1/$divisor of its input" || exit 2
}

# Setup-time functions, one per workload crate, that the layout change
# calls into: run once while inputs are built, never inside a timed loop.
layout_hooks=(
  "stats benches/stats/src/data.rs pub fn latency_samples("
  "tokenization benches/tokenization/src/corpus/mod.rs pub fn generate_class("
  "inference benches/inference/src/weights.rs pub fn generate("
  "spiking benches/spiking/src/weights.rs pub fn generate("
  "memstore benches/memstore/src/workload.rs pub fn embedded_episodes("
)

inject_layout_change() {
  local repo=$1 hook crate file signature
  for hook in "${layout_hooks[@]}"; do
    crate=${hook%% *}; hook=${hook#* }
    file=${hook%% *}; signature=${hook#* }
    cat > "$repo/benches/$crate/src/layout_shift.rs" <<'EOF'
//! A change that only moves code and data (benchgate's layout A/A series).

/// Leaks an odd-sized buffer, so that every allocation after it lands at a
/// different address, and is itself new code placed before its caller.
#[inline(never)]
pub fn shift() {
    let pad: Vec<u8> = (0..4093u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::mem::forget(std::hint::black_box(pad));
}
EOF
    printf '\n/// Layout-only change (benchgate layout A/A series).\n#[doc(hidden)]\npub mod layout_shift;\n' \
      >> "$repo/benches/$crate/src/lib.rs"
    # The first `{` that ends a line at or after the signature opens its body.
    perl -0pi -e "s/(\Q$signature\E[^{]*?\{\n)/\$1    crate::layout_shift::shift();\n/" "$repo/$file"
    grep -q "crate::layout_shift::shift();" "$repo/$file" \
      || { echo "error: could not place the layout change in $file (is '$signature' still there?)" >&2; exit 2; }
  done
  git -C "$repo" add -A && git -C "$repo" commit -qm "every workload crate: a set-up helper that only moves code and data" || exit 2
}

docs_only_commit() {
  echo "A/A commit of the pull-request check series." >> "$1/README.md"
  git -C "$1" commit -qam "docs only" || exit 2
}

# Reads one run's comparison.csv and prints the tab-separated outcome
# columns: time regressed, time improved, count regressed, metric
# regressed, unexpected flags (anything flagged outside PATTERN), the
# target's change, and the number of entries listed as not gateable.
outcome() {
  local dir=$1 pattern=$2
  python3 - "$dir/comparison.csv" "$pattern" "$dir/summary.md" <<'EOF'
import csv, re, sys
path, pattern, summary = sys.argv[1], sys.argv[2], sys.argv[3]
target = re.compile(pattern) if pattern else None
time_reg, time_imp, count_reg, metric_reg, unexpected, changes = [], [], [], [], [], []
try:
    rows = list(csv.DictReader(open(path)))
except OSError:
    print("\t".join(["-"] * 7)); sys.exit(0)
for r in rows:
    key = f"{r['suite']}/{r['benchmark']}" + (f" {r['metric']}" if r["metric"] else "")
    flagged = r["verdict"] in ("regressed", "improved")
    if target and target.search(key) and r["change"]:
        changes.append(f"{key} {float(r['change'])*100:+.2f}%")
    if not flagged:
        continue
    if not (target and target.search(key)):
        unexpected.append(f"{key}:{r['verdict']}")
    if not r["metric"]:
        (time_reg if r["verdict"] == "regressed" else time_imp).append(key)
    elif r["metric"].startswith(("callgrind.", "dhat.")):
        if r["verdict"] == "regressed": count_reg.append(key)
    elif r["verdict"] == "regressed":
        metric_reg.append(key)
gate_section = False
not_gateable = 0
try:
    for line in open(summary):
        if line.startswith("#"):
            gate_section = "Cannot be gated" in line
        elif gate_section and line.startswith(("- ", "| ")) and not line.startswith("| ---"):
            not_gateable += 1
except OSError:
    pass
cell = lambda xs: ";".join(xs) if xs else "-"
print("\t".join([cell(time_reg), cell(time_imp), cell(count_reg), cell(metric_reg),
                 cell(unexpected), str(not_gateable), cell(changes[:4])]))
EOF
}

# One pr-check run: SERIES RUN REPO PATTERN ARGS...
measure() {
  local name=$1 run=$2 repo=$3 pattern=$4
  shift 4
  local dir="$out/runs/$name$hog_suffix/$run"
  rm -rf "$dir" && mkdir -p "$dir"
  local start end code
  start=$(date +%s)
  (cd "$repo" && "$benchgate" pr-check --base HEAD~1 --report-dir "$dir" "$@") > "$dir/log.txt" 2>&1
  code=$?
  end=$(date +%s)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$run" "$hog" "$code" "$((end - start))" \
    "$(outcome "$dir" "$pattern")" "$dir" >> "$results"
  echo "pr-check series: $name run $run/$runs: exit $code in $((end - start)) s"
}

stats_one_shot='^stats/(summary_one_shot/|iai_summary/summary/one_shot)'
two_suites=(--suite stats --suite tokenization)
# The five workload suites; benchgate's own suite (the harness's
# benchmarks) is not a workload a team's check would hold.
five_suites=(--suite stats --suite tokenization --suite inference --suite memstore --suite spiking)

for name in "${series[@]}"; do
  echo "pr-check series: $name ($runs runs, hog=$hog) from $(date -u +%H:%M) UTC"
  case "$name" in
    aa|aa-all)
      repo=$(fresh_clone "$name")
      docs_only_commit "$repo"
      args=(--all)
      if [ "$name" = aa ]; then args+=("${two_suites[@]}"); else args+=("${five_suites[@]}"); fi
      for run in $(seq 1 "$runs"); do measure "$name" "$run" "$repo" "" "${args[@]}"; done ;;
    inject3|inject2|ir1)
      repo=$(fresh_clone "$name")
      case "$name" in inject3) d=12 ;; inject2) d=18 ;; ir1) d=9 ;; esac
      inject_stats_slowdown "$repo" "$d"
      for run in $(seq 1 "$runs"); do measure "$name" "$run" "$repo" "$stats_one_shot" "${two_suites[@]}"; done ;;
    recall)
      repo=$(fresh_clone recall)
      sed -i 's/^            ef: 112,$/            ef: 40,/' "$repo/benches/memstore/src/store.rs"
      grep -q '^            ef: 40,$' "$repo/benches/memstore/src/store.rs" \
        || { echo "error: could not cut memstore's default ef (benches/memstore/src/store.rs changed?)" >&2; exit 2; }
      git -C "$repo" commit -qam "memstore: a shorter default candidate list" || exit 2
      for run in $(seq 1 "$runs"); do measure recall "$run" "$repo" 'recall@10' --suite memstore; done ;;
    layout|layout-all)
      repo=$(fresh_clone "$name")
      inject_layout_change "$repo"
      args=(--all)
      if [ "$name" = layout ]; then args+=("${two_suites[@]}"); else args+=("${five_suites[@]}"); fi
      for run in $(seq 1 "$runs"); do measure "$name" "$run" "$repo" "" "${args[@]}"; done ;;
    shards)
      repo=$(fresh_clone shards)
      docs_only_commit "$repo"
      for run in $(seq 1 "$runs"); do
        dir="$out/runs/shards$hog_suffix/$run"
        rm -rf "$dir" && mkdir -p "$dir"
        if [ "$run" -eq 1 ] && [ "$warm" -eq 0 ]; then
          echo "pr-check series: shards run 1 starts from empty target directories (cold)"
          rm -rf "$CARGO_TARGET_DIR" "$repo/target"
        fi
        (cd "$repo" && "$benchgate" pr-check --base HEAD~1 --all "${five_suites[@]}" --plan 5) > "$dir/plan.json" 2> "$dir/plan.log" || exit 2
        total_start=$(date +%s)
        for k in 1 2 3 4 5; do
          start=$(date +%s)
          (cd "$repo" && "$benchgate" pr-check --base HEAD~1 --all "${five_suites[@]}" --shard "$k/5" -o "$dir/shard-$k.json") \
            > "$dir/shard-$k.log" 2>&1
          code=$?
          end=$(date +%s)
          printf 'shard-%s\t%s\t%s\t%s\t%s\t-\t-\t-\t-\t-\t-\t-\t%s\n' "$k" "$run" "$hog" "$code" "$((end - start))" "$dir" >> "$results"
          echo "pr-check series: shards run $run shard $k/5: exit $code in $((end - start)) s"
        done
        start=$(date +%s)
        (cd "$repo" && "$benchgate" merge "$dir"/shard-*.json --report-dir "$dir") > "$dir/merge.log" 2>&1
        code=$?
        end=$(date +%s)
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' shards "$run" "$hog" "$code" "$((end - total_start))" \
          "$(outcome "$dir" "")" "$dir" >> "$results"
        echo "pr-check series: shards run $run merged: exit $code, $((end - total_start)) s in all"
      done ;;
  esac
done

# One line per series and hog setting: runs, exit codes, detections.
python3 - "$results" > "$out/summary.md" <<'EOF'
import csv, sys
from collections import defaultdict
rows = [r for r in csv.DictReader(open(sys.argv[1]), delimiter="\t") if not r["series"].startswith("shard-")]
groups = defaultdict(list)
for r in rows:
    groups[(r["series"], r["hog"])].append(r)
print("| series | CPU hog | runs | exit 0 / 1 / 2 | wall time flagged | counts flagged | metric flagged | runs with a false flag | not gateable (median) | seconds (min–max) |")
print("|---|---|---:|---|---:|---:|---:|---:|---:|---|")
for (name, hog), rs in sorted(groups.items()):
    exits = [r["exit"] for r in rs]
    secs = sorted(int(r["seconds"]) for r in rs)
    ng = sorted(int(r["not_gateable"]) for r in rs if r["not_gateable"].isdigit())
    flagged = lambda col: sum(r[col] != "-" for r in rs)
    print(f"| {name} | {'yes' if hog == '1' else 'no'} | {len(rs)} | "
          f"{exits.count('0')} / {exits.count('1')} / {len(rs) - exits.count('0') - exits.count('1')} | "
          f"{flagged('time_regressed')} | {flagged('count_regressed')} | {flagged('metric_regressed')} | "
          f"{flagged('unexpected')} | {ng[len(ng)//2] if ng else '-'} | {secs[0]}–{secs[-1]} |")
EOF
cat "$out/summary.md"
echo "pr-check series: one line per run in $results"
