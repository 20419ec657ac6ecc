#!/usr/bin/env bash
# make test-deb: the nginx module packages installed for real, next to
# Debian's own nginx.  dpkg -i puts the modules where Debian's nginx loads
# them from and enables their load files; Debian's nginx then runs a
# configuration that loads modules the way /etc/nginx/nginx.conf does
# (include /etc/nginx/modules-enabled/*.conf) with a WebSocket location
# and a raw 9P stream server, against the services started as `make run`
# starts them; the 9p command logs in as adm over WebSocket and reads a
# file over each transport; dpkg --purge must leave none of the
# packages' files behind.  Needs root (dpkg) and the packages make deps
# installs.  Leaves the machine as it found it: a failure still purges.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

work=$top/build/test-deb
export TEN_VAR=$work/var
export TEN_PORT=${TEN_PORT:-18190}
export TEN_VFS_PORT=${TEN_VFS_PORT:-18191}
export TEN_FACTOTUM_PORT=${TEN_FACTOTUM_PORT:-18192}
export TEN_SSR_PORT=${TEN_SSR_PORT:-18193}
site_port=$((TEN_PORT + 4))
tcp_port=$((TEN_PORT + 5))
packages=(libnginx-mod-stream-9p libnginx-mod-http-9p)

say()  { echo "test-deb: $*"; }
fail() { echo "test-deb: FAILED: $*" >&2; exit 1; }

cleanup() {
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
    tools/run.sh stop > /dev/null 2>&1 || true
    dpkg --purge "${packages[@]}" > /dev/null 2>&1 || true
}

rm -rf "$work"
mkdir -p "$work"
trap cleanup EXIT

make deb > "$work/make-deb.log" 2>&1 || { tail -20 "$work/make-deb.log"; fail "make deb"; }
say "packages built, lintian has no errors"

dpkg -i build/deb/libnginx-mod-http-9p_*_*.deb \
        build/deb/libnginx-mod-stream-9p_*_*.deb > "$work/dpkg.log" 2>&1 \
    || { cat "$work/dpkg.log"; fail "dpkg -i"; }
dpkg -L "${packages[@]}" | sort -u > "$work/files"

for conf in 50-mod-http-9p.conf 70-mod-stream-9p.conf; do
    [ -e "/etc/nginx/modules-enabled/$conf" ] \
        || fail "dpkg -i did not enable $conf in /etc/nginx/modules-enabled"
done
say "installed; modules-enabled has 50-mod-http-9p.conf and 70-mod-stream-9p.conf"

# the services, their keys and adm's first password, as make run makes
# them (its own nginx runs too, on TEN_PORT: unused here)
tools/run.sh start > "$work/run.log" 2>&1 || { cat "$work/run.log"; fail "tools/run.sh start"; }
keys=$TEN_VAR/nginx/conf/keys

cat > "$work/nginx.conf" <<EOF
# the way Debian's /etc/nginx/nginx.conf loads modules
include /etc/nginx/modules-enabled/*.conf;
pid $work/nginx.pid;
error_log $work/error.log info;
events { worker_connections 256; }
http {
    access_log $work/access.log;
    upstream ten_vfs { server 127.0.0.1:$TEN_VFS_PORT; }
    upstream ten_factotum { server 127.0.0.1:$TEN_FACTOTUM_PORT; }
    server {
        listen 127.0.0.1:$site_port;
        location = /9p {
            ninep;
            ninep_identity $keys/kernel.key;
            ninep_trust $keys/kernel.trust;
            ninep_service vfs ten_vfs boot;
            ninep_service factotum ten_factotum;
        }
    }
}
stream {
    server {
        listen 127.0.0.1:$tcp_port;
        ninep;
        ninep_identity $keys/kernel.key;
        ninep_trust $keys/kernel.trust;
        ninep_service vfs ten_vfs boot;
    }
}
EOF

/usr/sbin/nginx -t -c "$work/nginx.conf" > "$work/nginx-t.log" 2>&1 \
    || { cat "$work/nginx-t.log"; fail "Debian's nginx -t with the packaged modules"; }
/usr/sbin/nginx -c "$work/nginx.conf" || fail "Debian's nginx did not start"
say "Debian's nginx runs both packaged modules"

ticket=$work/adm.ticket
build/9p -a "ws://127.0.0.1:$site_port/9p" -t "$ticket" login adm \
    < "$TEN_VAR/factotum/store/adm.password" > "$work/login.log" 2>&1 \
    || { cat "$work/login.log"; fail "9p login adm over WebSocket"; }
build/9p -a "ws://127.0.0.1:$site_port/9p" -t "$ticket" read /adm/users \
    | grep -q '^adm:' || fail "9p read /adm/users over WebSocket"
build/9p -a "tcp!127.0.0.1!$tcp_port" -t "$ticket" read /adm/users \
    | grep -q '^adm:' || fail "9p read /adm/users over raw TCP"
say "logged in as adm; /adm/users read over WebSocket and over raw TCP"

kill "$(cat "$work/nginx.pid")"
rm -f "$work/nginx.pid"
tools/run.sh stop > /dev/null 2>&1

dpkg --purge "${packages[@]}" > "$work/purge.log" 2>&1 \
    || { cat "$work/purge.log"; fail "dpkg --purge"; }
left=""
while read -r f; do
    if [ -f "$f" ] || [ -L "$f" ]; then left="$left $f"; fi
done < "$work/files"
[ -z "$left" ] || fail "dpkg --purge left:$left"
if ls /etc/nginx/modules-enabled/ | grep -q 9p; then
    fail "dpkg --purge left a load file in /etc/nginx/modules-enabled"
fi
say "purged: none of the packages' files is left"
say "ok"
