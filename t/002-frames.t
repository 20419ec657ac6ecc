# WebSocket framing (RFC 6455) on a `ninep` endpoint: control frames,
# fragmentation, pipelining, every close code the server sends, closing
# handshakes, idle pings and the idle timeout.

use lib 't/lib';
use Test::Ten;
use Ten::Boot;

add_block_preprocessor(sub {
    my ($block) = @_;
    $block->set_value(config => "    location = /9p { ninep; \$TEST_NGINX_BOOT }\n")
        unless defined $block->config;
    $block->set_value(no_error_log => "[alert]\n[crit]\n[emerg]\nexited on signal\n")
        unless defined $block->no_error_log;
});

boot_each_block();
run_tests();

__DATA__

=== TEST 1: ping is answered with a pong carrying the same payload
--- ws
> ping "abc"
< pong "abc"
> ping ""
< pong ""
> ping zeros:125
< pong zeros:125
> ping hex:00ff10
< pong hex:00ff10



=== TEST 2: server frames are unmasked, single-frame binary messages
--- ws
# the script engine fails on masked, RSV-flagged or non-FIN server frames
> binary Tversion tag=NOTAG msize=8192 version=9P2000
< binary Rversion tag=NOTAG msize=8192 version=9P2000



=== TEST 3: a fragmented message is reassembled
--- ninep
> fragments 3 Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> fragments 7 Tauth tag=1 afid=1 uname=glenda aname=""
< Rerror tag=1 ename="authentication not required"



=== TEST 4: pings between fragments are answered, the message still arrives
--- ninep
> fragments 4 pings Tversion tag=NOTAG msize=8192 version=9P2000
< pong "p1"
< pong "p2"
< pong "p3"
< Rversion tag=NOTAG msize=8192 version=9P2000



=== TEST 5: fragments in separate TCP writes, an empty first fragment
--- ninep
> binary nofin ""
> sleep 0.1
> cont nofin part=1/2 Tversion tag=NOTAG msize=8192 version=9P2000
> sleep 0.1
> cont part=2/2 Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000



=== TEST 6: a frame split inside its header across TCP writes
--- ws eval
use Ten::WebSocket;
use Ten::NineP qw(pack_msg parse_msg);
my $frame = Ten::WebSocket::build_frame(opcode => 2,
    payload => pack_msg(parse_msg('Tversion tag=NOTAG msize=8192 version=9P2000')));
my @cut = (1, 3, 7);    # after the first byte, inside the mask key, in the payload
my ($pos, $script) = (0, '');
for my $end (@cut, length $frame) {
    $script .= "> raw hex:" . unpack('H*', substr($frame, $pos, $end - $pos)) . "\n> sleep 0.05\n";
    $pos = $end;
}
$script . "< binary Rversion tag=NOTAG msize=8192 version=9P2000\n";



=== TEST 7: messages pipelined in one TCP write are all answered, in order
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
> Tauth tag=1 afid=5 uname=glenda aname=""
> Tflush tag=2 oldtag=1
> Tstat tag=3 fid=0
> Tattach tag=4 fid=0 afid=NOFID uname=glenda aname=""
< Rversion tag=NOTAG msize=8192 version=9P2000
< Rerror tag=1 ename="authentication not required"
< Rflush tag=2
< Rerror tag=3 ename="unknown fid"
# the boot service is away: the rescue root
< Rattach tag=4 qid=(0x80 * *)



=== TEST 8: 200 messages in one TCP write, answered in order
--- ninep eval
"> Tversion tag=NOTAG msize=8192 version=9P2000\n"
. CORE::join('', map { "> Tclunk tag=$_ fid=$_\n" } 1 .. 200)
. "< Rversion tag=NOTAG msize=8192 version=9P2000\n"
. CORE::join('', map { "< Rerror tag=$_ ename=\"unknown fid\"\n" } 1 .. 200)



=== TEST 9: a client close is echoed with its code, then TCP is closed
--- ws
> close 1000 "bye"
< close 1000
< closed



