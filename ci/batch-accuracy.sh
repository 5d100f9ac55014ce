#!/usr/bin/env bash
# Adaptive batch sizing accuracy (issue 20), both batching workloads:
#  - tokenization: 24 constraint sets (6 per-batch latency budgets x 4
#    memory limits); calibration = suggest_batch_size's sweep (1, 8, 16,
#    32, 64 paragraphs); truth = every size 1-64 measured live;
#  - inference: 30 constraint sets (6 per-batch budgets x 4 memory limits,
#    6 time-to-first-token budgets); calibration 1, 2, 4, 8, 16 requests;
#    truth = every size 1-16 measured live.
# Calibration and truth are measured in the same interleaved rounds (the
# median of 3 per size), so the machine's drift moves both alike. For each
# set the suggestion (first stage from the calibration, second stage
# measured) is measured again right after it is made, beside the best size
# among those whose live measurement meets the constraints: its throughput
# is compared with the best's, and whether it meets the constraints is
# judged on that measurement (the sweep's verdict on the same size is
# printed beside it) (benchgate_metrics::batch::accuracy). Prints every
# case, the histogram of throughput ratios, then one Markdown table (a row
# per workload: accuracy, constraints met measured again and by the sweep,
# min/p10/p25/median/mean/max of suggested ÷ best) with the
# machine and its load before and after, ready for the README.
# Exit 0 when both workloads pass (>= 90 % of the cases within 90 % of the
# best, >= 95 % meeting the constraints), 1 otherwise, 2 on error.
#
# Timing: run it on an otherwise idle machine (its figures are timings).
# About 2-4 minutes after the release builds on a 2-vCPU VM.
#   ci/batch-accuracy.sh           the measurement
#   ci/batch-accuracy.sh --quick   a check that it works (tiny model, small
#                                  sizes; its figures mean nothing)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

tokenization_args=()
inference_args=()
if [[ "${1:-}" == "--quick" ]]; then
    tokenization_args=(--max-batch 16 --reps 5 --rounds 1)
    inference_args=(--model tiny --max-batch 8 --reps 3 --rounds 1)
elif [[ $# -gt 0 ]]; then
    echo "usage: ci/batch-accuracy.sh [--quick]" >&2
    exit 2
fi

cargo build --release -q -p tokenization --example tokenizer_batch_accuracy || exit 2
cargo build --release -q -p inference --example batch_accuracy || exit 2

machine="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) logical cores, $(awk '/^MemTotal:/ {printf "%.0f", $2 / 1048576}' /proc/meminfo) GiB"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

status=0
run() {
    local name=$1
    shift
    "$@" | tee "$out/$name.txt"
    local rc=${PIPESTATUS[0]}
    if ((rc == 2)); then
        echo "error: the $name accuracy check failed to run" >&2
        exit 2
    fi
    ((rc == 0)) || status=1
}
run tokenization cargo run --release -q -p tokenization --example tokenizer_batch_accuracy -- "${tokenization_args[@]}"
run inference cargo run --release -q -p inference --example batch_accuracy -- "${inference_args[@]}"

echo
echo "Measured on ${machine}; load average ${load_before} before, $(cut -d' ' -f1-3 /proc/loadavg) after; $(date -u +%Y-%m-%d)."
echo
grep '^ACCURACY_HEAD' "$out/tokenization.txt" | cut -f2-
cat "$out"/tokenization.txt "$out"/inference.txt | grep '^ACCURACY_ROW' | cut -f2-
echo
if ((status == 0)); then echo "PASS: both workloads"; else echo "FAIL: see the verdict lines above"; fi
exit "$status"
