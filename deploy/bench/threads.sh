# shellcheck shell=bash
# deploy/bench/threads.sh — sourced by the benchmark scripts: a JVM's CPU per thread kind, from /proc.
# A thread kind is a thread's name with its numbers (and UUID-like ids) folded, e.g. "C2 CompilerThreN".

# threads_of PID: "kind<TAB>ticks" per thread kind (utime + stime, clock ticks, summed over the kind's threads)
threads_of() {
  for t in /proc/"$1"/task/*; do
    printf '%s\t%s\n' "$(sed -E 's/[0-9]+$/N/; s/#[0-9]+/#N/; s/-[0-9a-f]{8}-[0-9a-f-]+/-ID/' "$t/comm" 2>/dev/null)" \
      "$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null)"
  done | awk -F'\t' 'NF == 2 && $2 != "" {s[$1] += $2} END {for (k in s) print k "\t" s[k]}'
}

# threads_delta BEFORE AFTER: CPU seconds per thread kind between two threads_of outputs, biggest first (BEFORE
# may be empty, e.g. /dev/null: the whole life)
threads_delta() {
  awk -F'\t' -v hz="$(getconf CLK_TCK)" 'FILENAME == ARGV[1] {b[$1] = $2; next} {d = $2 - b[$1]; if (d > 0) printf "%7.2f s  %s\n", d / hz, $1}' \
    "$1" "$2" | sort -rn
}
