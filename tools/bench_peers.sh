#!/usr/bin/env bash
# tools/bench_peers.sh (make bench-peers): csp's channels beside Go's and crossbeam-channel's,
# in one run on this machine. Opt-in; make check never runs it.
#
# Installs what the peers need from Debian 12 through tools/deps.sh (golang-go,
# librust-crossbeam-channel-dev, and cargo when none is on PATH), builds bench/peers/go and
# bench/peers/crossbeam into build/peers (cargo offline, from Debian's crate sources), and
# channel_bench in the release tree. Then it measures in rounds: in each round, row by row,
# csp's lock-free channel (Google Benchmark), Go's and crossbeam's, one right after the other,
# so that the programs of a row share the machine's state of the moment, then csp's
# mutex-based channel and the mutex + condvar queue.
#
# That state is not steady. This machine is a VM whose spin floor (the round trip of a cache
# line between two spinning threads) sits in one of three windows: fast (under 100 ns), medium
# (100-250 ns) and slow (250 ns and more, up to 1,300). It has stayed in one for minutes at a
# time, and has also flipped between fast and slow every few seconds (2026-12-02, evening). A
# ratio of two programs' figures taken in different windows measures the window, not the
# channels. On that evening, in all five rounds of a run, csp's capacity-0 ping-pong met the
# slow window (floor 407-483 ns; 895-1,025 ns) and crossbeam's ran at 517-616 ns, its figure in
# the fast window (1,870-2,010 in the slow one), so the table said crossbeam was 1.6x faster;
# alternating the two programs ten times showed csp twice as fast in either window. So every
# program's run is bracketed by two short runs of the spin floor, and a measurement belongs to
# a window only if both its brackets fall in it ("mixed" otherwise, left out). Each ratio is
# taken within a round, of two measurements in the same window, and the output gives one
# markdown table per window: the median of each program's figures there, and the median over
# the rounds of the within-round ratios, with their range and how many rounds gave one. The
# ratio to the spin floor uses the measurement's own brackets. The futex floor is measured
# before and after the rounds.
#
#   CSP_PEER_ROUNDS   rounds (default 5)
#   CSP_PEER_MIN_MS   each measurement lasts at least this long, in ms (default 400)
#   CSP_PEER_ROWS     a regular expression: only the rows it matches (default all)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
rounds=${CSP_PEER_ROUNDS:-5}
min_ms=${CSP_PEER_MIN_MS:-400}
only=${CSP_PEER_ROWS:-.}
out=build/peers
mkdir -p "$out"

peers=(golang-go librust-crossbeam-channel-dev)
command -v cargo >/dev/null || peers+=(cargo)
tools/deps.sh "${peers[@]}"

cmake --preset release >/dev/null
cmake --build --preset release -j "${JOBS:-$(nproc)}" --target channel_bench >/dev/null
GOCACHE="$root/$out/gocache" go build -o "$out/go_chan_bench" bench/peers/go/chan_bench.go
(cd bench/peers/crossbeam &&
  CARGO_TARGET_DIR="$root/$out/crossbeam" cargo build --release --quiet)
csp_bench=build/release/bench/channel_bench
go_bench=$out/go_chan_bench
cb_bench=$out/crossbeam/release/crossbeam_chan_bench

# "<row>/<impl> <ns> <round> <window> <floor ns>", one line per measurement: the window both
# its brackets fell in (or "mixed"), and their mean.
samples=$out/samples.txt
: >"$samples"

min_s=$(awk -v ms="$min_ms" 'BEGIN { print ms / 1000 }')

# One run of the Google Benchmark rows matching the regular expression $1, as "<name> <ns>".
gbench() {
  "$csp_bench" --benchmark_filter="$1" --benchmark_min_time="${2:-$min_s}" |
    awk '$1 ~ /\/real_time$/ && $3 == "ns" { sub(/\/real_time$/, "", $1); print $1, $2 }'
}
# A bracket: the spin floor, in ns, from a short run (a tenth of a second).
floor_now() { gbench '^floor/spin' 0.1 | awk '{ print $2 }'; }
# Tags the "<name> <ns>" lines on stdin with round $1 and the brackets $2 and $3.
tag() {
  awk -v round="$1" -v a="$2" -v b="$3" '
    function window(f) { return f < 100 ? "fast" : f < 250 ? "medium" : "slow" }
    NF >= 2 { print $1, $2, round, (window(a) == window(b) ? window(a) : "mixed"), (a + b) / 2 }'
}

rows=(spsc/cap:0 spsc/cap:1 spsc/cap:1024 mpsc/cap:0 mpsc/cap:1 mpsc/cap:1024
  mpmc/cap:0 mpmc/cap:1 mpmc/cap:1024 ping_pong/cap:0 ping_pong/cap:1 fan_out_64/cap:1024)
gbench '^floor/futex' | awk '{ print $1, $2, "before" }' >>"$samples"
# Run order: fan_out_64 right after the row it is compared with.
run_order=(spsc/cap:0 spsc/cap:1 spsc/cap:1024 mpsc/cap:0 mpsc/cap:1 mpsc/cap:1024
  mpmc/cap:0 mpmc/cap:1 mpmc/cap:1024 fan_out_64/cap:1024 ping_pong/cap:0 ping_pong/cap:1)
