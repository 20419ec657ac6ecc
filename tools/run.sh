#!/usr/bin/env bash
# Ten: start or stop the local system under var/ (make run / make stop).
#
# var/nginx     nginx's prefix; conf/ is a copy of conf/nginx.conf, with
#               the kernel's keys in conf/keys/
# var/vfs       ten-vfs: its root, key, trust file and log
# var/factotum  ten-factotum: its key, trust file, key store and log
# var/ssr       ten-ssr: its key, trust file and log
#
# TEN_VAR, TEN_PORT, TEN_VFS_PORT, TEN_FACTOTUM_PORT and TEN_SSR_PORT move
# it elsewhere.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
var="${TEN_VAR:-$top/var}"
prefix="$var/nginx"
keys="$prefix/conf/keys"
build="${TEN_BUILD:-$top/build}"
nginx=${TEN_NGINX:-/usr/sbin/nginx}
port=${TEN_PORT:-8090}
vfs_port=${TEN_VFS_PORT:-5640}
fact_port=${TEN_FACTOTUM_PORT:-5641}
ssr_port=${TEN_SSR_PORT:-5642}

pub() { "$build/ten-key" pub "$1"; }

# identities and trust, made once and kept
setup_keys() {
    mkdir -p "$keys" "$var/vfs/root" "$var/factotum" "$var/ssr"
    chmod 700 "$keys" "$var/vfs" "$var/factotum" "$var/ssr"

    for k in "$keys/kernel" "$var/vfs/vfs" "$var/factotum/factotum" \
        "$var/ssr/ssr"; do
        [ -f "$k.key" ] || "$build/ten-key" gen "$(basename "$k")" \
            "$k.key" > /dev/null
    done

    {
        echo "kernel $(pub "$keys/kernel.key") speaks-for"
        echo "factotum $(pub "$var/factotum/factotum.key") tickets"
        echo "ssr $(pub "$var/ssr/ssr.key") speaks-for"
    } > "$var/vfs/trust"
    {
        echo "kernel $(pub "$keys/kernel.key") speaks-for"
        echo "vfs $(pub "$var/vfs/vfs.key")"
    } > "$var/factotum/trust"
    {
        echo "vfs $(pub "$var/vfs/vfs.key")"
        echo "factotum $(pub "$var/factotum/factotum.key")"
        echo "ssr $(pub "$var/ssr/ssr.key")"
    } > "$keys/kernel.trust"
    {
        echo "kernel $(pub "$keys/kernel.key") speaks-for"
        echo "vfs $(pub "$var/vfs/vfs.key")"
    } > "$var/ssr/trust"
}

# start_daemon NAME PIDFILE LOG COMMAND...: started unless it runs
start_daemon() {
    local name=$1 pidfile=$2 log=$3
    shift 3

    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        return
    fi

    : >> "$log"
    local lines
    lines=$(wc -l < "$log")
    "$@" < /dev/null > /dev/null 2>> "$log" &
    echo $! > "$pidfile"

    for _ in $(seq 50); do
        tail -n +"$((lines + 1))" "$log" | grep -q "serving" && return
        sleep 0.1
    done

    echo "ten: $name did not start; see $log" >&2
    exit 1
}

start() {
    setup_keys

    start_daemon ten-vfs "$var/vfs/pid" "$var/vfs/log" \
        "$build/ten-vfs" -r "$var/vfs/root" -l "127.0.0.1:$vfs_port" \
        -k "$var/vfs/vfs.key" -t "$var/vfs/trust"

    start_daemon ten-factotum "$var/factotum/pid" "$var/factotum/log" \
        "$build/ten-factotum" -s "$var/factotum/store" \
        -l "127.0.0.1:$fact_port" -k "$var/factotum/factotum.key" \
        -t "$var/factotum/trust" -v "127.0.0.1:$vfs_port"

    start_daemon ten-ssr "$var/ssr/pid" "$var/ssr/log" \
        "$build/ten-ssr" -l "127.0.0.1:$ssr_port" -k "$var/ssr/ssr.key" \
        -t "$var/ssr/trust" -v "127.0.0.1:$vfs_port"

    mkdir -p "$prefix"/{logs,modules,tmp}
    ln -sf "$build/nginx/objs/ngx_http_9p_module.so" "$prefix/modules/"
    ln -sfn "$top/web" "$prefix/web"
    sed -e "s/127\.0\.0\.1:8090/127.0.0.1:$port/" \
        -e "s/localhost:8090/localhost:$port/" \
        -e "s/127\.0\.0\.1:5640/127.0.0.1:$vfs_port/" \
        -e "s/127\.0\.0\.1:5641/127.0.0.1:$fact_port/" \
        -e "s/127\.0\.0\.1:5642/127.0.0.1:$ssr_port/" \
        "$top/conf/nginx.conf" > "$prefix/conf/nginx.conf"

    if [ -f "$prefix/logs/nginx.pid" ] \
        && kill -0 "$(cat "$prefix/logs/nginx.pid")" 2>/dev/null
    then
        "$nginx" -p "$prefix" -c conf/nginx.conf -s reload
    else
        "$nginx" -p "$prefix" -c conf/nginx.conf
    fi

    cat <<MSG
ten: the web UI at http://127.0.0.1:$port/ (log in as adm)
ten: 9P over WebSocket at ws://127.0.0.1:$port/9p (nginx logs in $prefix/logs)
ten: ten-vfs on 127.0.0.1:$vfs_port, root $var/vfs/root (log $var/vfs/log)
ten: ten-factotum on 127.0.0.1:$fact_port (log $var/factotum/log)
ten: ten-ssr on 127.0.0.1:$ssr_port, pages of the VFS at /view (log $var/ssr/log)
ten: user adm's password is in $var/factotum/store/adm.password; log in with
     $build/9p -a ws://127.0.0.1:$port/9p -t $var/adm.ticket login adm < $var/factotum/store/adm.password
     $build/9p -a ws://127.0.0.1:$port/9p -t $var/adm.ticket ls -l /
ten: stop with: make stop
MSG
}

stop() {
    if [ -f "$prefix/logs/nginx.pid" ]; then
        "$nginx" -p "$prefix" -c conf/nginx.conf -s quit 2>/dev/null || true
    fi

    for d in ssr factotum vfs; do
        if [ -f "$var/$d/pid" ]; then
            kill "$(cat "$var/$d/pid")" 2>/dev/null || true
            rm -f "$var/$d/pid"
        fi
    done

    echo "ten: stopped"
}

case "${1:-}" in
start) start ;;
stop)  stop ;;
*)     echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
