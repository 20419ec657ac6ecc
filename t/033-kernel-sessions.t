# Sessions through the kernel: what a session holds on the services is
# released when it ends (close, dropped TCP, a new Tversion); Tflush of a
# read blocked on a FIFO, in 9P order, while other requests go on; the
# per-session limits ninep_max_fids and ninep_max_requests; a backend that
# does not answer within ninep_backend_timeout.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Fcntl qw(O_RDWR O_NONBLOCK);
use Time::HiRes qw(time sleep);

kernel_each_block();
run_tests();

# A FIFO in the vfs root with a writer held open, so that a 9P read of
# it blocks instead of seeing end of file.
sub fifo {
    my ($rel) = @_;
    my $path = Ten::Kernel::kvfs()->path($rel);
    system('mkfifo', '-m', '0666', $path) == 0 or die "mkfifo $path";
    sysopen(my $fh, $path, O_RDWR | O_NONBLOCK) or die "$path: $!";
    return $fh;
}

# ($client, $root fid, $fifo fid open for reading)
sub fifo_session {
    my (%o) = @_;
    my ($c, $root) = kattach('glenda', %o);
    my $f = $c->walk_to($root, 'tmp/fifo');
    die "walk to tmp/fifo failed" unless defined $f;
    my $r = $c->open($f, 0);
    die "open tmp/fifo: $r->{type} " . ($r->{ename} // '') unless $r->{type} eq 'Ropen';
    return ($c, $root, $f);
}

# The kernel holds 1 fid on vfs for itself: what a session held must go.
sub fids_back_to_kernel {
    my ($name, $want) = @_;
    my $k = Ten::Kernel::kvfs()->wait_counts(sub { $_[0]{fids} <= ($want // 1) }, 1);
    Test::More::is($k->{fids}, $want // 1, $name);
}

# Sends $make->($c, $root) (two requests with tags 9 and 10) in one
# write; both must be answered, on the same connection, by the same
# worker.  Returns the replies by tag (and the client, the root fid).
sub in_flight {
    my ($make) = @_;
    my @w = Test::Ten::worker_pids();
    my ($c, $root) = Ten::Kernel::kattach('glenda');
    $c->send($make->($c, $root));
    my %r = eval { $c->collect([9, 10], 3) };
    Test::More::ok(!$@, 'both requests are answered') or Test::More::diag($@);
    Test::More::is_deeply([Test::Ten::worker_pids()], \@w, 'by the same worker (no crash)');
    return (\%r, $c, $root);
}

__DATA__

=== TEST 1: closing the WebSocket releases the session's fids on vfs (walked, opened, created, reading)
--- perl
my $w = main::fifo('tmp/fifo');
my ($c, $root, $f) = main::fifo_session();
my $d = $c->walk_to($root, 'usr/glenda');
$c->create($d, 'new', 0644, 2);
$c->walk_to($root, 'adm/users');
$c->walk_to($root, 'lib');
$c->send('Tread tag=77 fid=' . $f . ' offset=0 count=100');     # blocks
ok($c->quiet(0.3), 'the FIFO read blocks');
my $k = kvfs->counts;
cmp_ok($k->{fids}, '>=', 7, "vfs holds the session's fids ($k->{fids})");
$c->close;
main::fids_back_to_kernel("within a second of the close, vfs holds only the kernel's fid");
is(kvfs->counts->{connections}, 1, 'and the one backend connection stays');



=== TEST 2: a TCP connection dropped without a close frame releases them too
--- perl
my $w = main::fifo('tmp/fifo');
my ($c, $root, $f) = main::fifo_session();
$c->walk_to($root, 'usr/glenda');
$c->send("Tread tag=5 fid=$f offset=0 count=10");
sleep 0.1;
$c->disconnect;
main::fids_back_to_kernel("vfs holds only the kernel's fid");
my ($c2, $r2) = kattach('glenda');
ok($c2, 'a new session attaches');



=== TEST 3: Tversion resets the session: fids go, outstanding requests get no answer
--- perl
my $w = main::fifo('tmp/fifo');
my ($c, $root, $f) = main::fifo_session();
my $u = $c->walk_to($root, 'usr/glenda');
$c->send("Tread tag=9 fid=$f offset=0 count=10");
ok($c->quiet(0.2), 'a read blocks');
my $r = $c->version(8192);
is_9p($r, 'Rversion tag=NOTAG msize=8192 version=9P2000', 'Tversion');
main::fids_back_to_kernel("after Tversion vfs holds only the kernel's fid");
syswrite $w, "late\n";
ok($c->quiet(0.3), 'the aborted read is never answered, even when data comes');
is_9p($c->stat($root), 'Rerror ename="unknown fid"', 'the old root fid is gone');
is_9p($c->stat($u), 'Rerror ename="unknown fid"', 'and the walked one');
is_9p($c->attach($root, 'glenda', $ENV{TEST_NGINX_TICKET}), 'Rattach qid=*', 'the same fid number attaches again');
$c->send("Tstat tag=9 fid=$root");
is_9p($c->recv(2), 'Rstat tag=9 stat=*', 'and the tag of the aborted read is free');



=== TEST 4: Tflush of a blocked FIFO read: the read's answer (if any), then Rflush; a stat goes on meanwhile
--- perl
my $w = main::fifo('tmp/fifo');
my ($c, $root, $f) = main::fifo_session();
$c->send("Tread tag=10 fid=$f offset=0 count=100");
ok($c->quiet(0.3), 'the read blocks');
$c->send("Tstat tag=11 fid=$root");
my $r = $c->recv(2);
is_9p($r, 'Rstat tag=11 stat=*', 'a Tstat on the same session is answered while the read blocks');
$c->send("Tflush tag=12 oldtag=10");
my @got;
while (my $m = $c->recv(1)) { push @got, $m; last if $m->{type} eq 'Rflush' }
my @desc = map { "$_->{type} tag=$_->{tag}" } @got;
ok(@got >= 1 && $got[-1]{type} eq 'Rflush' && $got[-1]{tag} == 12, 'Rflush tag=12 comes')
    or diag("got: @desc");
ok(@got <= 2, 'at most one other reply before it') or diag("got: @desc");
if (@got == 2) {
    ok($got[0]{tag} == 10 && $got[0]{type} =~ /^R(error|read)$/, 'that reply answers the read, before Rflush')
        or diag("got: @desc");
}
# data the flushed read would have got, had it gone on: nothing may answer it
syswrite $w, "stale\n";
ok($c->quiet(0.5), 'nothing for tag 10 after Rflush, even once the FIFO has data');
# a fresh tag: any late answer to the flushed read could not pass for it
$c->send("Tread tag=13 fid=$f offset=0 count=100");
is_9p($c->recv(2), 'Rread tag=13 data="stale\n"', 'a new read gets the data the flushed one did not take');
# and tag 10 is free again
$c->send("Tread tag=10 fid=$f offset=0 count=100");
ok($c->quiet(0.3), 'tag 10 reused: the read blocks');
syswrite $w, "hello\n";
is_9p($c->recv(2), 'Rread tag=10 data="hello\n"', 'and the FIFO answers it');
--- error_log
attached as "glenda"



=== TEST 5: data written to the FIFO answers a read blocked through the kernel
--- perl
my $w = main::fifo('tmp/fifo');
my ($c, $root, $f) = main::fifo_session();
$c->send("Tread tag=20 fid=$f offset=0 count=100", "Tstat tag=21 fid=$root");
my $r = $c->recv(2);
is_9p($r, 'Rstat tag=21 stat=*', 'the stat sent after the read is answered first');
sleep 0.2;
syswrite $w, "ping";
is_9p($c->recv(2), 'Rread tag=20 data=ping', 'the read gets the data');



=== TEST 6: two Tflushes for one request are answered in order
--- perl
my $w = main::fifo('tmp/fifo');
my ($c, $root, $f) = main::fifo_session();
$c->send("Tread tag=30 fid=$f offset=0 count=100");
ok($c->quiet(0.2), 'the read blocks');
$c->send("Tflush tag=31 oldtag=30", "Tflush tag=32 oldtag=30");
my @got;
while (my $m = $c->recv(1)) { push @got, $m; last if @got == 3 }
my @flushes = map { $_->{tag} } grep { $_->{type} eq 'Rflush' } @got;
my @desc = map { "$_->{type} tag=$_->{tag}" } @got;
is_deeply(\@flushes, [31, 32], 'both Tflushes are answered, in the order they were sent (flush(5))')
    or diag("got: @desc");
my ($read) = grep { $_->{tag} == 30 } @got;
ok(!$read || $got[0] == $read, 'an answer to the read, if any, comes first') or diag("got: @desc");



=== TEST 7: Tflush of a tag that is not outstanding, and of a finished request: Rflush at once
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tflush tag=1 oldtag=99
< Rflush tag=1
> Tattach tag=2 fid=0 afid=NOFID uname=glenda aname=$TEST_NGINX_TICKET
< Rattach tag=2 qid=(0x80 * *)
> Tstat tag=3 fid=0
< Rstat tag=3 stat=*
> Tflush tag=4 oldtag=3
< Rflush tag=4
> Tstat tag=3 fid=0
< Rstat tag=3 stat=*



=== TEST 8: ninep_max_fids 4: the fifth fid is refused with an Rerror, and nothing leaks
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_max_fids 4;
    }
--- perl
my ($c, $root) = kattach('glenda');
is_9p($c->walk($root, 1, 'tmp'), 'Rwalk wqid=[*]', 'fid 2');
is_9p($c->walk($root, 2, 'usr'), 'Rwalk wqid=[*]', 'fid 3');
is_9p($c->walk($root, 3), 'Rwalk wqid=[]', 'fid 4');
my $r = $c->walk($root, 4, 'adm');
is($r->{type}, 'Rerror', 'a fifth by walk: Rerror') or diag(Ten::NineP::format_msg($r));
is_9p($c->stat(4), 'Rerror ename="unknown fid"', 'fid 4 was not made');
$r = $c->attach(5, 'glenda', $ENV{TEST_NGINX_TICKET});
is($r->{type}, 'Rerror', 'a fifth by attach: Rerror') or diag(Ten::NineP::format_msg($r));
is_9p($c->walk(1, 1, '..'), 'Rwalk wqid=[*]', 'moving a fid in place needs no new fid');
main::fids_back_to_kernel('vfs holds the kernel, the mount and four fids', 6);
is_9p($c->clunk(3), 'Rclunk', 'clunk one');
is_9p($c->walk($root, 4, 'adm'), 'Rwalk wqid=[*]', 'then a new one is fine');
is_9p($c->stat($root), 'Rstat stat=*', 'the session is fine');
--- no_error_log
[alert]



=== TEST 9: ninep_max_requests 2: a third outstanding request gets an Rerror; Tflush still works
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_max_requests 2;
    }
--- perl
my $w = main::fifo('tmp/fifo');
my ($c, $root, $f) = main::fifo_session();
$c->send("Tread tag=1 fid=$f offset=0 count=10", "Tread tag=2 fid=$f offset=0 count=10");
ok($c->quiet(0.3), 'two reads block');
$c->send("Tstat tag=3 fid=$root");
is_9p($c->recv(2), 'Rerror tag=3 ename="too many outstanding requests"', 'a third request: Rerror');
$c->send("Tflush tag=4 oldtag=1");
my @got;
while (my $m = $c->recv(1)) { push @got, $m; last if $m->{type} eq 'Rflush' || $m->{type} eq 'Rerror' && $m->{tag} == 4 }
my @desc = map { Ten::NineP::format_msg($_) } @got;
ok(@got && $got[-1]{type} eq 'Rflush' && $got[-1]{tag} == 4,
    'a Tflush at the limit is answered with Rflush (flush(5): never Rerror)') or diag("got: @desc");
# whatever happened, the session can go on once the reads are done
syswrite $w, "0123456789abcdefghij";
my @rest;
while (my $m = $c->recv(0.5)) { push @rest, $m }
diag('after the FIFO had data: ' . join(', ', map { "$_->{type} tag=$_->{tag}" } @rest)) if @rest;
is_9p($c->rpc(Tstat => fid => $root), 'Rstat stat=*', 'below the limit again: a stat is answered');



=== TEST 9b: Tflushes may exceed ninep_max_requests by as many again, no more
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_max_requests 2;
    }
--- perl
my $w = main::fifo('tmp/fifo');
my ($c, $root, $f) = main::fifo_session();
$c->send("Tread tag=1 fid=$f offset=0 count=10", "Tread tag=2 fid=$f offset=0 count=10");
ok($c->quiet(0.3), 'two reads block');
# one write: the kernel takes all four before the service can answer
$c->send("Tflush tag=4 oldtag=1", "Tflush tag=5 oldtag=1",
         "Tflush tag=6 oldtag=1", "Tstat tag=7 fid=$root");
my %got;
while (my $m = $c->recv(1)) { $got{$m->{tag}} = $m }
is_9p($got{6}, 'Rerror tag=6 ename="too many outstanding requests"',
      'a third Tflush at twice the limit: Rerror');
is_9p($got{7}, 'Rerror tag=7 ename="too many outstanding requests"',
      'a Tstat beyond the limit: Rerror');
is_9p($got{4}, 'Rflush tag=4', 'the first Tflush is answered');
is_9p($got{5}, 'Rflush tag=5', 'the second Tflush is answered');
ok(!$got{1} || $got{1}{type} eq 'Rerror', 'the flushed read is not answered with data');
syswrite $w, "0123456789";
is_9p($c->recv(2), 'Rread tag=2 data="0123456789"', 'the other read goes on');
is_9p($c->rpc(Tstat => fid => $root), 'Rstat stat=*', 'below the limit again: a stat is answered');



=== TEST 10: ninep_backend_timeout: a read the service does not answer in time gets an Rerror
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_backend_timeout 1s;
    }
--- perl
my $w = main::fifo('tmp/fifo');
my ($c, $root, $f) = main::fifo_session();
my $t0 = time;
$c->send("Tread tag=7 fid=$f offset=0 count=10");
my $r = $c->recv(4);
my $dt = time - $t0;
is_9p($r, 'Rerror tag=7 ename="vfs: timed out"', 'Rerror "vfs: timed out"');
ok($dt > 0.8 && $dt < 3, sprintf('after about a second (%.2f s)', $dt));
is_9p($c->rpc(Tstat => fid => $root), 'Rstat stat=*', 'the session goes on');
syswrite $w, "x";
ok($c->quiet(0.3), 'no late answer to tag 7');
$c->close;
main::fids_back_to_kernel("afterwards vfs holds only the kernel's fid");
--- error_log
did not answer Tread in 1000 ms



=== TEST 10b: a walk that timed out keeps its backend fid until the service answers: the next walks are not refused "fid in use"
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_backend_timeout 1s;
    }
