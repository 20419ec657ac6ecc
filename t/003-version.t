# 9P2000 over the endpoint before any attach: Tversion negotiation
# (msize and version), Tflush, Tauth and the other T-messages.

use lib 't/lib';
use Test::Ten;
use Ten::Boot;

add_block_preprocessor(sub {
    my ($block) = @_;
    $block->set_value(config => "    location = /9p { ninep; \$TEST_NGINX_BOOT }\n")
        unless defined $block->config;
    $block->set_value(no_error_log => "[error]\n[alert]\n[crit]\nexited on signal\n")
        unless defined $block->no_error_log;
});

boot_each_block();
run_tests();

__DATA__

=== TEST 1: a smaller client msize wins
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000



=== TEST 2: a larger client msize is cut to the default 65536
--- ninep
> Tversion tag=NOTAG msize=1000000 version=9P2000
< Rversion tag=NOTAG msize=65536 version=9P2000



=== TEST 3: an equal msize is kept
--- ninep
> Tversion tag=NOTAG msize=65536 version=9P2000
< Rversion tag=NOTAG msize=65536 version=9P2000



=== TEST 4: the configured ninep_msize bounds the answer
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_msize 4096; }
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=4096 version=9P2000
> Tversion tag=NOTAG msize=4095 version=9P2000
< Rversion tag=NOTAG msize=4095 version=9P2000



=== TEST 5: the largest msize (0xffffffff) is cut to the configured one
--- ninep
> Tversion tag=NOTAG msize=0xffffffff version=9P2000
< Rversion tag=NOTAG msize=65536 version=9P2000



=== TEST 6: 9P2000.L is answered with 9P2000
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000.L
< Rversion tag=NOTAG msize=8192 version=9P2000



=== TEST 7: 9P2000.u is answered with 9P2000
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000.u
< Rversion tag=NOTAG msize=8192 version=9P2000



=== TEST 8: 9P1999 is answered with version "unknown"
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P1999
< Rversion tag=NOTAG msize=* version=unknown



=== TEST 9: 9P2000L (no dot) and an empty version are unknown
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000L
< Rversion tag=NOTAG msize=* version=unknown
> Tversion tag=NOTAG msize=8192 version=""
< Rversion tag=NOTAG msize=* version=unknown
> Tversion tag=NOTAG msize=8192 version=9p2000
< Rversion tag=NOTAG msize=* version=unknown



=== TEST 10: after an unknown version, 9P2000 can still be negotiated
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P1999
< Rversion tag=NOTAG msize=* version=unknown
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000



=== TEST 11: msize below 256: Rerror "msize too small"
--- ninep
> Tversion tag=NOTAG msize=255 version=9P2000
< Rerror tag=NOTAG ename="msize too small"
> Tversion tag=NOTAG msize=0 version=9P2000
< Rerror tag=NOTAG ename="msize too small"



=== TEST 12: msize of exactly 256 is accepted
--- ninep
> Tversion tag=NOTAG msize=256 version=9P2000
< Rversion tag=NOTAG msize=256 version=9P2000



=== TEST 13: a second Tversion renegotiates
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tversion tag=NOTAG msize=1024 version=9P2000
< Rversion tag=NOTAG msize=1024 version=9P2000
> Tversion tag=NOTAG msize=70000 version=9P2000
< Rversion tag=NOTAG msize=65536 version=9P2000



=== TEST 14: Tflush is answered with Rflush on the same tag
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tflush tag=7 oldtag=3
< Rflush tag=7
> Tflush tag=0 oldtag=NOTAG
< Rflush tag=0



=== TEST 15: Tauth: Rerror "authentication not required"
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tauth tag=1 afid=0 uname=glenda aname=""
< Rerror tag=1 ename="authentication not required"



