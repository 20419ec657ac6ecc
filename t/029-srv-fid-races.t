# The shared server loop (services/lib/srv.c) and fids that a request in
# flight is still making: a Tattach, a Tauth or a Twalk's newfid.  A
# request on such a fid waits until the fid is made, and gets "unknown
# fid" if it never is; nothing may run on a fid without the service's
# state, or on one already let go (issue 16: a use-after-free and a NULL
# dereference that any unauthenticated client could cause).  Each block
# pipelines its requests in one write, many times, then checks that the
# server still answers a fresh Tversion.

use lib 't/lib';
use Test::Ten 'no_nginx';
use Ten::VFS;

vfs_each_block();
run_tests();

# ten-vfs still serves: a new connection negotiates a version.
sub alive {
    my ($v) = @_;
    my $c = $v->client;
    my $r = eval { $c->version(8192) };
    return $r && $r->{type} eq 'Rversion';
}

__DATA__

=== TEST 1: a Tclunk or Tremove of a walk's newfid sent with the walk: the walk fails, the fid was never made
--- perl
my $v = vfs;
my $c = $v->client;
$c->attach(0, 'none', '');
my $bad = 0;
for my $i (1 .. 200) {
    my ($tw, $tc) = $c->send("Twalk fid=0 newfid=1 wname=[nope]",
                             ($i % 2 ? "Tclunk fid=1" : "Tremove fid=1"));
    my %r = $c->collect([$tw, $tc], 5);
    $bad++ unless $r{$tw}{type} eq 'Rerror' && $r{$tc}{type} eq 'Rerror'
                  && $r{$tc}{ename} eq 'unknown fid';
}
is($bad, 0, '200 rounds: the walk fails, then the clunk or remove gets "unknown fid"');
my ($tw, $tc) = $c->send("Twalk fid=0 newfid=1 wname=[adm nope]", "Tclunk fid=1");
my %r = $c->collect([$tw, $tc], 5);
is_9p($r{$tw}, 'Rwalk wqid=[(0x80 * *)]', 'a short walk makes no newfid either');
is_rerror($r{$tc}, 'unknown fid', 'so its clunk gets "unknown fid"');
ok(alive($v), 'ten-vfs still answers a new connection');
is($v->wait_counts(sub { $_[0]{fids} == 1 })->{fids}, 1, 'only the attach fid is left');



=== TEST 2: requests on the fid of an attach that fails, sent with it, get "unknown fid"
--- perl
my $v = vfs;
my $c = $v->client;
my $bad = 0;
for my $i (1 .. 100) {
    my @tags = $c->send('Tattach fid=5 afid=NOFID uname=none aname="../.."',
                        "Tstat fid=5", "Tread fid=5 offset=0 count=10",
                        "Twalk fid=5 newfid=6 wname=[adm]", "Topen fid=5 mode=0",
                        "Twrite fid=5 offset=0 data=x", "Tclunk fid=5",
                        "Tstat fid=6", "Tclunk fid=6");
    my %r = $c->collect(\@tags, 5);
    $bad++ unless $r{ $tags[0] }{type} eq 'Rerror';
    for my $t (@tags[1 .. $#tags]) {
        $bad++ unless ($r{$t}{ename} // '') eq 'unknown fid';
    }
}
is($bad, 0, '100 rounds: the attach fails; the requests on its fid, and on the newfid of a walk from it, get "unknown fid"');
ok(alive($v), 'ten-vfs still answers a new connection');
is($v->wait_counts(sub { $_[0]{fids} == 0 })->{fids}, 0, 'no fid is left');



=== TEST 3: requests sent with the walk or attach that makes their fid run after it, in order
--- setup
printf 'hello' > tmp/greeting
--- perl
my $v = vfs;
my $c = $v->client;
my @tags = $c->send('Tattach fid=0 afid=NOFID uname=none aname=""',
                    "Twalk fid=0 newfid=1 wname=[tmp greeting]", "Topen fid=1 mode=0",
                    "Tread fid=1 offset=0 count=100", "Tstat fid=1", "Tclunk fid=1",
                    "Tstat fid=1");
my %r = $c->collect(\@tags, 5);
is_9p($r{ $tags[0] }, 'Rattach qid=*', 'attach');
is_9p($r{ $tags[1] }, 'Rwalk wqid=[* *]', 'walk');
is_9p($r{ $tags[2] }, 'Ropen qid=* iounit=*', 'open');
is_9p($r{ $tags[3] }, 'Rread data=hello', 'read');
is_9p($r{ $tags[4] }, 'Rstat stat=*', 'stat');
is_9p($r{ $tags[5] }, 'Rclunk', 'clunk');
is_rerror($r{ $tags[6] }, 'unknown fid', 'and the fid is gone after its clunk');



=== TEST 4: a Tversion while requests wait for a fid being made: all are answered or dropped, the connection goes on
--- perl
my $v = vfs;
my $c = $v->client;
for my $i (1 .. 50) {
    $c->send('Tattach fid=0 afid=NOFID uname=none aname=""',
             "Twalk fid=0 newfid=1 wname=[adm]", "Tstat fid=1", "Tclunk fid=1");
    $c->send_raw(Ten::NineP::pack_msg({ type => 'Tversion', tag => 0xffff,
                                         msize => 8192, version => '9P2000' }));
    my $m;
    do { $m = $c->recv(5) } while ($m && $m->{type} ne 'Rversion');
    die "no Rversion in round $i" unless $m;
}
is_9p($c->attach(0, 'none', ''), 'Rattach qid=*', 'the connection goes on');
ok(alive($v), 'ten-vfs still answers a new connection');



=== TEST 5: a request parked behind a change to its fid, and a walk to a new fid between them: all run (found by the live fuzzer)
--- perl
my $v = vfs;
my $c = $v->client;
$c->attach(0, 'none', '');
my $missing = 0;
for my $i (1 .. 200) {
    $c->walk(0, 1, 'tmp');
    my @tags = $c->send("Twstat fid=1 stat={type=DONTTOUCH dev=DONTTOUCH qid=(DONTTOUCH DONTTOUCH DONTTOUCH) mode=DONTTOUCH atime=DONTTOUCH mtime=DONTTOUCH length=DONTTOUCH name=\"\" uid=\"\" gid=\"\" muid=\"\"}",
                        "Twalk fid=1 newfid=2 wname=[]", "Tstat fid=1", "Tclunk fid=2", "Tclunk fid=1");
    my %r = eval { $c->collect(\@tags, 5) };
    $missing++, last if $@;
}
is($missing, 0, '200 rounds: every request was answered');
ok(alive($v), 'ten-vfs still answers a new connection');