=== TEST 10: close codes 1001 and 4000 are echoed too
--- ws
> close 1001
< close 1001
< closed
> reconnect
> close 4000 "app"
< close 4000
< closed



=== TEST 11: an empty close frame is answered with a close, then TCP closes
--- ws
> close
< close
< closed



=== TEST 12: unmasked client frame: close 1002
--- ws
> binary unmasked Tversion tag=NOTAG msize=8192 version=9P2000
< close 1002
> close 1002
< closed



=== TEST 13: unmasked control frame: close 1002
--- ws
> ping unmasked "abc"
< close 1002



=== TEST 14: RSV1, RSV2, RSV3 set: close 1002
--- ws
> binary rsv1 Tversion tag=NOTAG msize=8192 version=9P2000
< close 1002
> reconnect
> binary rsv2 Tversion tag=NOTAG msize=8192 version=9P2000
< close 1002
> reconnect
> ping rsv3 "x"
< close 1002



=== TEST 15: unknown opcodes (3, 7, 11, 15): close 1002
--- ws
> op3 "x"
< close 1002
> reconnect
> op7 ""
< close 1002
> reconnect
> op11 "x"
< close 1002
> reconnect
> op15 ""
< close 1002



=== TEST 16: fragmented control frame: close 1002
--- ws
> ping nofin "abc"
< close 1002



=== TEST 17: control frame of 126 bytes: close 1002
--- ws
> ping zeros:126
< close 1002



=== TEST 18: continuation frame with no message started: close 1002
--- ws
> cont Tversion tag=NOTAG msize=8192 version=9P2000
< close 1002



=== TEST 19: a new data frame while a fragmented message is open: close 1002
--- ws
> binary nofin part=1/2 Tversion tag=NOTAG msize=8192 version=9P2000
> binary Tversion tag=NOTAG msize=8192 version=9P2000
< close 1002



=== TEST 20: a text frame while a fragmented message is open: close 1002
--- ws
# a new data frame inside a fragmented message (text is a data frame too)
> binary nofin part=1/2 Tversion tag=NOTAG msize=8192 version=9P2000
> text "interloper"
< close 1002



=== TEST 21: non-minimal length encodings: close 1002
--- ws
# 19 bytes in a 16-bit length
> binary len16 Tversion tag=NOTAG msize=8192 version=9P2000
< close 1002
> reconnect
# 19 bytes in a 64-bit length
> binary len64 Tversion tag=NOTAG msize=8192 version=9P2000
< close 1002
> reconnect
# 200 bytes (fits 16 bits) in a 64-bit length
> binary len64 zeros:200
< close 1002



=== TEST 22: a close frame with a 1-byte payload: close 1002
--- ws
> close hex:03
< close 1002



=== TEST 23: invalid close codes: close 1002
--- ws
> close 999
< close 1002
> reconnect
> close 1004
< close 1002
> reconnect
> close 1005
< close 1002
> reconnect
> close 1006
< close 1002
> reconnect
> close 1015
< close 1002
> reconnect
> close 2999
< close 1002
> reconnect
> close 5000
< close 1002



=== TEST 24: a text frame: close 1003
--- ws
> text "hello"
< close 1003
> close 1003
< closed



=== TEST 25: after its close the server waits for the client's close
--- ws
> text "hello"
< close 1003
< nothing 1
> close 1003
< closed timeout=2



=== TEST 26: with no client close, the server closes TCP within ~5 s
--- ws
> binary unmasked hex:00
< close 1002
< closed timeout=8 after=3



=== TEST 27: a single frame larger than ninep_msize: close 1009
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_msize 1024; }
--- ws
> binary zeros:1025
< close 1009



=== TEST 28: a fragmented message larger than ninep_msize: close 1009
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_msize 1024; }
--- ws
> binary nofin zeros:400
> cont nofin zeros:400
> cont zeros:400
< close 1009



=== TEST 29: a message of exactly ninep_msize bytes is accepted
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_msize 1024; }
--- ninep eval
# size 13 + len(version) = 1024
"> Tversion tag=NOTAG msize=1024 version=9P2000." . ('x' x 1004) . "\n"
. "< Rversion tag=NOTAG msize=1024 version=9P2000\n"