--- perl
my ($c, $root) = kattach('glenda');
kvfs->freeze;
$c->send("Twalk tag=7 fid=$root newfid=20 wname=[tmp]");
is_9p($c->recv(4), 'Rerror tag=7 ename="vfs: timed out"', 'the walk times out at a stopped service');
$c->send("Twalk tag=8 fid=$root newfid=21 wname=[tmp]");
sleep 0.2;
kill CONT => kvfs->pid;
is_9p($c->recv(4), 'Rwalk tag=8 wqid=[*]', 'the next walk, sent before the service woke, is not refused "fid in use"');
is_9p($c->walk($root, 22, 'tmp'), 'Rwalk wqid=[*]', 'nor a later one');
is_9p($c->stat(21), 'Rstat stat=*', 'and each fid is its own');
$c->clunk($_) for 21, 22;
$c->close;
main::fids_back_to_kernel("afterwards vfs holds only the kernel's fid: the timed-out walk's fid was clunked");
--- error_log
did not answer Twalk in 1000 ms



=== TEST 11: a tag in use is refused; the request that holds it is unaffected
--- perl
my $w = main::fifo('tmp/fifo');
my ($c, $root, $f) = main::fifo_session();
$c->send("Tread tag=40 fid=$f offset=0 count=100");
$c->send("Tstat tag=40 fid=$root");
is_9p($c->recv(2), 'Rerror tag=40 ename="tag in use"', 'the second request with tag 40: Rerror "tag in use"');
syswrite $w, "data";
is_9p($c->recv(2), 'Rread tag=40 data=data', 'the first one is answered as ever');



