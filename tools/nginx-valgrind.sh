#!/bin/sh
# Ten: runs nginx ($TEN_NGINX, else Debian's), master and workers, under
# valgrind's memcheck, which (unlike the ASan build, whose checks cover
# only the module) also sees nginx's own code read what the module freed.
# A block with `--- valgrind` runs so in make test; a whole file:
#   TEST_NGINX_BINARY=$PWD/tools/nginx-valgrind.sh TEN_MODULE=... \
#       prove -I t/lib t/034-kernel-backends.t
# then look for "Invalid" in $TEN_VALGRIND_LOGS (/tmp/ten-valgrind).
logs=${TEN_VALGRIND_LOGS:-/tmp/ten-valgrind}
mkdir -p "$logs"
exec valgrind -q --leak-check=no --trace-children=yes \
    --log-file="$logs/nginx.%p.log" "${TEN_NGINX:-/usr/sbin/nginx}" "$@"
