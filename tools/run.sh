#!/usr/bin/env bash
# Ten: start or stop the local system under var/ (make run / make stop).
#
# var/nginx     nginx's prefix; conf/ is a copy of conf/nginx.conf, with
#               the kernel's keys in conf/keys/
# var/vfs       ten-vfs: its root, key, trust file and log
# var/signing   the ticket-signing key (ten-factotum's, once it exists)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
var="$top/var"
prefix="$var/nginx"
keys="$prefix/conf/keys"
build="$top/build"
nginx=${TEN_NGINX:-/usr/sbin/nginx}
port=${TEN_PORT:-8090}
vfs_port=${TEN_VFS_PORT:-5640}

pub() { "$build/ten-key" pub "$1"; }

# identities and trust, made once and kept
setup_keys() {
    mkdir -p "$keys" "$var/vfs/root" "$var/signing"
    chmod 700 "$keys" "$var/vfs" "$var/signing"

    for k in "$keys/kernel" "$var/vfs/vfs" "$var/signing/factotum" \
             "$var/signing/signing"; do
        [ -f "$k.key" ] || "$build/ten-key" gen "$(basename "$k")" \
            "$k.key" > /dev/null
    done

    echo "kernel $(pub "$keys/kernel.key") speaks-for" > "$var/vfs/trust"
    {
        echo "vfs $(pub "$var/vfs/vfs.key")"
        echo "factotum $(pub "$var/signing/factotum.key")"
    } > "$keys/kernel.trust"

    "$build/ten-key" cert "$var/signing/factotum.key" \
        "$var/signing/signing.key" > "$keys/ticket-keys"
}

setxattrs() {   # path uid gid mode-hex
    python3 - "$@" <<'PY'
import os, sys
p, u, g, m = sys.argv[1:5]
for k, v in (("uid", u), ("gid", g), ("muid", u), ("mode", m)):
    os.setxattr(p, "user.ten." + k, v.encode())
PY
}

# until ten-factotum exists: a ticket for adm, as factotum would store it
plant_ticket() {
    local t nonce dir
    t=$("$build/ten-key" ticket "$var/signing/signing.key" adm)
    nonce=$(echo "$t" | cut -d' ' -f6)
    dir="$var/vfs/root/priv/sessions/adm"
    mkdir -p "$dir"
    setxattrs "$dir" factotum sys 800001e8
    printf '%s' "$t" > "$dir/$nonce"
    setxattrs "$dir/$nonce" factotum sys 00000120
    echo "/priv/sessions/adm/$nonce" > "$var/adm.ticket"
}

start_vfs() {
    if [ -f "$var/vfs/pid" ] && kill -0 "$(cat "$var/vfs/pid")" 2>/dev/null
    then
        return
    fi

    "$build/ten-vfs" -r "$var/vfs/root" -l "127.0.0.1:$vfs_port" \
        -k "$var/vfs/vfs.key" -t "$var/vfs/trust" \
        < /dev/null > /dev/null 2>> "$var/vfs/log" &
    echo $! > "$var/vfs/pid"

    for _ in $(seq 50); do
        grep -q "serving" "$var/vfs/log" 2>/dev/null && return
        sleep 0.1
    done

    echo "ten: ten-vfs did not start; see $var/vfs/log" >&2
    exit 1
}

start() {
    setup_keys
    start_vfs
    plant_ticket

    mkdir -p "$prefix"/{logs,modules,tmp}
    ln -sf "$build/nginx/objs/ngx_http_9p_module.so" "$prefix/modules/"
    sed -e "s/127\.0\.0\.1:8090/127.0.0.1:$port/" \
        -e "s/127\.0\.0\.1:5640/127.0.0.1:$vfs_port/" \
        "$top/conf/nginx.conf" > "$prefix/conf/nginx.conf"

    if [ -f "$prefix/logs/nginx.pid" ] \
        && kill -0 "$(cat "$prefix/logs/nginx.pid")" 2>/dev/null
    then
        "$nginx" -p "$prefix" -c conf/nginx.conf -s reload
    else
        "$nginx" -p "$prefix" -c conf/nginx.conf
    fi

    cat <<MSG
ten: 9P over WebSocket at ws://127.0.0.1:$port/9p (nginx logs in $prefix/logs)
ten: ten-vfs on 127.0.0.1:$vfs_port, root $var/vfs/root (log $var/vfs/log)
ten: attach as adm with this ticket path as the aname (valid 12 hours):
     $(cat "$var/adm.ticket")
ten: not yet: ten-factotum (logins), ten-ssr, the web UI and a 9P client
     (tools/9p); stop with: make stop
MSG
}

stop() {
    if [ -f "$prefix/logs/nginx.pid" ]; then
        "$nginx" -p "$prefix" -c conf/nginx.conf -s quit 2>/dev/null || true
    fi

    if [ -f "$var/vfs/pid" ]; then
        kill "$(cat "$var/vfs/pid")" 2>/dev/null || true
        rm -f "$var/vfs/pid"
    fi

    echo "ten: stopped"
}

case "${1:-}" in
start) start ;;
stop)  stop ;;
*)     echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