=== TEST 12: Tflush, Tversion or a close while attaches are in progress: 9P order, and nothing leaks
--- perl
my $t = $ENV{TEST_NGINX_TICKET};
my $c = kclient();
my ($bad_order, $leak_fid, $answers) = (0, 0, 0);
for my $i (1 .. 20) {
    # Tattach and its Tflush in one write, or a little later
    $c->send({ type => 'Tattach', tag => 1, fid => $i, afid => 0xffffffff, uname => 'glenda', aname => $t });
    Time::HiRes::sleep(0.001 * ($i % 5));
    $c->send({ type => 'Tflush', tag => 2, oldtag => 1 });
    my @got;
    while (my $m = $c->recv(2)) { push @got, $m; last if $m->{type} eq 'Rflush' }
    $bad_order++ unless @got && $got[-1]{type} eq 'Rflush' && @got <= 2
        && (@got == 1 || $got[0]{tag} == 1);
    my $attached = grep { $_->{type} eq 'Rattach' } @got;
    $answers += $attached;
    my $st = $c->rpc(Tstat => fid => $i);
    $leak_fid++ if ($st->{type} eq 'Rstat') != ($attached ? 1 : 0);
}
is($bad_order, 0, 'each Tflush: at most the attach\'s answer, then Rflush');
is($leak_fid, 0, 'a fid exists exactly when Rattach was sent');
# then Tversion in the middle of attaches
for my $i (1 .. 10) {
    $c->send({ type => 'Tattach', tag => 1, fid => 0, afid => 0xffffffff, uname => 'glenda', aname => $t });
    Time::HiRes::sleep(0.001 * ($i % 4));
    $c->send({ type => 'Tversion', tag => 0xffff, msize => 8192, version => '9P2000' });
    my $m;
    do { $m = $c->recv(2) } while ($m && $m->{type} ne 'Rversion');
    is_9p($m, 'Rversion tag=NOTAG msize=8192 version=9P2000', "Tversion during attach $i") if $i == 1 || !$m;
}
is_9p($c->rpc(Tstat => fid => 0), 'Rerror ename="unknown fid"', 'after Tversion there is no fid 0');
# and a close in the middle of attaches
for my $i (1 .. 10) {
    my $x = kclient();
    $x->send({ type => 'Tattach', tag => 1, fid => 0, afid => 0xffffffff, uname => 'glenda', aname => $t });
    Time::HiRes::sleep(0.001 * ($i % 4));
    $x->disconnect;
}
$c->close;
main::fids_back_to_kernel("vfs holds only the kernel's fid in the end");