=== TEST 30: a frame header announcing 2^40 bytes: close 1009 at once
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_msize 1024; }
--- ws
> raw hex:82ff00000100000000000a0b0c0d
< close 1009 timeout=3



=== TEST 31: after Tversion the negotiated msize is the limit (single frame)
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_msize 8192; }
--- ninep eval
# a 600-byte Tauth fits ninep_msize but not the negotiated 512
"> Tversion tag=NOTAG msize=512 version=9P2000\n"
. "< Rversion tag=NOTAG msize=512 version=9P2000\n"
. "> Tauth tag=1 afid=1 uname=" . ('u' x 585) . " aname=\"\"\n"
. "< close 1009\n"



=== TEST 32: after Tversion the negotiated msize is the limit (fragments)
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_msize 8192; }
--- ninep eval
"> Tversion tag=NOTAG msize=512 version=9P2000\n"
. "< Rversion tag=NOTAG msize=512 version=9P2000\n"
. "> fragments 3 Tauth tag=1 afid=1 uname=" . ('u' x 585) . " aname=\"\"\n"
. "< close 1009\n"



=== TEST 33: before Tversion a message up to ninep_msize is fine
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_msize 8192; }
--- ninep eval
"> Tauth tag=1 afid=1 uname=" . ('u' x 585) . " aname=\"\"\n"
. "< Rerror tag=1 ename=\"version not negotiated: send Tversion first\"\n"



=== TEST 34: size field not matching the message: close 1007, logged
--- ws
> binary Tclunk tag=1 fid=1 size=12
< close 1007 "size field does not match message length"
--- error_log
qr/\[(info|notice|warn|error|crit)\] .*malformed 9P.*size field does not match message length/



=== TEST 35: an R-message from the client: close 1007
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Rversion tag=NOTAG msize=8192 version=9P2000
< close 1007
--- error_log
qr/\[(info|notice|warn|error|crit)\] .*malformed 9P/



=== TEST 36: other malformed 9P: short, unknown type, Terror, truncated
--- ws
# 5 bytes: shorter than a header
> binary hex:0500000064
< close 1007
> reconnect
# type 1 does not exist
> binary hex:07000000010100
< close 1007
> reconnect
# Terror (106) is not a valid message
> binary hex:070000006a0100
< close 1007
> reconnect
# Tversion whose version string runs past the end
> binary hex:110000006401000020000009003950323030
< close 1007
> reconnect
# an empty binary message
> binary ""
< close 1007
--- error_log
malformed 9P



=== TEST 37: idle: a ping after ninep_ping_interval, close 1001 after ninep_idle_timeout
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_ping_interval 1s; ninep_idle_timeout 3s; }
--- ws
< ping timeout=2 after=0.8
< close 1001 timeout=4 skip=ping after=2.7
> close 1001
< closed



=== TEST 38: client frames keep the connection alive (no ping, no close)
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_ping_interval 1s; ninep_idle_timeout 3s; }
--- ninep
> ping "k1"
< pong "k1"
> sleep 0.7
> ping "k2"
< pong "k2"
> sleep 0.7
> ping "k3"
< pong "k3"
> sleep 0.7
> ping "k4"
< pong "k4"
> sleep 0.7
> ping "k5"
< pong "k5"
> sleep 0.7
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000



=== TEST 39: answering the server's pings keeps the connection alive
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_ping_interval 1s; ninep_idle_timeout 3s; }
--- ninep
< ping timeout=2
> pong "r1"
< ping timeout=2
> pong "r2"
< ping timeout=2
> pong "r3"
< ping timeout=2
> pong "r4"
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000



=== TEST 40: 1 MiB of random garbage: protocol-error close; the worker keeps serving
--- ws
> raw random:1048576
< close 1002,1003,1007,1009 timeout=10
< closed timeout=10
> reconnect
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
--- no_error_log
[alert]
[crit]
[emerg]
exited on signal
