#!/usr/bin/env bash
# Side by side: aisle and the pandas + scikit-learn reference pipeline on the same sales log,
# each run end to end as a fresh process that ends with recommendations written to a file.
# Prints the median wall time and peak memory (maximum resident set, from /usr/bin/time) of
# each and their ratios.
#
#   scripts/compare_python.sh [FILE] [--scale N] [--runs N]
#
# FILE defaults to the bundled log. --scale N runs both on a copy N times as large (made by
# `aisle bench --scale N --make-scaled`, removed afterwards). --runs defaults to 3 (1 when
# scaled). The reference is looked up in ../shared/anchors/python_ref beside the repository
# (PYTHON_REF overrides it); its virtual environment is made on first use in
# ${AISLE_PY_VENV:-~/.cache/aisle-python-ref/venv} from its pinned requirements.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
reference="${PYTHON_REF:-$repo/../shared/anchors/python_ref}"
venv="${AISLE_PY_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/aisle-python-ref/venv}"

file="$repo/sample_data/online_retail.csv.gz"
scale=1
runs=""
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) scale="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) file="$1"; shift ;;
    esac
done
if [ -z "$runs" ]; then
    if [ "$scale" -gt 1 ]; then runs=1; else runs=3; fi
fi

if [ ! -f "$reference/pipeline.py" ]; then
    echo "error: no reference pipeline at $reference; set PYTHON_REF" >&2
    exit 1
fi
if [ ! -x /usr/bin/time ]; then
    echo "error: /usr/bin/time is missing; install it (apt-get update && apt-get install time)" >&2
    exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
    echo "making the reference's virtual environment in $venv ..." >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet -r "$reference/requirements.txt"
fi

echo "building aisle (release) ..." >&2
(cd "$repo" && cargo build --release --quiet)
aisle="$repo/target/release/aisle"

work="$(mktemp -d "${TMPDIR:-/tmp}/aisle-compare.XXXXXX")"
trap 'rm -rf "$work"' EXIT

python_flags=()
if [ "$scale" -gt 1 ]; then
    copy="$work/sales_x$scale.csv"
    "$aisle" bench "$file" --scale "$scale" --make-scaled "$copy"
    file="$copy"
    # As the reference's own scaled measurements: silhouette sweep on a 10,000-customer sample.
    python_flags=(--sweep-sample 10000)
fi

# Runs a command `runs` times; prints the median seconds and median peak KiB.
measure() {
    local times=() peaks=()
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" > "$work/out.log" 2>&1 || {
            echo "error: $* failed; its output:" >&2
            tail -20 "$work/out.log" >&2
            exit 1
        }
        read -r seconds peak < "$work/time.txt"
        times+=("$seconds")
        peaks+=("$peak")
    done
    local median_time median_peak
    median_time=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
    median_peak=$(printf '%s\n' "${peaks[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
    echo "$median_time $median_peak"
}

echo "running aisle $runs time(s) on $file ..." >&2
read -r aisle_s aisle_kib < <(measure env AISLE_QUIET=1 "$aisle" recommend "$file" \
    -o "$work/aisle_recommendations.csv" --force)
echo "running the Python reference $runs time(s) ..." >&2
read -r python_s python_kib < <(measure "$venv/bin/python" "$reference/pipeline.py" \
    --data "$file" --out "$work/python_out" "${python_flags[@]}")

awk -v as="$aisle_s" -v ak="$aisle_kib" -v ps="$python_s" -v pk="$python_kib" \
    -v file="$file" -v scale="$scale" -v runs="$runs" 'BEGIN {
    printf "file: %s (x%s), median of %s run(s), whole process, recommendations written\n", file, scale, runs
    printf "%-22s %12s %12s %10s\n", "", "aisle", "python", "ratio"
    printf "%-22s %12.2f %12.2f %9.1fx\n", "wall time (s)", as, ps, ps / as
    printf "%-22s %12.0f %12.0f %9.1fx\n", "peak memory (MiB)", ak / 1024, pk / 1024, pk / ak
}'
