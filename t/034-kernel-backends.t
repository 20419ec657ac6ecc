# The kernel's backend connections: nginx starts and answers with every
# service down and reconnects once one comes up; a service killed in
# the middle of a session; retries on the next server of an upstream; a
# service that cannot prove its pinned key; 64 KiB messages end to end;
# a reload with a live session.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Fcntl qw(O_RDWR O_NONBLOCK);
use Time::HiRes qw(time sleep);
use IO::Socket::INET;

kernel_each_block();
$ENV{TEST_NGINX_DEAD_PORT} = free_port();    # nothing listens there
run_tests();

sub fifo {
    my ($rel) = @_;
    my $path = Ten::Kernel::kvfs()->path($rel);
    system('mkfifo', '-m', '0666', $path) == 0 or die "mkfifo $path";
    sysopen(my $fh, $path, O_RDWR | O_NONBLOCK) or die "$path: $!";
    return $fh;
}

# Attaches again and again until it works (or $timeout passes): the reply
# and the seconds it took.
sub attach_until_ok {
    my ($c, $fid, $path, $timeout) = @_;
    my $t0 = time;
    my $r;
    while (1) {
        $r = $c->attach($fid, 'glenda', $path);
        last if $r->{type} eq 'Rattach' || time - $t0 > $timeout;
        sleep 0.05;
    }
    return ($r, time - $t0);
}

__DATA__

=== TEST 1: every backend down: nginx starts, answers HTTP and Tversion; attaches fail fast, then work once vfs is up
--- down
--- config
    location / { return 200 "still here\n"; }
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_service vfs2 ten_vfs2;
    }