=== TEST 13: a fid clunked while a walk from it is in flight
--- perl
my ($r, $c) = main::in_flight(sub { my ($c, $root) = @_;
    ({ type => 'Twalk', tag => 9, fid => $root, newfid => 20, wname => ['tmp'] },
     { type => 'Tclunk', tag => 10, fid => $root }) });
is_9p($r->{10}, 'Rclunk tag=10', 'Rclunk');
# the walk was sent first: it is done (fid 20 at /tmp) whatever the clunk does
is_9p($r->{9}, 'Rwalk tag=9 wqid=[*]', 'the walk sent before the clunk finishes: Rwalk');
is_9p($c->rpc(Tstat => fid => 20), 'Rstat stat=*', 'fid 20 exists');
is($c->rpc(Tstat => fid => 20)->{stat}{name}, 'tmp', 'and is /tmp');
$c->close;
main::fids_back_to_kernel("after the close vfs holds only the kernel's fid");



=== TEST 14: a fid clunked while it walks in place
--- perl
my ($r, $c) = main::in_flight(sub { my ($c, $root) = @_;
    my $f = $c->walk_to($root, '');
    ({ type => 'Twalk', tag => 9, fid => $f, newfid => $f, wname => ['tmp'] },
     { type => 'Tclunk', tag => 10, fid => $f }) });
