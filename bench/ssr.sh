#!/usr/bin/env bash
# Ten: ten-ssr's pages per second through the kernel (make bench-ssr).
#
# One ten-vfs, two ten-ssr (one with its page cache, one with -c 0), nginx
# with the kernel mounting them at /view and /cold, and a 20 KiB Markdown
# file.  ten-load -o wocr (walk, open, read 64 KiB, clunk: one whole page
# a loop) through the kernel, as glenda with a ticket:
#
#   raw     /tmp/doc.md           the file itself (the peer)
#   cold    /cold/tmp/doc.md      rendered every time (libcmark)
#   cached  /view/tmp/doc.md      from the cache (the VFS still checks
#                                 the walk and the open as glenda)
#
# Each is printed with its ratio to raw, measured in the same run.
# Environment: SECS (5) seconds a run, CONNS (8) connections, TEN_BUILD
# (build/), KEEP=1 keeps the scratch directory.  Results also go to
# bench/results/ssr-*.txt.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${TEN_BUILD:-$top/build}
module=$build/nginx/objs/ngx_http_9p_module.so
nginx=${TEN_NGINX:-/usr/sbin/nginx}
secs=${SECS:-5}
conns=${CONNS:-8}
stamp=$(date +%Y-%m-%d-%H%M%S)
results_dir=$top/bench/results
results=$results_dir/ssr-$stamp.txt

say() { printf '%s\n' "$*" | tee -a "$results"; }
die() { echo "bench/ssr.sh: $*" >&2; exit 1; }

for f in "$build/ten-vfs" "$build/ten-ssr" "$build/ten-key" \
         "$build/ten-load" "$module"; do
    [ -f "$f" ] || die "$f is missing: run make && make bench-tools first"
done

dir=$(mktemp -d /tmp/ten-ssr-bench.XXXXXX)
pids=()
ngx_conf=$dir/nginx.conf

