# Stale handles (seed roadmap 4): when a backend connection dies, its
# fids are made again on their next use -- re-attached as their user,
# re-walked, re-opened without OTRUNC, a directory read taken back to
# where it was -- and idempotent requests in flight are sent again; a
# write whose outcome is unknown says so.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Ten::VFS;

add_block_preprocessor(sub {
    my $b = shift;
    $b->set_value(setup => <<'SH') unless defined $b->setup;
printf '0123456789abcdefghijklmnopqrstuvwxyz' > tmp/alphabet
mkdir tmp/many
for i in $(seq 1 40); do printf x > tmp/many/file-$i; done
SH
});
kernel_each_block();
run_tests();

__DATA__

=== TEST 1: kill -9 mid-read, restart: the same fid reads on where it was
--- perl
my ($c, $root) = kattach('glenda');
my $f = $c->walk_to($root, 'tmp/alphabet');
$c->open($f, 0);
is($c->read($f, 0, 10)->{data}, '0123456789', 'the first ten bytes');
kvfs->kill9;
kvfs->start;
is_9p($c->read($f, 10, 10), 'Rread data="abcdefghij"', 'after a kill -9 and a restart: the next ten, on the same fid');
is_9p($c->stat($f), 'Rstat stat=*', 'a stat of it too');
is_9p($c->walk($root, 50, 'tmp', 'many'), 'Rwalk wqid=[* *]', 'and the root fid walks again');
$c->clunk($f);
$c->close;
my $k = kvfs->wait_counts(sub { $_[0]{fids} <= 1 }, 2);
is($k->{fids}, 1, 'nothing is left on the new vfs but the kernel\'s fid');
--- error_log
recovered on a new connection to "vfs"



=== TEST 2: a directory read goes on from where it was after the connection died
--- perl
my ($c, $root) = kattach('glenda');
my $d = $c->walk_to($root, 'tmp/many');
$c->open($d, 0);
my $first = $c->read($d, 0, 300);
my @names = map { $_->{name} } Ten::Client::parse_stats($first->{data});
ok(@names > 0 && @names < 40, 'a first read gave some of the 40 entries (' . scalar(@names) . ')');
kvfs->kill9;
kvfs->start;
my $off = length $first->{data};
while (1) {
    my $r = $c->read($d, $off, 300);
    die 'read: ' . Ten::NineP::format_msg($r) unless $r->{type} eq 'Rread';
    last unless length $r->{data};
    push @names, map { $_->{name} } Ten::Client::parse_stats($r->{data});
    $off += length $r->{data};
}
is(scalar(@names), 40, 'then the rest: 40 entries in all');
my %seen;
is(scalar(grep { !$seen{$_}++ } @names), 40, 'none twice');



=== TEST 3: a file gone meanwhile: an Rerror for that fid only; an open fid keeps its mode without OTRUNC
--- perl
my ($c, $root) = kattach('glenda');
my $g = $c->walk_to($root, 'tmp/alphabet');
my $w = $c->walk_to($root, 'usr/glenda');
$c->create($w, 'kept', 0644, 0x11);      # OWRITE|OTRUNC
$c->write($w, 0, 'first');
kvfs->kill9;
unlink kvfs->path('tmp/alphabet');
kvfs->start;
is_rerror($c->stat($g), 'file does not exist', 'the removed file: its fid says so');
is_9p($c->write($w, 5, ' second'), 'Rwrite count=7', 'the open file is written on after its recovery');
is(do { local $/; open my $fh, '<', kvfs->path('usr/glenda/kept'); <$fh> }, 'first second',
   'what was written before is still there: no OTRUNC on the way');
is_rerror($c->stat($g), 'file does not exist', 'still so on the next try');



=== TEST 4: requests in flight: a read is sent again on another server; a write is not
--- backup
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        server 127.0.0.1:$TEST_NGINX_VFS_B_PORT backup;
    }
    upstream ten_vfs2 { server 127.0.0.1:$TEST_NGINX_VFS2_PORT; }
--- perl
my ($c, $root) = kattach('glenda');
my $f = $c->walk_to($root, 'tmp/alphabet');
$c->open($f, 0);
my $w = $c->walk_to($root, 'usr/glenda');
$c->create($w, 'log', 0644, 1);
kvfs->freeze;
$c->send("Tread tag=40 fid=$f offset=26 count=5", "Twrite tag=41 fid=$w offset=0 data=\"lost?\"");
ok($c->quiet(0.3), 'nothing comes back from a stopped server');
kvfs->kill9;
my %r = $c->collect([40, 41], 5);
is_9p($r{40}, 'Rread data="qrstu"', 'the read in flight is answered, by the backup server');
is_9p($r{41}, 'Rerror ename="vfs: connection lost; outcome unknown"', 'the write in flight: outcome unknown');
is_9p($c->read($f, 0, 3), 'Rread data="012"', 'the fid goes on on the backup');



=== TEST 5: a union directory read after its members' connections died: they are made again
--- vfs2
--- namespace
mount vfs /
mount -a vfs2 /bin bin
--- setup
printf '0123456789abcdefghijklmnopqrstuvwxyz' > tmp/alphabet
mkdir -p bin "$VFS2/bin"
printf one > bin/one
printf two > "$VFS2/bin/two"
--- perl
my ($c, $root) = kattach('glenda');
my $d = $c->walk_to($root, 'bin');
$c->open($d, 0);
my @names = sort map { $_->{name} } $c->read_dir($d);
is("@names", 'one two', 'both members listed');
kvfs2->kill9;
kvfs2->start;
@names = sort map { $_->{name} } $c->read_dir($d);
is("@names", 'one two', "after vfs2's restart: the second member is made again");
kvfs->kill9;
kvfs->start;
@names = sort map { $_->{name} } $c->read_dir($d);
is("@names", 'one two', "after vfs's restart: the fid itself is recovered");
kvfs2->stop;
@names = sort map { $_->{name} } $c->read_dir($d);
is("@names", 'one', 'with vfs2 gone: its member is left out, the read still works');
