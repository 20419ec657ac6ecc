#!/bin/sh
# Ten: runs Debian's nginx, master and workers, under valgrind's memcheck,
# which (unlike the ASan build, whose checks cover only the module) also
# sees nginx's own code read what the module freed.  One file at a time:
#   TEST_NGINX_BINARY=$PWD/tools/nginx-valgrind.sh TEN_MODULE=... \
#       prove -I t/lib t/034-kernel-backends.t
# then look for "Invalid" in $TEN_VALGRIND_LOGS (/tmp/ten-valgrind).
logs=${TEN_VALGRIND_LOGS:-/tmp/ten-valgrind}
mkdir -p "$logs"
exec valgrind -q --trace-children=yes --log-file="$logs/nginx.%p.log" \
    /usr/sbin/nginx "$@"
