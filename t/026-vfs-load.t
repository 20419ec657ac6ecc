# ten-vfs under load: 1,000 mixed requests pipelined on one connection,
# 100 connections at once, and kill -9 after acknowledged writes (every
# acknowledged write must be there after a restart).

use lib 't/lib';
use Test::Ten 'no_nginx';
use Ten::VFS;
use IO::Select;
use Time::HiRes qw(time);

vfs_each_block();
run_tests();

sub slurp {
    my ($file) = @_;
    open my $fh, '<', $file or return undef;
    local $/;
    return scalar <$fh>;
}

# Creates tmp/f0 .. tmp/f{n-1} as ($c, $root)'s user, each holding
# "content of fK"; returns their inodes.
sub make_files {
    my ($v, $c, $root, $n) = @_;
    my @ino;
    for my $k (0 .. $n - 1) {
        my $f = $c->walk_to($root, 'tmp');
        $c->create($f, "f$k", 0644, 1)->{type} eq 'Rcreate' or die "create f$k";
        $c->write($f, 0, "content of f$k")->{type} eq 'Rwrite' or die "write f$k";
        $c->clunk($f);
        push @ino, (stat $v->path("tmp/f$k"))[1];
    }
    return @ino;
}

__DATA__

=== TEST 1: 1,000 mixed requests pipelined on one connection: each answered once, correctly
--- timeout: 20
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
my $n = 10;
my @ino = main::make_files($v, $c, $root, $n);
my (@stat_fid, @read_fid);
for my $k (0 .. $n - 1) {
    push @stat_fid, $c->walk_to($root, "tmp/f$k");
    push @read_fid, $c->walk_to($root, "tmp/f$k");
    $c->open($read_fid[-1], 0);
}
my $w = $c->walk_to($root, 'tmp');
$c->create($w, 'records', 0644, 1);
my $base = $v->counts->{fids};

my (@msgs, %expect);
my $newfid = 5000;
for my $i (0 .. 999) {
    my $tag = $i + 1;
    my $k = $i % $n;
    my $kind = $i % 5;
    if ($kind == 0) {
        push @msgs, { type => 'Tstat', tag => $tag, fid => $stat_fid[$k] };
        $expect{$tag} = [Rstat => sub { $_[0]{stat}{name} eq "f$k" && $_[0]{stat}{qid}[2] == $ino[$k] }];
    } elsif ($kind == 1) {
        push @msgs, { type => 'Tread', tag => $tag, fid => $read_fid[$k], offset => 0, count => 100 };
        $expect{$tag} = [Rread => sub { $_[0]{data} eq "content of f$k" }];
    } elsif ($kind == 2) {
        push @msgs, { type => 'Twalk', tag => $tag, fid => $root, newfid => ++$newfid, wname => ['tmp', "f$k"] };
        $expect{$tag} = [Rwalk => sub { @{ $_[0]{wqid} } == 2 && $_[0]{wqid}[1][2] == $ino[$k] }];
    } elsif ($kind == 3) {
        push @msgs, { type => 'Tclunk', tag => $tag, fid => $newfid };
        $expect{$tag} = [Rclunk => sub { 1 }];
    } else {
        push @msgs, { type => 'Twrite', tag => $tag, fid => $w, offset => $i * 8, data => sprintf("%07d\n", $i) };
        $expect{$tag} = [Rwrite => sub { $_[0]{count} == 8 }];
    }
}
my $t0 = time;
$c->send(@msgs);
my %got = eval { $c->collect([1 .. 1000], 15) };
is($@, '', 'every tag answered exactly once, no stray tags');
my @wrong = grep { !$got{$_} || $got{$_}{type} ne $expect{$_}[0] || !$expect{$_}[1]->($got{$_}) } 1 .. 1000;
is(scalar @wrong, 0, 'every reply is the right one for its request')
    or diag("first wrong: tag $wrong[0]: " . ($got{ $wrong[0] } ? Ten::NineP::format_msg($got{ $wrong[0] }) : 'none'));
ok($c->quiet(0.2), 'nothing more');
Test::More::note(sprintf '1000 requests in %.2fs', time - $t0);
my $data = main::slurp($v->path('tmp/records'));
my @bad = grep { substr($data, $_ * 8, 8) ne sprintf("%07d\n", $_) } grep { $_ % 5 == 4 } 0 .. 999;
is(scalar @bad, 0, 'every write landed at its offset');
is($v->counts->{fids}, $base, 'every walked fid was clunked: the fid count is back where it was');



