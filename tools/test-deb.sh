#!/usr/bin/env bash
# make test-deb: the packages installed for real, next to Debian's own
# nginx.  dpkg -i puts the modules where Debian's nginx loads them from
# and enables their load files, and the ten package makes its users, keys
# and trust files; its systemd units pass systemd-analyze verify and,
# systemd not running here, their ExecStart lines run as their users;
# Debian's nginx then runs a configuration that loads modules the way
# /etc/nginx/nginx.conf does (include /etc/nginx/modules-enabled/*.conf)
# with a WebSocket location and a raw 9P stream server using the keys in
# /etc/ten; the 9p command logs in as adm over WebSocket and reads a file
# over each transport; dpkg --purge must leave none of the packages'
# files behind, only the data the README says it keeps.  Needs root
# (dpkg) and the packages make deps installs; ports 5640-5642 (the
# units') must be free.  A failure still stops what it started and
# purges.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

work=$top/build/test-deb
site_port=${TEN_PORT:-18190}
tcp_port=$((site_port + 1))
packages=(ten libnginx-mod-stream-9p libnginx-mod-http-9p)
units=(ten-vfs ten-factotum ten-ssr)
pids=()

say()  { echo "test-deb: $*"; }
fail() { echo "test-deb: FAILED: $*" >&2; exit 1; }

cleanup() {
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
    [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
    dpkg --purge "${packages[@]}" > /dev/null 2>&1 || true
    rm -rf /var/lib/ten
}

# A unit's ExecStart line, run as its User (systemd is not running).
run_unit() {
    local unit=/lib/systemd/system/$1.service cmd user
    cmd=$(sed -n 's/^ExecStart=//p' "$unit")
    user=$(sed -n 's/^User=//p' "$unit")
    # shellcheck disable=SC2086
    runuser -u "$user" -- $cmd > "$work/$1.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do
        grep -q serving "$work/$1.log" && return
        sleep 0.1
    done
    cat "$work/$1.log"
    fail "$1 did not start as $user"
}

rm -rf "$work"
mkdir -p "$work"
trap cleanup EXIT

make deb > "$work/make-deb.log" 2>&1 || { tail -20 "$work/make-deb.log"; fail "make deb"; }
say "packages built, lintian has no errors"

[ ! -e /var/lib/ten ] || fail "/var/lib/ten exists: is ten installed already?"
dpkg -i build/deb/libnginx-mod-http-9p_*_*.deb \
        build/deb/libnginx-mod-stream-9p_*_*.deb \
        build/deb/ten_*_*.deb > "$work/dpkg.log" 2>&1 \
    || { cat "$work/dpkg.log"; fail "dpkg -i"; }
dpkg -L "${packages[@]}" | sort -u > "$work/files"

for conf in 50-mod-http-9p.conf 70-mod-stream-9p.conf; do
    [ -e "/etc/nginx/modules-enabled/$conf" ] \
        || fail "dpkg -i did not enable $conf in /etc/nginx/modules-enabled"
done
say "installed; modules-enabled has 50-mod-http-9p.conf and 70-mod-stream-9p.conf"

for u in _ten-vfs _ten-factotum _ten-ssr; do
    id "$u" > /dev/null 2>&1 || fail "the ten package did not make the user $u"
done
[ "$(stat -c '%a %U' /var/lib/ten/vfs/vfs.key)" = "600 _ten-vfs" ] \
    || fail "ten-vfs's key is not 0600 and its user's"
[ "$(stat -c '%a %U' /etc/ten/kernel.key)" = "600 root" ] \
    || fail "the kernel's key is not 0600 and root's"
for u in "${units[@]}"; do
    systemd-analyze verify "/lib/systemd/system/$u.service" \
        > "$work/verify-$u.log" 2>&1 \
        || { cat "$work/verify-$u.log"; fail "systemd-analyze verify $u"; }
done
say "users, keys (0600, their owners') and trust files made; the units verify"

for u in "${units[@]}"; do
    run_unit "$u"
done
say "the units' ExecStart lines run as their users"
keys=/etc/ten
for _ in $(seq 50); do
    [ -f /var/lib/ten/factotum/store/adm.password ] && break
    sleep 0.1
done

cat > "$work/nginx.conf" <<EOF
# the way Debian's /etc/nginx/nginx.conf loads modules
include /etc/nginx/modules-enabled/*.conf;
pid $work/nginx.pid;
error_log $work/error.log info;
events { worker_connections 256; }
http {
    access_log $work/access.log;
    upstream ten_vfs { server 127.0.0.1:5640; }
    upstream ten_factotum { server 127.0.0.1:5641; }
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
    < /var/lib/ten/factotum/store/adm.password > "$work/login.log" 2>&1 \
    || { cat "$work/login.log"; fail "9p login adm over WebSocket"; }
build/9p -a "ws://127.0.0.1:$site_port/9p" -t "$ticket" read /adm/users \
    | grep -q '^adm:' || fail "9p read /adm/users over WebSocket"
build/9p -a "tcp!127.0.0.1!$tcp_port" -t "$ticket" read /adm/users \
    | grep -q '^adm:' || fail "9p read /adm/users over raw TCP"
say "logged in as adm; /adm/users read over WebSocket and over raw TCP"

kill "$(cat "$work/nginx.pid")"
rm -f "$work/nginx.pid"
kill "${pids[@]}"
wait "${pids[@]}" 2>/dev/null || true
pids=()

dpkg --purge "${packages[@]}" > "$work/purge.log" 2>&1 \
    || { cat "$work/purge.log"; fail "dpkg --purge"; }
left=""
while read -r f; do
    # files and links to files: shared directories (and /lib) stay
    if [ ! -d "$f" ] && { [ -f "$f" ] || [ -L "$f" ]; }; then
        left="$left $f"
    fi
done < "$work/files"
[ -z "$left" ] || fail "dpkg --purge left:$left"
if ls /etc/nginx/modules-enabled/ | grep -q 9p; then
    fail "dpkg --purge left a load file in /etc/nginx/modules-enabled"
fi
for u in _ten-vfs _ten-factotum _ten-ssr; do
    ! id "$u" > /dev/null 2>&1 || fail "dpkg --purge left the user $u"
done
left=$(find /etc/ten /var/lib/ten \( -name '*.key' -o -name '*trust' \) \
       2>/dev/null || true)
[ -z "$left" ] || fail "dpkg --purge left keys or trust files: $left"
[ -d /var/lib/ten/vfs/root/adm ] && [ -d /var/lib/ten/factotum/store ] \
    || fail "dpkg --purge took the data it should keep"
say "purged: no file of the packages, user, key or trust file is left; the files and accounts are kept"
say "ok"
