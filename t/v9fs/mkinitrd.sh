#!/bin/sh
# Ten: the initramfs of t/100-v9fs.t's Linux guest: busybox-static, the
# 9P and virtio-serial modules of the installed linux-image, t/v9fs/init
# and t/v9fs/workload.sh.  usage: mkinitrd.sh KERNEL-VERSION OUT
set -eu
k=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/bin" "$tmp/lib/modules" "$tmp/proc" "$tmp/sys" "$tmp/dev" \
         "$tmp/n" "$tmp/tmp"
cp /bin/busybox "$tmp/bin/busybox"
ln -s busybox "$tmp/bin/sh"
cp "$here/init" "$tmp/init"
cp "$here/workload.sh" "$tmp/workload.sh"

# each module after the ones it needs, once
: > "$tmp/modules.order"
for m in virtio virtio_ring virtio_pci virtio_console 9pnet 9pnet_fd 9p; do
    modprobe -S "$k" --show-depends "$m" | awk '$1 == "insmod" { print $2 }' |
    while read -r ko; do
        name=$(basename "$ko")
        grep -qx "$name" "$tmp/modules.order" && continue
        cp "$ko" "$tmp/lib/modules/$name"
        echo "$name" >> "$tmp/modules.order"
    done
done

(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
