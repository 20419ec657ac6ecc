#!/usr/bin/env bash
# Ten: ten-vfs on GlusterFS (make bench-gluster) -- the same ten-vfs on a
# local directory, on a directory of a GlusterFS volume mounted through
# FUSE (tools/gluster-local.sh: a private glusterd, a replica 2 volume
# with both bricks here, zero FUSE timeouts), and on that directory
# through libgfapi (-r gluster://), one run of the same operations with
# bench/ten-load: a stat loop, walk-open-read-clunk of a 4 KiB file, and
# 64 KiB reads of an open file; ratios local / FUSE and gfapi / FUSE.
# Then bench/gfapi-probe: the file system calls under those operations
# through the FUSE mount against Gluster's own library (libgfapi) on the
# same volume.  Needs root, /dev/fuse and the glusterfs packages, and no
# other glusterd on port 24007.
#
#   SECS=5 CONNS="1 16" REPLICA=replica2 bench/gluster.sh
#
# REPLICA= (empty) measures a one-brick volume instead.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${TEN_BUILD:-$top/build}
secs=${SECS:-5}
conns=${CONNS:-1 16}
replica=${REPLICA-replica2}
port=${PORT:-15710}
dir=$(mktemp -d /tmp/ten-bench-gluster-XXXXXX)
pids=()

cleanup() {
    [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
    wait 2>/dev/null
    "$top/tools/gluster-local.sh" down "$dir/g" > /dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT

# $1 name, $2 root, $3 port[, $4 what -r gets instead of root]: ten-vfs
# on root (seeded) with /tmp/small (4 KiB) and /tmp/big (64 KiB) anyone
# may read
start_vfs() {
    mkdir -p "$2"
    "$build/ten-vfs" -r "${4:-$2}" -l "127.0.0.1:$3" -k "$dir/vfs.key" \
        -t "$dir/trusted" 2> "$dir/$1.log" &
    pids+=($!)
    for _ in $(seq 100); do
        grep -q serving "$dir/$1.log" && break
        sleep 0.1
    done
    grep -q serving "$dir/$1.log" || { cat "$dir/$1.log" >&2; exit 1; }
    head -c 4096 /dev/urandom > "$2/tmp/small"
    head -c 65536 /dev/urandom > "$2/tmp/big"
    for f in small big; do
        setfattr -n user.ten.mode -v 000001a4 "$2/tmp/$f"
    done
}

field() {
    sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<< " $1"
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
}

host=$("$top/tools/gluster-local.sh" up "$dir/g" tenbench $replica |
       sed -n 's/^glusterd \(.*\):24007$/\1/p')
"$top/tools/gluster-local.sh" mount "$dir/g" tenbench "$dir/mnt"

"$build/ten-key" gen vfs "$dir/vfs.key" > /dev/null
"$build/ten-key" gen kernel "$dir/kernel.key" > "$dir/trusted"
start_vfs local "$dir/local" "$port"
start_vfs fuse "$dir/mnt/ten" "$((port + 1))"
start_vfs gfapi "$dir/mnt/ten" "$((port + 2))" "gluster://$host/tenbench/ten"
# ten-vfs caches no metadata of a file changed in the last 2 s
sleep 2.5

out=$top/bench/results/gluster-$(date +%Y-%m-%d-%H%M%S).txt
mkdir -p "$top/bench/results"
raw=$dir/raw
{
echo "ten-vfs on local disk and on GlusterFS ($(glusterfs --version | head -1)," \
     "${replica:-one brick}) through FUSE and libgfapi, $(nproc) cores," \
     "${secs} s a run, depth 1;" \
     "$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo
printf '%-5s %5s %9s %9s %9s %7s %7s %7s %10s %10s\n' op conns local/s \
    fuse/s gfapi/s l_p50 f_p50 g_p50 local/fuse gfapi/fuse
for op in stat wocr read; do
    path=/tmp/small
    args=()
    if [ "$op" = read ]; then
        path=/tmp/big
        args=(-s 65512)
    fi
    for c in $conns; do
        l=$("$build/ten-load" -a "127.0.0.1:$port" -o "$op" -p "$path" \
            "${args[@]}" -c "$c" -d 1 -t "$secs")
        f=$("$build/ten-load" -a "127.0.0.1:$((port + 1))" -o "$op" \
            -p "$path" "${args[@]}" -c "$c" -d 1 -t "$secs")
        g=$("$build/ten-load" -a "127.0.0.1:$((port + 2))" -o "$op" \
            -p "$path" "${args[@]}" -c "$c" -d 1 -t "$secs")
        echo "local $op $l" >> "$raw"
        echo "fuse $op $f" >> "$raw"
        echo "gfapi $op $g" >> "$raw"
        printf '%-5s %5s %9s %9s %9s %7s %7s %7s %10s %10s\n' "$op" "$c" \
            "$(field "$l" ops_per_s)" "$(field "$f" ops_per_s)" \
            "$(field "$g" ops_per_s)" "$(field "$l" p50_us)" \
            "$(field "$f" p50_us)" "$(field "$g" p50_us)" \
            "$(ratio "$(field "$l" ops_per_s)" "$(field "$f" ops_per_s)")" \
            "$(ratio "$(field "$g" ops_per_s)" "$(field "$f" ops_per_s)")"
    done
done
echo
echo "the calls under them, FUSE against libgfapi (bench/gfapi-probe.c):"
"$build/gfapi-probe" "$host" tenbench "$dir/mnt" /ten/tmp/small \
    /ten/tmp/big "$((secs > 2 ? 2 : secs))"
echo
echo "raw lines:"
cat "$raw"
} | tee "$out"
echo "saved in $out" >&2