for ((round = 1; round <= rounds; ++round)); do
  for row in "${run_order[@]}"; do
    [[ $row =~ $only ]] || continue
    echo "bench-peers: round $round of $rounds, $row" >&2
    # lock_free, Go and crossbeam first, each between two brackets; then csp's mutex-based
    # channel and the condvar queue, which at capacity 0 take seconds (no target compares them).
    f0=$(floor_now)
    lf=$(gbench "^$row/lock_free")
    f1=$(floor_now)
    go=$("$go_bench" -row "$row" -reps 1 -min_time "${min_ms}ms" | awk '{ print $1, $2 }')
    f2=$(floor_now)
    cb=$("$cb_bench" --row "$row" --reps 1 --min-time-ms "$min_ms" | awk '{ print $1, $2 }')
    f3=$(floor_now)
    others=$(gbench "^$row/(mutex_based|condvar_queue)")
    f4=$(floor_now)
    {
      tag "$round" "$f0" "$f1" <<<"$lf"
      tag "$round" "$f1" "$f2" <<<"$go"
      tag "$round" "$f2" "$f3" <<<"$cb"
      tag "$round" "$f3" "$f4" <<<"$others"
    } >>"$samples"
  done
done
gbench '^floor/futex' | awk '{ print $1, $2, "after" }' >>"$samples"

awk -v rows="${rows[*]}" '
  function fmt(x) { return x == "" ? "–" : (x >= 1000 ? sprintf("%.0f", x) : sprintf("%.1f", x)) }
  # The median of the values in v[1..n] (sorted in place), "" if none.
  function median(v, n,   i, j, x) {
    if (n == 0) return ""
    for (i = 2; i <= n; ++i) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; --j) v[j + 1] = v[j]; v[j + 1] = x }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  # The median over the rounds of impl a / impl b in row r, both measured in window w, with
  # its range and its number of rounds, as "1.02 (0.95–1.10, 4)". b "floor": a over its own
  # brackets.
  function ratio(r, a, b, w,   k, n, v, lo, hi) {
    n = 0
    for (k = 1; k <= R; ++k) {
      if (!((r, a, k) in t) || win[r, a, k] != w) continue
      if (b == "floor") v[++n] = t[r, a, k] / fl[r, a, k]
      else if ((r, b, k) in t && win[r, b, k] == w && t[r, b, k] > 0) v[++n] = t[r, a, k] / t[r, b, k]
    }
    if (n == 0) return "–"
    lo = hi = v[1]
    for (k = 2; k <= n; ++k) { if (v[k] < lo) lo = v[k]; if (v[k] > hi) hi = v[k] }
    return sprintf("%.2f (%.2f–%.2f, %d)", median(v, n), lo, hi, n)
  }
  # The median of impl a in row r over the rounds that measured it in window w; "floor": of
  # lock_free'"'"'s brackets.
  function mid(r, a, w,   k, n, v, x) {
    n = 0
    x = a == "floor" ? "lock_free" : a
    for (k = 1; k <= R; ++k) {
      if ((r, x, k) in t && win[r, x, k] == w) v[++n] = a == "floor" ? fl[r, x, k] : t[r, x, k]
    }
    return median(v, n)
  }
  {
    name = $1; impl = name; sub(/.*\//, "", impl); row = name; sub(/\/[^\/]*$/, "", row)
    if (row == "floor") { futex[$3] = $2; next }
    t[row, impl, $3] = $2; win[row, impl, $3] = $4; fl[row, impl, $3] = $5
    if ($4 == "mixed") ++mixed
    ++measured
    if ($3 + 0 > R) R = $3 + 0
  }
  END {
    n = split(rows, r, " ")
    split("fast medium slow", ws, " ")
    split("under 100 ns|100-250 ns|250 ns or more", bands, "|")
    for (q = 1; q <= 3; ++q) {
      w = ws[q]
      seen = 0
      for (i = 1; i <= n; ++i) if (mid(r[i], "lock_free", w) != "") seen = 1
      if (!seen) continue
      printf "\n%s window (spin floor %s):\n\n", w, bands[q]
      printf "| row | csp lock_free | csp mutex_based | condvar queue | Go | crossbeam | spin floor | lock_free / Go | lock_free / crossbeam |\n"
      printf "|---|---|---|---|---|---|---|---|---|\n"
      for (i = 1; i <= n; ++i) {
        if (mid(r[i], "lock_free", w) == "") continue
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r[i], fmt(mid(r[i], "lock_free", w)),
               fmt(mid(r[i], "mutex_based", w)), fmt(mid(r[i], "condvar_queue", w)),
               fmt(mid(r[i], "go", w)), fmt(mid(r[i], "crossbeam", w)), fmt(mid(r[i], "floor", w)),
               ratio(r[i], "lock_free", "go", w), ratio(r[i], "lock_free", "crossbeam", w)
      }
      printf "\n"
      for (c = 0; c <= 1; ++c) {
        row = "ping_pong/cap:" c
        if (mid(row, "lock_free", w) != "") printf "%s: lock_free %s x the spin round trip (target: 4x); Go %s x, crossbeam %s x\n", row, ratio(row, "lock_free", "floor", w), ratio(row, "go", "floor", w), ratio(row, "crossbeam", "floor", w)
      }
      fo = "fan_out_64/cap:1024"; mm = "mpmc/cap:1024"
      if (mid(fo, "lock_free", w) != "" && mid(mm, "lock_free", w) != "") {
        for (k = 1; k <= R; ++k) if ((mm, "lock_free", k) in t) { t[fo, "mpmc", k] = t[mm, "lock_free", k]; win[fo, "mpmc", k] = win[mm, "lock_free", k] }
        printf "fan_out_64: lock_free %s x the mpmc/cap:1024 row of its round (target: 1.5x)\n", ratio(fo, "lock_free", "mpmc", w)
      }
    }
    printf "\n%d rounds; medians in ns over the rounds measured in the window; ratios: the median over the rounds of the ratio within a round of two measurements in the window (its range, rounds)\n", R
    printf "%d of %d measurements left out: their brackets fell in different windows\n", mixed, measured
    printf "futex round trip: %s ns before the rounds, %s after\n", fmt(futex["before"]), fmt(futex["after"])
  }' "$samples"
