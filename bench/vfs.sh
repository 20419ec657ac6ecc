#!/usr/bin/env bash
# Ten: ten-vfs numbers (make bench-vfs) -- a stat loop and
# walk-open-read-clunk of a 4 KiB file, at 1 and 64 connections, straight
# over TCP, against the machine's own loopback round trip (ten-echo) in
# the same run.  BASE=/path/to/an/older/ten-vfs measures that one too,
# each row just before ours, and prints ours / BASE.
#
#   SECS=5 CONNS="1 64" BASE=/tmp/main/build/ten-vfs bench/vfs.sh
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${TEN_BUILD:-$top/build}
secs=${SECS:-5}
conns=${CONNS:-1 64}
port=${PORT:-15699}
base=${BASE:-}
dir=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT

# $1 name, $2 binary, $3 port: a fresh seeded root with /tmp/small
start_vfs() {
    mkdir "$dir/$1"
    "$2" -r "$dir/$1" -l "127.0.0.1:$3" -k "$dir/vfs.key" \
        -t "$dir/trusted" 2> "$dir/$1.log" &
    pids+=($!)
    for _ in $(seq 50); do
        grep -q serving "$dir/$1.log" && break
        sleep 0.1
    done
    # a 4 KiB file anyone may read (Plan 9 mode 0644 in its xattr)
    head -c 4096 /dev/urandom > "$dir/$1/tmp/small"
    setfattr -n user.ten.mode -v 000001a4 "$dir/$1/tmp/small" 2>/dev/null \
        || python3 -c "import os,sys; os.setxattr(sys.argv[1], \
                       'user.ten.mode', b'000001a4')" "$dir/$1/tmp/small"
}

# key=value $2 of a ten-load or ten-echo line $1
field() {
    sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<< " $1"
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
}

"$build/ten-key" gen vfs "$dir/vfs.key" > /dev/null
"$build/ten-key" gen kernel "$dir/kernel.key" > "$dir/trusted"
"$build/ten-echo" -l "127.0.0.1:$((port + 2))" 2> /dev/null &
pids+=($!)
start_vfs new "$build/ten-vfs" "$port"
servers=new
if [ -n "$base" ]; then
    start_vfs base "$base" "$((port + 1))"
    servers="base new"
fi
# ten-vfs caches no metadata of a file changed in the last 2 s
sleep 2.5

out=$top/bench/results/vfs-$(date +%Y-%m-%d-%H%M%S).txt
mkdir -p "$top/bench/results"
raw=$dir/raw
{
echo "ten-vfs on $(nproc) cores, ${secs} s a run, depth 1, loopback TCP;" \
     "$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')" \
     "${base:+against BASE=$base}"
echo
printf '%-5s %5s %-5s %9s %7s %7s %9s %9s %9s\n' loop conns vfs ops/s \
    p50_us p99_us p50/echo ops/echo "ops/base"
declare -A echo_p50 echo_ops
for c in $conns; do
    line=$("$build/ten-echo" -a "127.0.0.1:$((port + 2))" -c "$c" -t "$secs")
    echo "$line" >> "$raw"
    echo_p50[$c]=$(field "$line" p50_us)
    echo_ops[$c]=$(field "$line" ops_per_s)
    printf '%-5s %5s %-5s %9s %7s %7s %9s %9s\n' echo "$c" - \
        "${echo_ops[$c]}" "${echo_p50[$c]}" "$(field "$line" p99_us)" \
        1.00 1.00
done
for op in stat wocr; do
    for c in $conns; do
        declare -A ops=()
        for s in $servers; do
            p=$port
            [ "$s" = base ] && p=$((port + 1))
            line=$("$build/ten-load" -a "127.0.0.1:$p" -o "$op" \
                   -p /tmp/small -c "$c" -d 1 -t "$secs")
            echo "$s $line" >> "$raw"
            ops[$s]=$(field "$line" ops_per_s)
            printf '%-5s %5s %-5s %9s %7s %7s %9s %9s %9s\n' "$op" "$c" "$s" \
                "${ops[$s]}" "$(field "$line" p50_us)" \
                "$(field "$line" p99_us)" \
                "$(ratio "$(field "$line" p50_us)" "${echo_p50[$c]}")" \
                "$(ratio "${ops[$s]}" "${echo_ops[$c]}")" \
                "$( [ "$s" = new ] && [ -n "$base" ] \
                    && ratio "${ops[new]}" "${ops[base]}" || echo -)"
        done
    done
done
echo
echo "raw lines:"
cat "$raw"
} | tee "$out"
echo "saved in $out" >&2