cleanup() {
    local p
    if [ -f "$dir/nginx.pid" ]; then
        "$nginx" -p "$dir" -c "$ngx_conf" -e "$dir/nginx-error.log" \
            -s stop 2>/dev/null
    fi
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null
    done
    for p in "${pids[@]}"; do
        wait "$p" 2>/dev/null
    done
    if [ "${KEEP:-0}" = 1 ]; then
        echo "bench/ssr.sh: kept $dir" >&2
    else
        rm -rf "$dir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$results_dir"
: > "$results"

free_port() {
    python3 -c 'import socket; s = socket.socket(); \
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_log() {    # log what
    local i
    for i in $(seq 50); do
        grep -q serving "$1" && return 0
        sleep 0.1
    done
    die "$2 did not start: $(cat "$1")"
}

xattr() {   # file name value
    python3 -c 'import os, sys; \
os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode())' "$1" "$2" "$3"
}

vfs_port=$(free_port)
ssr_port=$(free_port)
cold_port=$(free_port)
ngx_port=$(free_port)


# ------------------------------------------------------ keys and trust

key=$build/ten-key
vfs_pub=$("$key" gen vfs "$dir/vfs.key" | awk '{ print $2 }')
kernel_pub=$("$key" gen kernel "$dir/kernel.key" | awk '{ print $2 }')
ssr_pub=$("$key" gen ssr "$dir/ssr.key" | awk '{ print $2 }')
cold_pub=$("$key" gen cold "$dir/cold.key" | awk '{ print $2 }')
factotum_pub=$("$key" gen factotum "$dir/factotum.key" | awk '{ print $2 }')
"$key" gen signing "$dir/signing.key" > /dev/null
"$key" cert "$dir/factotum.key" "$dir/signing.key" > "$dir/certs"
"$key" ticket "$dir/signing.key" glenda > "$dir/ticket"
nonce=$(awk '{ print $6 }' "$dir/ticket")
ticket_path=/priv/sessions/glenda/$nonce

printf '%s\n' "kernel $kernel_pub speaks-for" "ssr $ssr_pub speaks-for" \
    "cold $cold_pub speaks-for" > "$dir/vfs.trust"
printf '%s\n' "kernel $kernel_pub speaks-for" "vfs $vfs_pub" \
    > "$dir/ssr.trust"
printf '%s\n' "vfs $vfs_pub" "ssr $ssr_pub" "cold $cold_pub" \
    "factotum $factotum_pub" > "$dir/kernel.trust"


# ------------------------------------------------------------- services

mkdir "$dir/root"
"$build/ten-vfs" -r "$dir/root" -l "127.0.0.1:$vfs_port" \
    -k "$dir/vfs.key" -t "$dir/vfs.trust" 2> "$dir/vfs.log" &
pids+=($!)
wait_log "$dir/vfs.log" ten-vfs

root=$dir/root
printf "glenda:glenda:glenda:\ncold:cold::\n" >> "$root/adm/users"
printf 'mount -c vfs /\nmount ssr /view\nmount cold /cold\n' \
    > "$root/lib/namespace"

mkdir -p "$root/priv/sessions/glenda"
xattr "$root/priv/sessions/glenda" user.ten.uid factotum
xattr "$root/priv/sessions/glenda" user.ten.gid sys
xattr "$root/priv/sessions/glenda" user.ten.mode 800001e8
cp "$dir/ticket" "$root$ticket_path"
xattr "$root$ticket_path" user.ten.uid factotum
xattr "$root$ticket_path" user.ten.gid sys
xattr "$root$ticket_path" user.ten.mode 00000120

# a 20 KiB Markdown document: headings, paragraphs, lists, code, links
python3 - "$root/tmp/doc.md" <<'PY'
import sys
parts, i = [], 0
while sum(map(len, parts)) < 20 * 1024:
    parts.append(f"## Section {i}\n\nSome *emphasis*, **strong** text, "
                 f"`code` and a [link](other{i}.md) in paragraph {i}.\n\n"
                 f"- item one\n- item two\n  - nested\n\n"
                 f"```c\nint f{i}(void) {{ return {i} < 2; }}\n```\n\n"
                 f"> a quote\n\n")
    i += 1
open(sys.argv[1], "w").write("".join(parts)[:20 * 1024])
PY
xattr "$root/tmp/doc.md" user.ten.mode 000001a4

"$build/ten-ssr" -l "127.0.0.1:$ssr_port" -k "$dir/ssr.key" \
    -t "$dir/ssr.trust" -v "127.0.0.1:$vfs_port" 2> "$dir/ssr.log" &
pids+=($!)
wait_log "$dir/ssr.log" ten-ssr
"$build/ten-ssr" -n cold -c 0 -l "127.0.0.1:$cold_port" \
    -k "$dir/cold.key" -t "$dir/ssr.trust" -v "127.0.0.1:$vfs_port" \
    2> "$dir/cold.log" &
pids+=($!)
wait_log "$dir/cold.log" "ten-ssr -c 0"

cat > "$ngx_conf" <<CONF
load_module $module;
worker_processes  1;
pid               $dir/nginx.pid;
error_log         $dir/error.log warn;
events { worker_connections 1024; }
http {
    access_log             off;
    client_body_temp_path  $dir/tmp;
    proxy_temp_path        $dir/tmp;
    fastcgi_temp_path      $dir/tmp;
    uwsgi_temp_path        $dir/tmp;
    scgi_temp_path         $dir/tmp;
    upstream ten_vfs  { server 127.0.0.1:$vfs_port; ninep_connections 2; }
    upstream ten_ssr  { server 127.0.0.1:$ssr_port; ninep_connections 2; }
    upstream ten_cold { server 127.0.0.1:$cold_port; ninep_connections 2; }
    server {
        listen       127.0.0.1:$ngx_port;
        location = /9p {
            ninep;
            ninep_identity     $dir/kernel.key;
            ninep_trust        $dir/kernel.trust;
            ninep_service      vfs ten_vfs boot;
            ninep_service      ssr ten_ssr;
            ninep_service      cold ten_cold;
            ninep_ticket_keys  $dir/certs;
            ninep_msize        65536;
        }
    }
}
CONF
mkdir -p "$dir/tmp"
"$nginx" -p "$dir" -c "$ngx_conf" -e "$dir/nginx-error.log" \
    || die "nginx did not start: $(cat "$dir/error.log" 2>/dev/null)"


# ------------------------------------------------------------ the runs

declare -A ops p50 errs
kern=(-w "ws://127.0.0.1:$ngx_port/9p" -u glenda -A "$ticket_path")

run() {     # name path
    local line
    line=$("$build/ten-load" "${kern[@]}" -o wocr -p "$2" -m 65536 \
           -c "$conns" -d 1 -t "$secs" 2> "$dir/load.err")
    [ -s "$dir/load.err" ] && head -5 "$dir/load.err" | sed "s/^/  [$1] /" >&2
    ops[$1]=$(sed -n 's/.* ops_per_s=\([0-9]*\).*/\1/p' <<< "$line")
    p50[$1]=$(sed -n 's/.* p50_us=\([0-9]*\).*/\1/p' <<< "$line")
    errs[$1]=$(sed -n 's/.* errors=\([0-9]*\).*/\1/p' <<< "$line")
    : "${ops[$1]:=0}"
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (b + 0 == 0) print "-"; else printf "%.2f", a / b }'
}

# one page, to check it is there and to see its size
"$build/ten-load" "${kern[@]}" -o wocr -p /view/tmp/doc.md -t 0.2 \
    > /dev/null 2>&1
run raw /tmp/doc.md
run cold /cold/tmp/doc.md
run cached /view/tmp/doc.md

git_rev=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo "?")
git -C "$top" diff --quiet HEAD 2>/dev/null || git_rev="$git_rev+changes"

say "bench/ssr.sh $(date '+%Y-%m-%d %H:%M:%S %z') (commit $git_rev)"
say "machine: $(nproc) CPUs, $(uname -sr); ten-load, nginx (1 worker),"
say "  ten-vfs and two ten-ssr share them, over loopback"
say "a 20 KiB Markdown file; ten-load -o wocr (walk, open, read, clunk),"
say "  $conns connections, 1 in flight each, $secs s a run, as glenda"
say ""
say "$(printf '%-8s %-20s %10s %9s %7s %8s' what path 'pages/s' 'p50 us' errors 'vs raw')"
for k in raw cold cached; do
    case $k in
    raw) p=/tmp/doc.md ;; cold) p=/cold/tmp/doc.md ;; cached) p=/view/tmp/doc.md ;;
    esac
    say "$(printf '%-8s %-20s %10s %9s %7s %8s' "$k" "$p" "${ops[$k]}" \
        "${p50[$k]:--}" "${errs[$k]:--}" "$(ratio "${ops[$k]}" "${ops[raw]}")")"
done
say ""
say "cached/cold: $(ratio "${ops[cached]}" "${ops[cold]}")"
echo "bench/ssr.sh: results in $results" >&2
