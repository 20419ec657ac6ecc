#!/bin/sh
# ten-setup: what an installed Ten needs before its services start, made
# once and kept: a system user per service (_ten-vfs, _ten-factotum,
# _ten-ssr), its data directory under /var/lib/ten, its Ed25519 key
# (ten-key gen; 0600, its user's), the trust files that pin each other's
# keys, and the kernel's key and trust for nginx in /etc/ten.  Keys that
# exist are kept (a second run only rewrites the trust files from them).
# The ten package's postinst runs it; so does the Docker image's "setup"
# service, whose volumes hold these directories.
set -e

case "$1" in
"") ;;
*)  echo "usage: ten-setup   (as root; makes users, keys and trust files" \
         "under /var/lib/ten and /etc/ten)" >&2
    exit 2 ;;
esac

if [ "$(id -u)" != 0 ]; then
    echo "ten-setup: run it as root: it makes system users and their keys" >&2
    exit 1
fi

pub() { ten-key pub "$1"; }

key() {     # FILE NAME OWNER
    if [ ! -f "$1" ]; then
        ten-key gen "$2" "$1" > /dev/null
        echo "ten-setup: made $2's key $1"
    fi
    chown "$3:$3" "$1" 2>/dev/null || chown "$3" "$1"
    chmod 0600 "$1"
}

for s in vfs factotum ssr; do
    adduser --system --group --quiet --no-create-home \
        --home "/var/lib/ten/$s" "_ten-$s"
    install -d -m 0700 -o "_ten-$s" -g "_ten-$s" "/var/lib/ten/$s"
done
install -d -m 0700 -o _ten-vfs -g _ten-vfs /var/lib/ten/vfs/root
install -d -m 0755 /etc/ten

key /var/lib/ten/vfs/vfs.key vfs _ten-vfs
key /var/lib/ten/factotum/factotum.key factotum _ten-factotum
key /var/lib/ten/ssr/ssr.key ssr _ten-ssr
key /etc/ten/kernel.key kernel root

kernel=$(pub /etc/ten/kernel.key)
vfs=$(pub /var/lib/ten/vfs/vfs.key)
factotum=$(pub /var/lib/ten/factotum/factotum.key)
ssr=$(pub /var/lib/ten/ssr/ssr.key)

printf 'kernel %s speaks-for\nfactotum %s tickets\nssr %s speaks-for\n' \
    "$kernel" "$factotum" "$ssr" > /var/lib/ten/vfs/trust
printf 'kernel %s speaks-for\nvfs %s\n' "$kernel" "$vfs" \
    > /var/lib/ten/factotum/trust
printf 'kernel %s speaks-for\nvfs %s\n' "$kernel" "$vfs" \
    > /var/lib/ten/ssr/trust
printf 'vfs %s\nfactotum %s\nssr %s\n' "$vfs" "$factotum" "$ssr" \
    > /etc/ten/kernel.trust
chmod 0644 /var/lib/ten/*/trust /etc/ten/kernel.trust
