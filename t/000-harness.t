# Self-tests of the Test::Ten harness, the 9P codec and the WebSocket
# script engine, against plain nginx locations and a reference WebSocket
# echo server started with add_helper (proxied through nginx).

use lib 't/lib';
use Test::Ten;
use Ten::NineP qw(pack_msg unpack_msg parse_msg format_msg match_msg);

# --- the codec round-trips every message type through its text form
my @messages = (
    'Tversion tag=65535 msize=8192 version=9P2000',
    'Rversion tag=65535 msize=8192 version=9P2000',
    'Tauth tag=1 afid=7 uname=glenda aname=""',
    'Rauth tag=1 aqid=(0x8 0 1)',
    'Tattach tag=1 fid=0 afid=4294967295 uname=glenda aname="/priv/x y"',
    'Rattach tag=1 qid=(0x80 3 4)',
    'Rerror tag=1 ename="not attached"',
    'Tflush tag=2 oldtag=1',
    'Rflush tag=2',
    'Twalk tag=3 fid=0 newfid=1 wname=[usr glenda "a b"]',
    'Rwalk tag=3 wqid=[(0x80 0 1) (0x0 0 2)]',
    'Topen tag=4 fid=1 mode=16',
    'Ropen tag=4 qid=(0x0 0 2) iounit=8168',
    'Tcreate tag=5 fid=1 name=f perm=420 mode=1',
    'Rcreate tag=5 qid=(0x0 0 9) iounit=0',
    'Tread tag=6 fid=1 offset=4294967296 count=100',
    'Rread tag=6 data="hello\n"',
    'Twrite tag=7 fid=1 offset=0 data="\x00\x01"',
    'Rwrite tag=7 count=2',
    'Tclunk tag=8 fid=1',
    'Rclunk tag=8',
    'Tremove tag=9 fid=1',
    'Rremove tag=9',
    'Tstat tag=10 fid=1',
    'Rstat tag=10 stat={type=0 dev=0 qid=(0x80 1 2) mode=0x800001ed atime=1 mtime=2 length=0 name=usr uid=adm gid=sys muid=adm}',
    'Twstat tag=11 fid=1 stat={type=65535 dev=4294967295 qid=(0xff 4294967295 18446744073709551615) mode=0644 atime=4294967295 mtime=4294967295 length=18446744073709551615 name=new uid="" gid="" muid=""}',
    'Rwstat tag=11',
);
for my $text (@messages) {
    my $bytes = pack_msg(parse_msg($text));
    is(format_msg(unpack_msg($bytes)), $text, "codec round-trip: " . (split ' ', $text)[0]);
}
is(unpack('H*', pack_msg(parse_msg('Tversion tag=NOTAG msize=8192 version=9P2000'))),
   '1300000064ffff002000000600395032303030', 'Tversion wire bytes');
ok(!defined match_msg(parse_msg('Rerror tag=* ename=*', 1),
                      unpack_msg(pack_msg(parse_msg('Rerror tag=3 ename=x')))), 'wildcards match');
like(match_msg(parse_msg('Rerror tag=3 ename="x y"', 1),
               unpack_msg(pack_msg(parse_msg('Rerror tag=3 ename=x')))), qr/^ename/, 'mismatch names the field');
eval { unpack_msg(pack_msg(parse_msg('Tclunk tag=1 fid=1 size=12'))) };
like($@, qr/size field 12 does not match message length 11/, 'size override makes a malformed message');
eval { parse_msg('Rversion tag=1 msize=8192', 1) };
like($@, qr/field 'version' missing/, 'patterns must name every field');

# --- a reference WebSocket server, reached through nginx's proxy
my $echo_port = free_port();
$ENV{TEST_NGINX_ECHO_PORT} = $echo_port;
add_helper(name => 'ws-echo', cmd => [$^X, 't/helpers/ws-echo.pl', $echo_port],
           port => $echo_port);

run_tests();

__DATA__

=== TEST 1: plain response, body and headers
--- config
    location = /hi { return 200 "hi\n"; }
--- request
GET /hi
--- error_code: 200
--- response_headers
Content-Type: text/plain
Content-Length: 3
!X-Not-There
Server ~ ^nginx
--- response_body
hi
--- no_error_log
[error]
[alert]



