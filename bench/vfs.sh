#!/usr/bin/env bash
# Ten: ten-vfs numbers -- a stat loop and walk-open-read-clunk of a small
# file, at 1 and 16 connections, straight over TCP (make bench-vfs).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${TEN_BUILD:-$top/build}
secs=${SECS:-5}
port=${PORT:-15699}
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT

mkdir "$dir/root"
"$build/ten-key" gen vfs "$dir/vfs.key" > /dev/null
"$build/ten-key" gen kernel "$dir/kernel.key" > "$dir/trusted"
"$build/ten-vfs" -r "$dir/root" -l "127.0.0.1:$port" -k "$dir/vfs.key" \
    -t "$dir/trusted" 2> "$dir/vfs.log" &
pid=$!

for i in $(seq 50); do
    grep -q serving "$dir/vfs.log" && break
    sleep 0.1
done

# a 4 KiB file anyone may read (Plan 9 mode 0644 in its xattr)
head -c 4096 /dev/urandom > "$dir/root/tmp/small"
setfattr -n user.ten.mode -v 000001a4 "$dir/root/tmp/small" 2>/dev/null \
    || python3 -c "import os,sys; os.setxattr(sys.argv[1], \
                   'user.ten.mode', b'000001a4')" "$dir/root/tmp/small"

echo "ten-vfs on $(nproc) cores, ${secs}s per run, depth 1"
for op in stat wocr; do
    for c in 1 16; do
        "$build/ten-load" -a "127.0.0.1:$port" -o "$op" -p /tmp/small \
            -c "$c" -d 1 -t "$secs"
    done
done