--- request
GET /
--- response_body
still here
--- perl
my $c = kclient(version => 0);
is_9p($c->version(8192), 'Rversion tag=NOTAG msize=8192 version=9P2000', 'Tversion is answered');
my $t0 = time;
my $r = $c->attach(0, 'glenda', '/priv/sessions/glenda/' . ('0' x 32));
my $dt = time - $t0;
like($r->{ename} // Ten::NineP::format_msg($r), qr/^vfs unavailable: \S/, 'Rerror "vfs unavailable: ..."');
ok($dt < 1, sprintf('at once (%.3f s)', $dt));
$t0 = time;
$r = $c->attach(0, 'glenda', '/priv/sessions/glenda/' . ('0' x 32));
like($r->{ename} // '', qr/^vfs unavailable: /, 'again, while it backs off');
ok(time - $t0 < 1, 'also at once');
kvfs->start;
kernel_prepare();
my ($ok, $took) = main::attach_until_ok($c, 1, $ENV{TEST_NGINX_TICKET}, 4);
is_9p($ok, 'Rattach qid=(0x80 * *)', 'after vfs starts, an attach works');
ok($took < 2, sprintf('within the reconnect backoff (%.2f s)', $took));
is_9p($c->walk(1, 2, 'usr', 'glenda'), 'Rwalk wqid=[* *]', 'and the session works');
--- error_log
qr/9p: service "vfs": connect failed to 127\.0\.0\.1:\d+, service: "vfs", upstream: "ten_vfs", server: 127\.0\.0\.1:\d+$/
qr/service "vfs" ready at 127\.0\.0\.1:\d+, msize \d+, service: "vfs", upstream: "ten_vfs", server: 127\.0\.0\.1:\d+$/
qr/connect\(\) failed \(111: Connection refused\), service: "vfs", upstream: "ten_vfs", server: 127\.0\.0\.1:\d+$/



=== TEST 2: vfs killed in the middle of a session: requests say it is unavailable; after a restart new attaches work
--- perl
my $w = main::fifo('tmp/fifo');
my ($c, $root) = kattach('glenda');
my $f = $c->walk_to($root, 'tmp/fifo');
$c->open($f, 0);
my $d = $c->walk_to($root, 'usr/glenda');
$c->send("Tread tag=50 fid=$f offset=0 count=10");
ok($c->quiet(0.3), 'a read blocks');
kvfs->kill9;
my $r = $c->recv(2);
is($r && $r->{tag}, 50, 'the outstanding read is answered');
like($r && $r->{ename} // '', qr/^vfs unavailable: /, 'tried again, it says vfs is unavailable')
    or diag($r ? Ten::NineP::format_msg($r) : 'no reply');
like($c->stat($d)->{ename} // '', qr/^vfs unavailable: /, 'Tstat of a fid on it: vfs unavailable');
like($c->walk($root, 60, 'tmp')->{ename} // '', qr/^vfs unavailable: /, 'Twalk: vfs unavailable');
like($c->read($f, 0, 10)->{ename} // '', qr/^vfs unavailable: /, 'Tread: vfs unavailable');
my $cl = $c->clunk($d);
ok($cl->{type} eq 'Rclunk' || $cl->{type} eq 'Rerror', 'Tclunk is answered');
is_9p($c->stat($d), 'Rerror ename="unknown fid"', 'and the fid is gone');
# a new attach while it is down
like($c->attach(70, 'glenda', $ENV{TEST_NGINX_TICKET})->{ename} // '', qr/^vfs unavailable: /,
    'an attach while vfs is down: vfs unavailable');
kvfs->start;
my ($ok, $took) = main::attach_until_ok($c, 71, $ENV{TEST_NGINX_TICKET}, 4);
is_9p($ok, 'Rattach qid=(0x80 * *)', 'after the restart on the same port, an attach works');
ok($took < 2.5, sprintf('soon (%.2f s)', $took));
is_9p($c->walk(71, 72, 'usr', 'glenda'), 'Rwalk wqid=[* *]', 'and walks');
my ($c2) = kattach('glenda');
ok($c2, 'a new session attaches too');
--- error_log
9p: service "vfs": connection lost



=== TEST 3: the second mount's service killed: the rest of the namespace goes on; a walk into it is short
--- vfs2
--- namespace
mount vfs /
mount vfs2 /n/two
--- setup
mkdir -p n/two
--- perl
my ($c, $root) = kattach('glenda');
is_9p($c->walk($root, 1, 'n', 'two', 'tmp'), 'Rwalk wqid=[* * *]', 'walk into vfs2 while it is up');
kvfs2->kill9;
sleep 0.2;
is_9p($c->walk($root, 2, 'usr', 'glenda'), 'Rwalk wqid=[* *]', 'vfs goes on');
like($c->stat(1)->{ename} // '', qr/^vfs2 unavailable: /, "a fid on vfs2: vfs2 unavailable");
my $r = $c->walk($root, 3, 'n', 'two');
is_9p($r, 'Rwalk wqid=[(0x80 * *)]', 'n two: a short Rwalk with the qid of n (walk(5): only the first name fails with Rerror)')
    or diag(Ten::NineP::format_msg($r));
is_9p($c->walk($root, 4, 'n'), 'Rwalk wqid=[(0x80 * *)]', 'n alone is fine');



=== TEST 4: connect retries go to the next server of the upstream
--- valgrind
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_DEAD_PORT;
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
    }
    upstream ten_vfs2 { server 127.0.0.1:$TEST_NGINX_VFS2_PORT; }
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=glenda aname=$TEST_NGINX_TICKET
< Rattach tag=1 qid=(0x80 * *)
--- error_log
qr/9p: service "vfs": (connection refused|connect failed|cannot connect|connect timed out) to 127\.0\.0\.1:$TEST_NGINX_DEAD_PORT\b/
qr/service "vfs" ready at 127\.0\.0\.1:$TEST_NGINX_VFS_PORT\b/



=== TEST 5: a service that cannot prove the key pinned for it is not used
--- down
--- perl
kvfs->{key} = kkeys() . '/vfs2.key';     # vfs2's key, announced as vfs
kvfs->start;
kernel_prepare();
my $c = kclient();
my $r = $c->attach(0, 'glenda', $ENV{TEST_NGINX_TICKET});
like($r->{ename} // Ten::NineP::format_msg($r), qr/^vfs unavailable: /, 'vfs unavailable');
--- error_log
the service did not prove its pinned key



=== TEST 6: 64 KiB messages: a 65512-byte Twrite and Tread round trip byte-exact
--- vfs_args: -m 65536
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_msize 65536;
    }
--- perl
my $c = kclient(version => 0, timeout => 10);
is_9p($c->version(65536), 'Rversion tag=NOTAG msize=65536 version=9P2000', 'msize 65536');
my ($c1, $root) = kattach('glenda', client => $c);
my $d = $c->walk_to($root, 'tmp');
my $r = $c->create($d, 'big', 0644, 2);
is_9p($r, 'Rcreate qid=* iounit=65512', 'create: iounit 65512');
srand(42);
my $data = join '', map { chr int rand 256 } 1 .. 65512;
$r = $c->write($d, 0, $data);
is_9p($r, 'Rwrite count=65512', 'a 65512-byte Twrite (a 65535-byte message)');
is(-s kvfs->path('tmp/big'), 65512, 'all of it on disk');
$r = $c->read($d, 0, 65512);
is($r->{type}, 'Rread', 'Tread of 65512');
ok(defined $r->{data} && $r->{data} eq $data, 'byte-exact') or diag('got ' . length($r->{data} // '') . ' bytes');
$r = $c->read($d, 0, 1 << 20);
is(length($r->{data} // ''), 65512, 'a Tread count beyond msize is clamped to fit');
my $more = $data . 'X';
$r = $c->write($d, 0, $more);      # the 65536-byte message msize allows
is($r->{type}, 'Rwrite', 'a Twrite of exactly msize bytes is accepted');
is(-s kvfs->path('tmp/big'), $r->{count} > 65512 ? 65513 : 65512, 'and as much as Rwrite says was written');



=== TEST 7: the backend's msize bounds the iounit and the reads of the session
--- vfs_args: -m 8192
--- perl
my $c = kclient(version => 0);
is_9p($c->version(65536), 'Rversion tag=NOTAG msize=65536 version=9P2000', 'the session has msize 65536');
my (undef, $root) = kattach('glenda', client => $c);
my $d = $c->walk_to($root, 'tmp');
is_9p($c->create($d, 'f', 0644, 2), 'Rcreate qid=* iounit=8168', "the iounit is the backend's msize - 24");
my $data = 'y' x 20000;
my $r = $c->write($d, 0, $data);
is_9p($r, 'Rwrite count=8168', 'a longer Twrite is cut to fit the backend: a short write');
$r = $c->read($d, 0, 20000);
is(length($r->{data} // ''), 8168, 'a longer Tread is cut the same way');



=== TEST 8: nginx -s reload with an idle session: closed with 1001; the client attaches again on the new worker
--- perl
my ($c, $root) = kattach('glenda');
is_9p($c->walk($root, 1, 'tmp'), 'Rwalk wqid=[*]', 'before the reload');
my @old = worker_pids();
kill HUP => master_pid();
my $new = wait_for(sub { my %o = map { $_ => 1 } @old; my @n = grep { !$o{$_} } worker_pids(); $n[0] }, 5);
ok($new, 'a new worker started');
is($c->recv(3), undef, 'the old worker closes the idle session (t/081: a busy one first finishes)');
is($c->{close_code}, 1001, 'with 1001, going away');
my ($c2, $root2) = kattach('glenda');
is_9p($c2->walk($root2, 1, 'tmp'), 'Rwalk wqid=[*]', 'a new session (new worker) walks');
is_9p($c2->create(1, 'after-reload', 0644, 1), 'Rcreate qid=* iounit=*', 'and creates');
my $gone = wait_for(sub { my %w = map { $_ => 1 } worker_pids(); !grep { $w{$_} } @old }, 5);
ok($gone, 'the old worker exits');
$c2->close;
--- no_error_log
[alert]
[crit]



=== TEST 9: nginx quits with the services up: the worker closes its backend connections
--- perl
my ($c, $root) = kattach('glenda');
is_9p($c->walk($root, 1, 'tmp'), 'Rwalk wqid=[*]', 'a session');
$c->close;
is(kvfs->wait_counts(sub { $_[0]{fids} <= 1 }, 1)->{fids}, 1, 'ended');
my @w = worker_pids();
kill QUIT => master_pid();
ok(wait_for(sub { !worker_pids() }, 5), 'the worker exits');
is(kvfs->wait_counts(sub { $_[0]{connections} == 0 }, 1)->{connections}, 0, 'vfs has no connection left');
--- no_error_log
open socket
[alert]



=== TEST 10: a service that accepts but never answers: attaches time out; sessions may leave or flush while they wait
--- valgrind
--- down
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_backend_timeout 1s;
    }
--- perl
my $mute = listener($ENV{TEST_NGINX_VFS_PORT});
my $path = '/priv/sessions/glenda/' . ('0' x 32);
my $a = kclient();
$a->send({ type => 'Tattach', tag => 1, fid => 0, afid => 0xffffffff, uname => 'glenda', aname => $path });
my $b = kclient();
$b->send({ type => 'Tattach', tag => 1, fid => 0, afid => 0xffffffff, uname => 'glenda', aname => $path });
my $d = kclient();
$d->send({ type => 'Tattach', tag => 1, fid => 0, afid => 0xffffffff, uname => 'glenda', aname => $path });
ok($a->quiet(0.3), 'the attach waits for the service');
$b->disconnect;                                    # leaves while it waits
$d->send({ type => 'Tflush', tag => 2, oldtag => 1 });
is_9p($d->recv(1), 'Rflush tag=2', 'a Tflush of the waiting attach: Rflush');
my $t0 = Time::HiRes::time();
my $r = $a->recv(3);
like($r && $r->{ename} // '', qr/^vfs unavailable: /, 'after ninep_backend_timeout: vfs unavailable')
    or diag($r ? Ten::NineP::format_msg($r) : 'no reply');
ok($d->quiet(0.5), 'the flushed attach is never answered');
is_9p($d->rpc(Tstat => fid => 0), 'Rerror ename="unknown fid"', 'and made no fid');
close $mute;
--- error_log
did not answer Tversion in 1000 ms



=== TEST 11: ip_hash: the server after one lost in the handshake is chosen by the address of a client that has left meanwhile
--- down
--- valgrind
--- http_config
    upstream ten_vfs {
        ip_hash;
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        server 127.0.0.1:$TEST_NGINX_DEAD_PORT;
    }
    upstream ten_vfs2 { server 127.0.0.1:$TEST_NGINX_VFS2_PORT; }
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
    }
--- perl
use IO::Select;
# both servers accept and never answer; which comes first is the hash's
my $sel = IO::Select->new(map { listener($_) }
    $ENV{TEST_NGINX_VFS_PORT}, $ENV{TEST_NGINX_DEAD_PORT});
my $next = sub { my ($ready) = $sel->can_read(3); $ready ? $ready->accept : undef };
my $a = kclient();
$a->send({ type => 'Tattach', tag => 1, fid => 0, afid => 0xffffffff, uname => 'glenda',
           aname => '/priv/sessions/glenda/' . ('0' x 32) });
my $first = $next->();
ok($first, 'the attach opens a connection to one server');
$a->disconnect;                                    # the client leaves
sleep 0.3;
close $first;                                      # lost in the handshake
my $second = $next->();
ok($second, 'the balancer chose the other server, after the client had gone');
close $second;
--- error_log
connection lost in the handshake
