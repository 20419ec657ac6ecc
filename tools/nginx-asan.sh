#!/bin/sh
# Ten: runs Debian's nginx with the AddressSanitizer and UBSan runtimes
# preloaded, for a module built with -fsanitize (make asan).  Reports go
# to nginx's stderr, which the test harness keeps in logs/.
export LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1"
exec /usr/sbin/nginx "$@"
