#!/bin/sh
# Ten: runs Debian's nginx with the AddressSanitizer and UBSan runtimes
# preloaded, for a module built with -fsanitize (make asan).  Reports go
# to nginx's stderr, which the test harness keeps in logs/.
export LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
# detect_odr_violation=0: nginx's build gives each dynamic module its own
# ngx_module_order array (objs/ngx_*_modules.c), so loading the http and
# the stream module together defines that global twice, by design.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:detect_odr_violation=0"
export UBSAN_OPTIONS="print_stacktrace=1"
exec /usr/sbin/nginx "$@"
