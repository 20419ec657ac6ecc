#!/usr/bin/env bash
# Ten: the ten-vfs suites (t/02*.t) with every root on a GlusterFS volume
# (make test-gfapi).
#
#   tools/test-gfapi.sh [PROVE-OPTION...] [TEST-FILE...]
#
# Brings up a private single-brick volume with tools/gluster-local.sh in a
# new temporary directory, mounts it through FUSE there, and runs
#
#   prove -I t/lib [PROVE-OPTION...] TEST-FILE...     (default: t/02*.t)
#
# with TEN_VFS_GLUSTER=HOST/tengfapi:MOUNTPOINT (t/lib/Ten/VFS.pm): every
# block's root is a new directory of the volume, which ten-vfs serves as
# gluster://HOST/tengfapi/DIR (libgfapi) and the tests check through the
# mount.  TEN_VFS_GLUSTER_FUSE=1 in the environment (passed through) has
# ten-vfs serve the FUSE path instead.  The volume and its glusterd are
# torn down at the end, also on failure or interrupt; TEN_KEEP_GLUSTER=1
# keeps the directory (logs, bricks and with them the tests' roots).
#
# Needs root, /dev/fuse, glusterfs-server and glusterfs-client (make deps)
# and the programs in TEN_BUILD (default build/, make progs).  One glusterd
# a machine: bricks find theirs on port 24007 only.  When another one
# listens there (t/120-vfs-gluster.t, make test-scale, bench/gluster.sh,
# someone else's run) this refuses, saying which, and exits with 75; with
# TEN_GLUSTER_WAIT=SECONDS it first waits that long for the port.  It
# never stops a glusterd it did not start.  TEN_GLUSTER_NETNS=1 runs it
# all (glusterd, bricks, mount, prove and ten-vfs) in a network namespace
# of its own (unshare --net, loopback only), where 24007 is free whatever
# runs outside; HOST must then resolve to a loopback address.
#
# Exit status: prove's; 75 when port 24007 is taken; 1 when the volume
# could not be brought up; 2 usage.
set -euo pipefail

prog=$(basename "$0")
cd "$(dirname "$0")/.."
repo=$PWD
tool=$repo/tools/gluster-local.sh
vol=tengfapi

case "${1:-}" in
-h|--help) sed -n '2,/^set -e/p' "$0" | sed -e '/^set -e/d' -e 's/^# \{0,1\}//' >&2
           exit 2 ;;
esac

die() { echo "$prog: $*" >&2; exit 1; }

# TEN_GLUSTER_NETNS: again, in a network namespace with only loopback
if [ -n "${TEN_GLUSTER_NETNS:-}" ]; then
    if [ -z "${TEN_GFAPI_NETNS_INSIDE:-}" ]; then
        command -v unshare > /dev/null || die "TEN_GLUSTER_NETNS: no unshare (util-linux)"
        exec env TEN_GFAPI_NETNS_INSIDE=1 unshare --net -- "$0" "$@"
    fi
    ip link set lo up || die "TEN_GLUSTER_NETNS: cannot bring up lo in the new namespace"
    case "$(getent hosts "$(hostname)" | awk '{ print $1; exit }')" in
    127.*|::1) ;;
    *) die "TEN_GLUSTER_NETNS: $(hostname) does not resolve to a loopback address" ;;
    esac
fi

# whether something listens on TCP port 24007 (0x5DC7)
port_taken() {
    awk '$2 ~ /:5DC7$/ && $4 == "0A" { f = 1 } END { exit !f }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

[ "$(id -u)" = 0 ] || die "must run as root (glusterd, bricks and FUSE mounts need it)"
[ -c /dev/fuse ] || die "no /dev/fuse: FUSE is not available here"
for p in /usr/sbin/glusterd /usr/sbin/gluster /sbin/mount.glusterfs; do
    [ -x "$p" ] || die "$p is missing (apt-get install glusterfs-server glusterfs-client, or make deps)"
done
export TEN_BUILD=${TEN_BUILD:-$repo/build}
for p in ten-vfs ten-key; do
    [ -x "$TEN_BUILD/$p" ] || die "$TEN_BUILD/$p is missing (make progs)"
done

wait_left=${TEN_GLUSTER_WAIT:-0}
while port_taken; do
    if [ "$wait_left" -le 0 ]; then
        owner=$(pgrep -a -x glusterd | head -1 || true)
        echo "$prog: port 24007 is taken${owner:+ by glusterd ($owner)}:" \
             "another GlusterFS test or bench runs here (one glusterd a" \
             "machine); try again when it is done (TEN_GLUSTER_WAIT=SECONDS" \
             "waits for it)" >&2
        exit 75
    fi
    [ "$wait_left" = "${TEN_GLUSTER_WAIT:-0}" ] \
        && echo "$prog: port 24007 is taken; waiting up to ${TEN_GLUSTER_WAIT} s" >&2
    sleep 5
    wait_left=$((wait_left - 5))
done

# prove's options, then the test files (default t/02*.t)
opts=() files=()
for a in "$@"; do
    case "$a" in
    -*) opts+=("$a") ;;
    *)  files+=("$a") ;;
    esac
done
[ ${#files[@]} -gt 0 ] || files=(t/02*.t)

dir=$(mktemp -d "${TMPDIR:-/tmp}/ten-gfapi-XXXXXX")
up=0

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ "$up" = 1 ] || [ -d "$dir/run" ]; then
        "$tool" down "$dir" || echo "$prog: tearing down $dir failed" >&2
    fi
    if [ -n "${TEN_KEEP_GLUSTER:-}" ]; then
        echo "$prog: kept $dir (TEN_KEEP_GLUSTER)" >&2
    else
        rm -rf "$dir"
    fi
    exit "$status"
}
# a signal ends prove's process group (its tests stop their ten-vfs and
# remove their roots), then the volume
prove_pid=
on_signal() {
    if [ -n "$prove_pid" ]; then
        kill -TERM -- "-$prove_pid" 2>/dev/null || kill -TERM "$prove_pid" 2>/dev/null || true
        wait "$prove_pid" 2>/dev/null || true
    fi
    exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

start=$(date +%s)
out=$("$tool" up "$dir" "$vol" 2>&1) || {
    up=1
    case "$out" in
    *"port 24007 is taken"*) echo "$out" >&2; exit 75 ;;
    esac
    die "could not bring up the volume: $out"
}
up=1
host=$(sed -n 's/^glusterd \(.*\):24007$/\1/p' <<< "$out")
[ -n "$host" ] || die "gluster-local.sh up said no host: $out"
"$tool" mount "$dir" "$vol" "$dir/mnt" || die "could not mount $vol"
ready=$(date +%s)

export TEN_VFS_GLUSTER="$host/$vol:$dir/mnt"
echo "$prog: TEN_VFS_GLUSTER=$TEN_VFS_GLUSTER${TEN_VFS_GLUSTER_FUSE:+ TEN_VFS_GLUSTER_FUSE=$TEN_VFS_GLUSTER_FUSE} (volume up in $((ready - start)) s)"

set +e
setsid -w prove -I t/lib ${opts[@]+"${opts[@]}"} "${files[@]}" &
prove_pid=$!
wait "$prove_pid"
status=$?
prove_pid=
set -e

left=$(find "$dir/mnt" -mindepth 1 -maxdepth 1 | head -5)
[ -z "$left" ] || [ -n "${TEN_KEEP_GLUSTER:-}" ] \
    || echo "$prog: roots left on the volume: $left" >&2
echo "$prog: prove took $(( $(date +%s) - ready )) s, exit status $status"
exit "$status"