=== TEST 16: before any attach every fid is unknown; the bootstrap attach is none's, tags kept
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Twalk tag=2 fid=0 newfid=1 wname=[usr glenda]
< Rerror tag=2 ename="unknown fid"
> Topen tag=3 fid=0 mode=0
< Rerror tag=3 ename="unknown fid"
> Tcreate tag=4 fid=0 name=f perm=0644 mode=1
< Rerror tag=4 ename="unknown fid"
> Tread tag=5 fid=0 offset=0 count=100
< Rerror tag=5 ename="unknown fid"
> Twrite tag=6 fid=0 offset=0 data="hello"
< Rerror tag=6 ename="unknown fid"
> Tclunk tag=7 fid=0
< Rerror tag=7 ename="unknown fid"
> Tremove tag=8 fid=0
< Rerror tag=8 ename="unknown fid"
> Tstat tag=9 fid=0
< Rerror tag=9 ename="unknown fid"
> Twstat tag=10 fid=0 stat={type=DONTTOUCH dev=DONTTOUCH qid=(DONTTOUCH DONTTOUCH DONTTOUCH) mode=DONTTOUCH atime=DONTTOUCH mtime=DONTTOUCH length=DONTTOUCH name="" uid="" gid="" muid=""}
< Rerror tag=10 ename="unknown fid"
# the boot service is away: the rescue root
> Tattach tag=1 fid=0 afid=NOFID uname=glenda aname=""
< Rattach tag=1 qid=(0x80 * *)
> Twalk tag=11 fid=0 newfid=1 wname=[usr glenda]
< Rerror tag=11 ename="file does not exist"
--- error_log
rescue mode: vfs unavailable
--- no_error_log
[alert]
[crit]
exited on signal



=== TEST 17: a ticket attach while the boot service is away says so
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=65534 fid=4294967294 afid=NOFID uname=glenda aname="/priv/sessions/glenda/0123"
< Rerror tag=65534 ename="vfs unavailable: cannot connect"
--- error_log
connect() failed (111: Connection refused), service: "vfs", upstream: "ten_boot", server: 127.0.0.1:1
--- no_error_log
[alert]
[crit]
exited on signal



=== TEST 18: a version exchange pipelined with requests
--- ninep
> Tversion tag=NOTAG msize=2048 version=9P2000.L
> Tauth tag=1 afid=1 uname=glenda aname=""
> Tflush tag=2 oldtag=1
> Tclunk tag=3 fid=1
< Rversion tag=NOTAG msize=2048 version=9P2000
< Rerror tag=1 ename="authentication not required"
< Rflush tag=2
< Rerror tag=3 ename="unknown fid"



=== TEST 19: many connections in one block each negotiate on their own
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_msize 4096; }
--- ninep
> Tversion tag=NOTAG msize=1024 version=9P2000
< Rversion tag=NOTAG msize=1024 version=9P2000
> reconnect
> Tversion tag=NOTAG msize=9000 version=9P2000
< Rversion tag=NOTAG msize=4096 version=9P2000



=== TEST 20: version(5): until a Tversion is agreed, every other message gets Rerror with its tag
--- ninep
> Tattach tag=1 fid=0 afid=NOFID uname=glenda aname=""
< Rerror tag=1 ename="version not negotiated: send Tversion first"
> Twalk tag=2 fid=0 newfid=1 wname=[dev]
< Rerror tag=2 ename="version not negotiated: send Tversion first"
> Tflush tag=3 oldtag=1
< Rerror tag=3 ename="version not negotiated: send Tversion first"
> Tversion tag=NOTAG msize=8192 version=9P1999
< Rversion tag=NOTAG msize=8192 version=unknown
> Tattach tag=4 fid=0 afid=NOFID uname=glenda aname=""
< Rerror tag=4 ename="version not negotiated: send Tversion first"
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
# the boot service is away: the rescue root
> Tattach tag=5 fid=0 afid=NOFID uname=glenda aname=""
< Rattach tag=5 qid=(0x80 * *)
--- no_error_log
[alert]
[crit]
exited on signal
