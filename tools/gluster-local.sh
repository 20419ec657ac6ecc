#!/usr/bin/env bash
# Ten: a private GlusterFS volume on this machine, for tests and benches
# (t/120-vfs-gluster.t, bench/gluster.sh, make test-scale).  Needs root,
# /dev/fuse and Debian's glusterfs-server and glusterfs-client.
#
#   tools/gluster-local.sh up DIR VOLUME [replica2]
#       Starts a glusterd of its own (glusterd -N in the background) whose
#       working, run and log directories are DIR/lib, DIR/run and DIR/log,
#       then creates and starts VOLUME: one brick DIR/bricks/VOLUME-1, or
#       with replica2 two bricks DIR/bricks/VOLUME-1 and -2 as replica 2
#       (with "force": both are on one server and on the root partition).
#       Sets the volume options that show one mount's change to every
#       other mount at once (cache invalidation on, the client-side caches
#       and write-behind off) and lets a replica 2 volume keep writing
#       with one brick down (cluster.quorum-type none: one machine, tests
#       only).  A second "up" with the same DIR adds another volume to the
#       same glusterd; a VOLUME that exists is only started if it is not
#       (its type stays).  Prints "glusterd HOST:24007".
#   tools/gluster-local.sh mount DIR VOLUME MOUNTPOINT
#       Mounts VOLUME through FUSE at MOUNTPOINT (made if missing) with
#       zero attribute, entry and negative timeouts (without them a
#       mount sees another mount's change up to 1 s late) and direct I/O
#       (without it a file open here keeps reading what the page cache
#       has, never another mount's writes), its log in DIR/log.  Any
#       number of mounts of one volume.
#   tools/gluster-local.sh down DIR
#       Unmounts everything "mount" mounted, stops DIR's volumes, and ends
#       its glusterd and every gluster process started for DIR (bricks,
#       FUSE clients, self-heal daemon), by process id; waits until none
#       is left.  DIR's files stay (rm -rf DIR after).  Safe to run twice
#       or after a failed "up".
#
# The port: glusterd listens on 24007, where the bricks and the self-heal
# daemon it starts look for it (they take no other port).  So one DIR's
# glusterd at a time: when another glusterd (a system one, or another
# DIR's) already listens on 24007, "up" refuses and says which process it
# is; stop that one first.  The gluster command line is pointed at DIR's
# glusterd by its socket, DIR/run/glusterd.socket.
# Exit status: 0 done, 1 failure (with a message on stderr), 2 usage.
set -euo pipefail

prog=$(basename "$0")

die() { echo "$prog: $*" >&2; exit 1; }

usage() {
    sed -n '/^#   tools/p' "$0" | sed 's/^#   //' >&2
    exit 2
}

need() {
    [ "$(id -u)" = 0 ] || die "must run as root (glusterd, bricks and FUSE mounts need it)"
    command -v glusterd > /dev/null && command -v gluster > /dev/null \
        || die "glusterd not installed (apt-get install glusterfs-server)"
    [ -x /sbin/mount.glusterfs ] || command -v mount.glusterfs > /dev/null \
        || die "mount.glusterfs not installed (apt-get install glusterfs-client)"
    [ -c /dev/fuse ] || die "no /dev/fuse: FUSE is not available here (in a container: --device /dev/fuse --cap-add SYS_ADMIN)"
}

# DIR as an absolute path
absdir() {
    mkdir -p "$1"
    (cd "$1" && pwd)
}