is_9p($r->{10}, 'Rclunk tag=10', 'Rclunk');



=== TEST 15: a fid clunked while a walk from it crosses into another mount
--- vfs2
--- namespace
mount vfs /
mount vfs2 /n/two
--- setup
mkdir -p n/two
--- perl
my ($r, $c) = main::in_flight(sub { my ($c, $root) = @_;
    ({ type => 'Twalk', tag => 9, fid => $root, newfid => 20, wname => ['n', 'two', 'tmp'] },
     { type => 'Tclunk', tag => 10, fid => $root }) });
is_9p($r->{10}, 'Rclunk tag=10', 'Rclunk');



=== TEST 16: a fid clunked while it is being opened, or created in
--- perl
my ($r, $c, $root) = main::in_flight(sub { my ($c, $root) = @_;
    my $f = $c->walk_to($root, 'tmp');
    ({ type => 'Topen', tag => 9, fid => $f, mode => 0 }, { type => 'Tclunk', tag => 10, fid => $f }) });
is_9p($r->{10}, 'Rclunk tag=10', 'Topen and Tclunk: Rclunk');
my $f = $c->walk_to($root, 'tmp');
$c->send({ type => 'Tcreate', tag => 11, fid => $f, name => 'c1', perm => 0644, mode => 1 },
         { type => 'Tclunk', tag => 12, fid => $f },
         { type => 'Twalk', tag => 13, fid => $root, newfid => $f, wname => ['usr'] });