=== TEST 2: 100 connections at once
--- timeout: 20
--- perl
my $v = vfs;
my @c = map { Ten::Client->connect(port => $v->port, timeout => 10) } 1 .. 100;
# three rounds, each on all connections at once (a round's requests do
# not depend on each other; see 020-vfs-session.t for pipelined ones)
my @rounds = (
    ['Tversion tag=NOTAG msize=8192 version=9P2000', 'Tattach tag=1 fid=0 afid=NOFID uname=none aname=""'],
    ['Twalk tag=2 fid=0 newfid=1 wname=[adm users]'],
    ['Tstat tag=3 fid=1'],
);
my %reply;
for my $round (@rounds) {
    $_->send(@$round) for @c;
    for my $i (0 .. $#c) {
        while (my $m = $c[$i]->recv(10)) {
            $reply{$i}{ $m->{type} } = $m;
            last if $m->{type} ne 'Rversion';
        }
    }
}
my $ok = grep { my $r = $reply{$_};
    $r->{Rversion} && $r->{Rattach} && $r->{Rwalk} && $r->{Rstat} && $r->{Rstat}{stat}{name} eq 'users' } 0 .. $#c;
is($ok, 100, 'all 100 connections are served');
my $counts = $v->counts;
is($counts->{connections}, 100, '100 connections');
is($counts->{fids}, 200, '200 fids');
$_->disconnect for @c;
$counts = $v->wait_counts(sub { $_[0]{connections} == 0 && $_[0]{fids} == 0 });
is_deeply([@$counts{qw(connections fids)}], [0, 0], 'all gone after they close');



=== TEST 3: -C bounds the number of connections
--- vfs_args: -C 3
--- perl
my $v = vfs;
my @c = map { $v->client } 1 .. 3;
my $extra = Ten::Client->connect(port => $v->port);
ok($extra->closed(2), 'a fourth connection is closed at once');
is_9p($c[0]->attach(0, 'none'), 'Rattach qid=*', 'the first three work');
$_->disconnect for @c;
$v->wait_counts(sub { $_[0]{connections} == 0 });
is_9p($v->client->attach(0, 'none'), 'Rattach qid=*', 'once they are gone a new one is served');
--- error_log
too many connections (3), refusing one



=== TEST 4: kill -9 after acknowledged writes, restart: every acknowledged write is there
--- timeout: 20
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
my @ino = main::make_files($v, $c, $root, 50);
my $w = $c->walk_to($root, 'tmp');
$c->create($w, 'journal', 0640, 1);
my @tags = $c->send(map { +{ type => 'Twrite', fid => $w, offset => $_ * 16, data => sprintf("record %08d\n", $_) } } 0 .. 499);
my %r = $c->collect(\@tags, 10);
is(scalar(grep { $_->{type} eq 'Rwrite' && $_->{count} == 16 } values %r), 500, '500 pipelined writes acknowledged');
my $d = $c->walk_to($root, 'tmp');
$c->create($d, 'dir', 0x800001ed);
my $g = $c->walk_to($root, 'tmp/f7');
is_9p($c->wstat($g, gid => 'staff', mode => 0604), 'Rwstat', 'a wstat acknowledged');
$v->kill9;
$v->start;
my ($c2, $root2) = $v->attach('glenda');
my $ok = 0;
for my $k (0 .. 49) {
    my $f = $c2->walk_to($root2, "tmp/f$k") // next;
    $c2->open($f, 0);
    $ok++ if $c2->read_all($f) eq "content of f$k" && $c2->stat($f)->{stat}{qid}[2] == $ino[$k];
    $c2->clunk($f);
}
is($ok, 50, 'all 50 files, their data and their qids survived');
my $j = $c2->walk_to($root2, 'tmp/journal');
$c2->open($j, 0);
ok($c2->read_all($j) eq join('', map { sprintf("record %08d\n", $_) } 0 .. 499), 'all 500 journal records');
is_9p($c2->stat($j), 'Rstat stat={type=* dev=* qid=* mode=0640 atime=* mtime=* length=8000 name=journal uid=glenda gid=adm muid=glenda}',
    'the journal\'s metadata');
my $f7 = $c2->walk_to($root2, 'tmp/f7');
is_9p($c2->stat($f7), 'Rstat stat={type=* dev=* qid=* mode=0604 atime=* mtime=* length=* name=f7 uid=glenda gid=staff muid=*}',
    'the wstat');
ok(defined $c2->walk_to($root2, 'tmp/dir'), 'the directory');
my @seeded = grep { /seeded the empty root/ } $v->log_lines;
is(scalar @seeded, 1, 'the restart did not seed again');