=== TEST 2: error_log sees lines written during the block
--- config
    location = /deny { deny all; }
--- request
GET /deny
--- error_code: 403
--- error_log
access forbidden by rule
qr/\[error\] \d+#\d+: \*\d+ access forbidden/



=== TEST 3: request body, method and extra headers
--- config
    location = /echo { return 200 "$request_method $http_content_length $http_x_ten\n"; }
--- request
POST /echo
hello
--- more_headers
X-Ten: yes
--- response_body
POST 5 yes



=== TEST 4: response_body_like
--- config
    location = /echo { return 200 "worker $pid says hi\n"; }
--- request
GET /echo
--- response_body_like
^worker \d+ says hi$



=== TEST 5: HTTP/1.0 request line is sent as written
--- config
    location = /proto { return 200 "$server_protocol\n"; }
--- request
GET /proto HTTP/1.0
--- response_body
HTTP/1.0



=== TEST 6: nginx -t failure is detected and its output checked
--- config
    location = /x { no_such_directive on; }
--- must_die
--- error_log
unknown directive "no_such_directive"



=== TEST 7: HTTP/2 prior knowledge, indexed status
--- http2
--- config
    location = /h2 { return 200 "h2\n"; }
--- request
GET /h2
--- error_code: 200



=== TEST 8: HTTP/2 prior knowledge, literal status
--- http2
--- config
    location = /h2 { return 403; }
--- request
GET /h2
--- error_code: 403



=== TEST 9: the helper serves through nginx (WebSocket proxying)
--- config
    location = /echo {
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection upgrade;
    }
--- request
GET /echo
--- more_headers
Sec-WebSocket-Protocol: chat, 9p
--- response_headers
Sec-WebSocket-Protocol: 9p
--- ws
# a 9P message echoed back; text; ping; fragments with pings between
> binary Tversion tag=65535 msize=8192 version=9P2000
< binary Tversion tag=65535 msize=8192 version=9P2000
> text "hello"
< text "hello"
> ping "abc"
< pong "abc"
> fragments 3 pings Tclunk tag=1 fid=2
< pong "p1"
< pong "p2"
< binary Tclunk tag=1 fid=* 
# pipelined: two sends in one TCP write, answered in order
> binary Tflush tag=1 oldtag=2
> binary Tflush tag=2 oldtag=3
< binary Tflush tag=1 oldtag=2
< binary Tflush tag=2 oldtag=3
> binary part=1/2 nofin hex:00112233
> cont part=2/2 hex:00112233
< binary hex:00112233
> close 1000 "bye"
< close 1000 "bye"
< closed



=== TEST 10: the helper's output is captured in its log
--- config
    location = /x { return 204; }
--- perl
my $log = servroot() . '/logs/ws-echo.log';
open my $fh, '<', $log or die "$log: $!";
like(join('', <$fh>), qr/ws-echo listening on \d+/, 'helper log captured');



=== TEST 11: one worker, visible to perl sections
--- config
    location = /x { return 204; }
--- perl
my @workers = worker_pids();
is(scalar @workers, 1, 'exactly one worker');
open my $fh, '<', "/proc/$workers[0]/status" or die $!;
ok(scalar(grep { /^VmRSS:\s+\d+ kB/ } <$fh>), 'worker VmRSS readable');



=== TEST 12: a wrong expectation, a missing reply and a stray frame all fail a script
--- config
    location = /echo {
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection upgrade;
    }
--- perl
my $run = sub {
    my ($text) = @_;
    my $steps = Ten::Script::parse($text);
    return Ten::Script::run($steps, timeout => 1,
                            connect => sub { ws_connect(path => '/echo') });
};
ok($run->("> text \"a\"\n< text \"a\"\n")->{ok}, 'a right script passes');
my $r = $run->("> text \"a\"\n< text \"b\"\n");
ok(!$r->{ok}, 'a wrong payload fails') or diag(join "\n", @{ $r->{transcript} });
$r = $run->("> text \"a\"\n< text \"a\"\n< text \"a\"\n");
ok(!$r->{ok}, 'a reply that never comes fails');
$r = $run->("> text \"a\"\n> text \"b\"\n< text \"a\"\n");
ok(!$r->{ok}, 'an unexpected frame left at the end fails');
like($r->{error}, qr/unexpected/, 'and says so');