my %r = $c->collect([11, 12, 13], 3);
is_9p($r{12}, 'Rclunk tag=12', 'Tcreate and Tclunk: Rclunk');
# the walk comes after the clunk: the fid number is free again, and the
# walk makes it a fresh, unopened fid at /usr
is_9p($r{13}, 'Rwalk tag=13 wqid=[*]', 'a walk to the clunked fid number after Tclunk: Rwalk');
is_9p($c->rpc(Twalk => fid => $f, newfid => 30, wname => ['glenda']), 'Rwalk wqid=[*]',
    'the new fid with the old number is not open (it walks)');
$c->close;
main::fids_back_to_kernel("after the close vfs holds only the kernel's fid");



=== TEST 17: two walks in flight to the same newfid make one fid, not two
--- perl
my ($c, $root) = kattach('glenda');
$c->send({ type => 'Twalk', tag => 1, fid => $root, newfid => 5, wname => ['tmp'] },
         { type => 'Twalk', tag => 2, fid => $root, newfid => 5, wname => ['usr'] });
my %r = $c->collect([1, 2], 3);
my $made = grep { $_->{type} eq 'Rwalk' } values %r;
ok($made >= 1, 'at least one walk succeeds') or diag(join ' | ', map { Ten::NineP::format_msg($_) } values %r);
is_9p($c->clunk(5), 'Rclunk', 'clunk fid 5');
is_9p($c->stat(5), 'Rerror ename="unknown fid"', 'after one Tclunk there is no fid 5 left');
$c->close;
main::fids_back_to_kernel("vfs holds only the kernel's fid in the end");



=== TEST 18: 300 fids in one session: each found, clunked, reset by Tversion (the fid table grows)
--- perl
my ($c, $root) = kattach('glenda');
# the kernel's table of a session's fids starts at 8 buckets and doubles
# past two fids a bucket: fid numbers far apart and near, made in turn
my @fids = map { ($_ * 7919) % 100000 + 1 } 1 .. 300;
my $bad = 0;
for my $f (@fids) {
    my $r = $c->walk($root, $f, 'tmp');
    $bad++ unless $r->{type} eq 'Rwalk';
}
is($bad, 0, '300 walks to new fids');
$bad = 0;
for my $f (@fids) {
    $bad++ unless $c->stat($f)->{type} eq 'Rstat';
}
is($bad, 0, 'each is found');
main::fids_back_to_kernel('vfs holds the kernel, the mount and 301 fids', 303);
$bad = 0;
for my $f (@fids[0 .. 149]) {
    $bad++ unless $c->clunk($f)->{type} eq 'Rclunk';
}
is($bad, 0, 'half clunked');
is_9p($c->stat($fids[0]), 'Rerror ename="unknown fid"', 'a clunked one is gone');
is_9p($c->stat($fids[299]), 'Rstat stat=*', 'the others are there');
is($c->version(8192)->{type}, 'Rversion', 'Tversion');
is_9p($c->stat($fids[299]), 'Rerror ename="unknown fid"', 'which clunks every fid');
main::fids_back_to_kernel("and vfs holds only the kernel's fid");
($c, $root) = kattach('glenda', client => $c);
is_9p($c->walk($root, 5, 'tmp'), 'Rwalk wqid=[*]', 'and the session starts over');
is_9p($c->stat(5), 'Rstat stat=*', 'with its new fids');
$c->close;