# whether something listens on TCP port $1 (/proc/net/tcp: state 0A)
listening() {
    awk -v p="$(printf ':%04X' "$1")" \
        'substr($2, length($2) - 4) == p && $4 == "0A" { f = 1 }
         END { exit !f }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# gluster's command line, talking to DIR's glusterd
gcli() {
    gluster --mode=script --glusterd-sock="$dir/run/glusterd.socket" \
        --log-file="$dir/log/cli.log" "$@"
}

glusterd_alive() {
    [ -f "$dir/run/glusterd.pid" ] && kill -0 "$(cat "$dir/run/glusterd.pid")" 2>/dev/null
}

start_glusterd() {
    local owner

    mkdir -p "$dir/lib" "$dir/run" "$dir/log" "$dir/bricks"

    if ! glusterd_alive; then
        if listening 24007; then
            owner=$(pgrep -a -x glusterd | head -1 || true)
            die "port 24007 is taken${owner:+ by glusterd ($owner)}: another glusterd runs here; stop it first (bricks find their glusterd on 24007 only)"
        fi

        cat > "$dir/glusterd.vol" <<EOF
volume management
    type mgmt/glusterd
    option working-directory $dir/lib
    option run-directory $dir/run
    option glusterd-sockfile $dir/run/glusterd.socket
    option logging-directory $dir/log
    option transport-type socket
    option transport.socket.listen-port 24007
    option transport.socket.read-fail-log off
    option ping-timeout 0
    option event-threads 1
end-volume
EOF
        glusterd -N -f "$dir/glusterd.vol" -p "$dir/run/glusterd.pid" \
            -l "$dir/log/glusterd.log" > /dev/null 2>&1 &
        echo $! > "$dir/run/glusterd.pid"
    fi

    for _ in $(seq 100); do
        gcli volume list > /dev/null 2>&1 && return
        glusterd_alive || die "glusterd exited; see $dir/log/glusterd.log"
        sleep 0.2
    done

    die "glusterd did not answer in 20 s; see $dir/log/glusterd.log"
}

cmd_up() {
    local vol=$1 replica=${2:-} host bricks=() i n=1 opt

    case "$replica" in
    "") ;;
    replica2) n=2 ;;
    *) usage ;;
    esac

    host=$(hostname)
    start_glusterd

    for i in $(seq "$n"); do
        bricks+=("$host:$dir/bricks/$vol-$i")
    done

    if ! gcli volume info "$vol" > /dev/null 2>&1; then
        if [ "$n" = 2 ]; then
            gcli volume create "$vol" replica 2 "${bricks[@]}" force > /dev/null \
                || die "could not create volume $vol; see $dir/log/glusterd.log"
        else
            gcli volume create "$vol" "${bricks[@]}" force > /dev/null \
                || die "could not create volume $vol; see $dir/log/glusterd.log"
        fi

        for opt in features.cache-invalidation=on \
                   features.cache-invalidation-timeout=600 \
                   performance.cache-invalidation=on \
                   performance.md-cache-timeout=0 \
                   performance.stat-prefetch=off \
                   performance.quick-read=off \
                   performance.io-cache=off \
                   performance.read-ahead=off \
                   performance.readdir-ahead=off \
                   performance.open-behind=off \
                   performance.write-behind=off \
                   performance.nl-cache=off \
                   network.inode-lru-limit=16384 \
                   cluster.quorum-type=none
        do
            [ "$opt" = cluster.quorum-type=none ] && [ "$n" = 1 ] && continue
            gcli volume set "$vol" "${opt%%=*}" "${opt#*=}" > /dev/null \
                || die "could not set ${opt%%=*} on $vol"
        done
    fi

    if ! gcli volume status "$vol" > /dev/null 2>&1; then
        gcli volume start "$vol" force > /dev/null \
            || die "could not start volume $vol; see $dir/log/bricks/"
    fi

    echo "glusterd $host:24007"
}

cmd_mount() {
    local vol=$1 mp=$2

    glusterd_alive || die "no glusterd for $dir (run: $prog up $dir $vol)"
    mkdir -p "$mp"
    mp=$(cd "$mp" && pwd)

    mount -t glusterfs \
        -o "direct-io-mode=enable,attribute-timeout=0,entry-timeout=0,negative-timeout=0,log-file=$dir/log/mnt-${mp//\//-}.log" \
        "$(hostname):/$vol" "$mp" \
        || die "could not mount $vol at $mp; see $dir/log/mnt-${mp//\//-}.log"
    echo "$mp" >> "$dir/mounts"
}

# the processes started for DIR: the pid file's glusterd and any gluster
# process whose command line names DIR
dir_pids() {
    local p
    for p in /proc/[0-9]*; do
        case "$( { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null)" in
        *gluster*"$dir/"*) echo "${p#/proc/}" ;;
        esac
    done
}

cmd_down() {
    local mp vol pids left

    if [ -f "$dir/mounts" ]; then
        while read -r mp; do
            if mountpoint -q "$mp"; then
                umount "$mp" 2>/dev/null || umount -l "$mp" \
                    || echo "$prog: could not unmount $mp" >&2
            fi
        done < "$dir/mounts"
        rm -f "$dir/mounts"
    fi

    if glusterd_alive; then
        for vol in $(gcli volume list 2>/dev/null || true); do
            gcli volume stop "$vol" force > /dev/null 2>&1 || true
        done
    fi

    pids=$(dir_pids)
    [ -n "$pids" ] && kill $pids 2>/dev/null || true
    for _ in $(seq 50); do
        left=$(dir_pids)
        [ -z "$left" ] && return 0
        sleep 0.1
    done
    kill -9 $left 2>/dev/null || true
    sleep 0.2
    left=$(dir_pids)
    [ -z "$left" ] || die "gluster processes left: $left"
}

[ $# -ge 2 ] || usage
cmd=$1
need
dir=$(absdir "$2")
shift 2

case "$cmd" in
up)     [ $# -ge 1 ] && [ $# -le 2 ] || usage; cmd_up "$@" ;;
mount)  [ $# = 2 ] || usage; cmd_mount "$@" ;;
down)   [ $# = 0 ] || usage; cmd_down ;;
*)      usage ;;
esac
