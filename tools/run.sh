#!/usr/bin/env bash
# Ten: start or stop the local system under var/ (make run / make stop).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
prefix="$top/var/nginx"
nginx=${TEN_NGINX:-/usr/sbin/nginx}
port=${TEN_PORT:-8090}

start() {
    mkdir -p "$prefix"/{conf,logs,modules,tmp}
    ln -sf "$top/build/nginx/objs/ngx_http_9p_module.so" "$prefix/modules/"
    sed "s/127\.0\.0\.1:8090/127.0.0.1:$port/" "$top/conf/nginx.conf" \
        > "$prefix/conf/nginx.conf"

    if [ -f "$prefix/logs/nginx.pid" ] \
        && kill -0 "$(cat "$prefix/logs/nginx.pid")" 2>/dev/null
    then
        "$nginx" -p "$prefix" -c conf/nginx.conf -s reload
        echo "ten: nginx reloaded"
    else
        "$nginx" -p "$prefix" -c conf/nginx.conf
        echo "ten: nginx started"
    fi

    cat <<MSG
ten: 9P over WebSocket at ws://127.0.0.1:$port/9p
ten: logs in $prefix/logs; stop with: make stop
ten: not yet: ten-vfs, ten-factotum, ten-ssr and the web UI do not exist,
     so the endpoint answers Tversion and refuses attach ("not attached").
MSG
}

stop() {
    if [ -f "$prefix/logs/nginx.pid" ]; then
        "$nginx" -p "$prefix" -c conf/nginx.conf -s quit && echo "ten: stopped"
    else
        echo "ten: not running"
    fi
}

case "${1:-}" in
start) start ;;
stop)  stop ;;
*)     echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
