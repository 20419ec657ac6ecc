# ten-vfs over plain TCP: Tversion, Tattach, Twalk, Tflush, tags and the
# per-connection limits.  Every block gets a fresh ten-vfs on a fresh
# root (Ten::VFS); `> auth kernel` authenticates the connection as the
# kernel (speaks-for), so it may then attach as any user.

use lib 't/lib';
use Test::Ten 'no_nginx';
use Ten::VFS;
use Fcntl qw(O_RDWR O_NONBLOCK);

vfs_each_block();
run_tests();

# Opens a FIFO made by `--- setup` for reading and writing, so a 9P read
# of it blocks (a writer exists, no data) instead of seeing end of file.
sub hold_fifo {
    my ($path) = @_;
    sysopen(my $fh, $path, O_RDWR | O_NONBLOCK) or die "$path: $!";
    return $fh;
}

__DATA__

=== TEST 1: Tversion: the smaller msize wins; dotted versions are 9P2000
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tversion tag=NOTAG msize=1000000 version=9P2000
< Rversion tag=NOTAG msize=65536 version=9P2000
> Tversion tag=NOTAG msize=256 version=9P2000.L
< Rversion tag=NOTAG msize=256 version=9P2000
> Tversion tag=NOTAG msize=8192 version=9P1999
< Rversion tag=NOTAG msize=* version=unknown



=== TEST 2: Tversion: -m bounds the msize; below 256 is refused
--- vfs_args: -m 4096
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=4096 version=9P2000
> Tversion tag=NOTAG msize=255 version=9P2000
< Rerror tag=NOTAG ename="msize too small"



=== TEST 3: a second Tversion clunks every fid
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=none aname=""
< Rattach tag=1 qid=(0x80 * *)
> Twalk tag=2 fid=0 newfid=1 wname=[adm]
< Rwalk tag=2 wqid=[(0x80 * *)]
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tstat tag=3 fid=0
< Rerror tag=3 ename="unknown fid"
> Tstat tag=4 fid=1
< Rerror tag=4 ename="unknown fid"
# the fid numbers are free again
> Tattach tag=5 fid=1 afid=NOFID uname=none aname=""
< Rattach tag=5 qid=(0x80 * *)
--- perl
my $v = vfs;
my $c = $v->client;
my ($fid) = 0;
$c->attach($_, 'none') for 0 .. 9;
is($v->wait_counts(sub { $_[0]{fids} == 10 })->{fids}, 10, 'ten fids attached');
is_9p($c->version(8192), 'Rversion msize=8192 version=9P2000', 'Tversion');
is($v->counts->{fids}, 0, 'Tversion released all of them');



=== TEST 4: a Tversion ends the host authentication of the connection
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> auth kernel
> Tattach tag=1 fid=0 afid=NOFID uname=glenda aname=""
< Rattach tag=1 qid=(0x80 * *)
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=2 fid=0 afid=NOFID uname=glenda aname=""
< Rerror tag=2 ename="authentication required to attach as glenda"



=== TEST 5: Tattach: none without authentication; fid rules
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=none aname=""
< Rattach tag=1 qid=(0x80 * *)
> Tattach tag=2 fid=0 afid=NOFID uname=none aname=""
< Rerror tag=2 ename="fid in use"
> Tattach tag=3 fid=NOFID afid=NOFID uname=none aname=""
< Rerror tag=3 ename=*
> Tattach tag=4 fid=1 afid=NOFID uname=adm aname=""
< Rerror tag=4 ename="authentication required to attach as adm"
# the failed attach did not keep fid 1
> Tattach tag=5 fid=1 afid=NOFID uname=none aname=""
< Rattach tag=5 qid=(0x80 * *)



=== TEST 6: Tattach: a user missing from /adm/users is refused
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> auth kernel
> Tattach tag=1 fid=0 afid=NOFID uname=nobody aname=""
< Rerror tag=1 ename="unknown user"
> Tattach tag=2 fid=0 afid=NOFID uname=alice aname=""
< Rattach tag=2 qid=(0x80 * *)



=== TEST 7: Tattach: aname selects a subtree that `..` cannot leave
--- setup
mkdir -p usr/glenda/lib
--- perl
my $v = vfs;
my $c = $v->client;
my $root = $c->attach(0, 'none', '');
my $sub = $c->attach(1, 'none', 'usr/glenda');
is_9p($sub, 'Rattach qid=(0x80 * *)', 'attach to usr/glenda');
is($sub->{qid}[2], (stat $v->path('usr/glenda'))[1], 'its qid path is the inode of usr/glenda');
isnt($sub->{qid}[2], $root->{qid}[2], 'which is not the root');
my $r = $c->walk(1, 2, '..', '..', '..');
is_9p($r, 'Rwalk wqid=[* * *]', 'walk .. .. .. from the subtree root');
is($r->{wqid}[2][2], $sub->{qid}[2], '.. stops at the attach point');
is_9p($c->stat(2), 'Rstat stat={type=* dev=* qid=* mode=* atime=* mtime=* length=0 name=glenda uid=* gid=* muid=*}',
    'and the fid is still the attach point');
is_9p($c->walk(1, 3, 'lib', '..', '..', 'lib'), 'Rwalk wqid=[* * * *]', 'lib .. .. lib');
is_9p($c->attach(4, 'none', '/usr/glenda/'), 'Rattach qid=(0x80 * *)', 'slashes around aname are fine');
is_rerror($c->attach(5, 'none', 'usr/nobody'), 'file does not exist', 'aname that does not exist');
is_rerror($c->attach(6, 'none', 'adm/users'), 'attach name is not a directory', 'aname of a file');
is_rerror($c->attach(7, 'none', 'usr/glenda/../..'), 'invalid attach name', 'aname with ..');



=== TEST 8: Twalk: sixteen names at once
--- setup
mkdir -p tmp/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=none aname=""
< Rattach tag=1 qid=(0x80 * *)
> Twalk tag=2 fid=0 newfid=1 wname=[tmp 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15]
< Rwalk tag=2 wqid=[(0x80 * *) (0x80 * *) (0x80 * *) (0x80 * *) (0x80 * *) (0x80 * *) (0x80 * *) (0x80 * *) (0x80 * *) (0x80 * *) (0x80 * *) (0x80 * *) (0x80 * *) (0x80 * *) (0x80 * *) (0x80 * *)]
> Twalk tag=3 fid=1 newfid=2 wname=[16]
< Rwalk tag=3 wqid=[(0x80 * *)]
> Tstat tag=4 fid=2
< Rstat tag=4 stat={type=* dev=* qid=(0x80 * *) mode=* atime=* mtime=* length=0 name=16 uid=adm gid=adm muid=adm}



=== TEST 9: Twalk: seventeen names is a malformed message: the connection closes
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=none aname=""
< Rattach tag=1 qid=(0x80 * *)
> Twalk tag=2 fid=0 newfid=1 wname=[a b c d e f g h i j k l m n o p q]
< closed
--- error_log
malformed 9P



=== TEST 10: Twalk: a failure on the first name is an Rerror, later a short Rwalk
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=none aname=""
< Rattach tag=1 qid=(0x80 * *)
> Twalk tag=2 fid=0 newfid=1 wname=[nonexistent]
< Rerror tag=2 ename="file does not exist"
> Twalk tag=3 fid=0 newfid=1 wname=[adm nonexistent lib]
< Rwalk tag=3 wqid=[(0x80 * *)]
# newfid was not made by the failed or the short walk
> Tstat tag=4 fid=1
< Rerror tag=4 ename="unknown fid"
> Twalk tag=5 fid=0 newfid=1 wname=[adm users next]
< Rwalk tag=5 wqid=[(0x80 * *) (0 * *)]
> Twalk tag=6 fid=0 newfid=1 wname=[adm users]
< Rwalk tag=6 wqid=[(0x80 * *) (0 * *)]
> Twalk tag=7 fid=1 newfid=2 wname=[x]
< Rerror tag=7 ename="not a directory"
# a short walk with newfid = fid leaves the fid where it was
> Twalk tag=8 fid=0 newfid=0 wname=[adm nonexistent]
< Rwalk tag=8 wqid=[(0x80 * *)]
> Tstat tag=9 fid=0
< Rstat tag=9 stat={type=* dev=* qid=* mode=* atime=* mtime=* length=0 name=/ uid=* gid=* muid=*}



=== TEST 11: Twalk: clones, fid = newfid, `..` at the root, newfid in use
--- perl
my $c = vfs->client;
my $root = $c->attach(0, 'none', '')->{qid};
is_9p($c->walk(0, 1), 'Rwalk wqid=[]', 'nwname 0 clones');
is_9p($c->stat(1), 'Rstat stat={type=* dev=* qid=* mode=* atime=* mtime=* length=0 name=/ uid=* gid=* muid=*}',
    'the clone is the root');
my $r = $c->walk(0, 2, '..');
is_deeply($r->{wqid}, [$root], '.. at the root is the root');
$r = $c->walk(0, 3, 'adm', '..', '..', 'lib');
is_9p($r, 'Rwalk wqid=[(0x80 * *) * * (0x80 * *)]', 'adm .. .. lib');
is_deeply([@{ $r->{wqid} }[1, 2]], [$root, $root], 'both .. are the root');
is_rerror($c->walk(0, 1, 'adm'), 'newfid in use', 'newfid in use');
is_9p($c->walk(1, 1, 'adm'), 'Rwalk wqid=[(0x80 * *)]', 'walk fid = newfid');
is_9p($c->stat(1), 'Rstat stat={type=* dev=* qid=* mode=* atime=* mtime=* length=0 name=adm uid=* gid=* muid=*}',
    'the fid moved to adm');
is_rerror($c->walk(77, 78), 'unknown fid', 'walk of an unknown fid');
is_9p($c->open(1, 0), 'Ropen qid=(0x80 * *) iounit=*', 'open adm');
is_rerror($c->walk(1, 9, 'users'), 'cannot walk an open fid', 'walk of an open fid');
is_rerror($c->walk(1, 9), 'cannot walk an open fid', 'clone of an open fid');



=== TEST 12: Tflush: a blocked FIFO read does not hold up a Tstat; flush answers it first
--- skip_gfapi: a read that blocks until the test writes needs a FIFO, and libgfapi does not open FIFOs (glfs_open: EINVAL)
--- setup
mkfifo tmp/fifo
--- perl
my $v = vfs;
my $fifo = main::hold_fifo($v->path('tmp/fifo'));
my $c = $v->client;
$c->attach(0, 'none');
$c->walk(0, 1, 'tmp', 'fifo');
is_9p($c->open(1, 0), 'Ropen qid=* iounit=*', 'open the FIFO');
$c->send('Tread tag=10 fid=1 offset=0 count=100');
ok($c->quiet(0.3), 'the read blocks');
$c->send('Tstat tag=11 fid=0');
is_9p($c->recv(2), 'Rstat tag=11 stat=*', 'a Tstat is answered meanwhile');
$c->send('Tflush tag=12 oldtag=10');
is_rerror($c->recv(2), 'interrupted', 'the read is answered first');
is_9p($c->recv(2), 'Rflush tag=12', 'then Rflush');
ok($c->quiet(0.3), 'nothing else');
# the fid still works, and data wakes a read
$c->send('Tread tag=13 fid=1 offset=0 count=100');
ok($c->quiet(0.2), 'a new read blocks');
syswrite($fifo, "wake");
is_9p($c->recv(2), 'Rread tag=13 data=wake', 'and returns what was written');



=== TEST 13: Tflush: an unknown or answered tag gets Rflush at once
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=none aname=""
< Rattach tag=1 qid=(0x80 * *)
> Tflush tag=2 oldtag=1
< Rflush tag=2
> Tflush tag=3 oldtag=99
< Rflush tag=3
> Tflush tag=4 oldtag=4
< Rflush tag=4



=== TEST 14: tags: a tag in use is refused; NOTAG only for Tversion
--- skip_gfapi: a read that blocks until the test writes needs a FIFO, and libgfapi does not open FIFOs (glfs_open: EINVAL)
--- setup
mkfifo tmp/fifo
--- perl
my $v = vfs;
my $fifo = main::hold_fifo($v->path('tmp/fifo'));
my $c = $v->client;
$c->attach(0, 'none');
$c->walk(0, 1, 'tmp', 'fifo');
$c->open(1, 0);
$c->send('Tread tag=10 fid=1 offset=0 count=100');
$c->send('Tstat tag=10 fid=0');
is_rerror($c->recv(2), 'tag in use', 'a second request with tag 10');
$c->send('Tstat tag=NOTAG fid=0');
is_9p($c->recv(2), 'Rerror tag=NOTAG ename=*', 'Tstat with NOTAG');
syswrite($fifo, "x");
is_9p($c->recv(2), 'Rread tag=10 data=x', 'the first tag-10 request is answered once');
ok($c->quiet(0.2), 'and only once');



=== TEST 15: a Tversion aborts outstanding requests: their replies are not sent
--- skip_gfapi: a read that blocks until the test writes needs a FIFO, and libgfapi does not open FIFOs (glfs_open: EINVAL)
--- setup
mkfifo tmp/fifo
--- perl
my $v = vfs;
my $fifo = main::hold_fifo($v->path('tmp/fifo'));
my $c = $v->client;
$c->attach(0, 'none');
$c->walk(0, 1, 'tmp', 'fifo');
$c->open(1, 0);
$c->send('Tread tag=10 fid=1 offset=0 count=100');
ok($c->quiet(0.2), 'the read blocks');
$c->send('Tversion tag=NOTAG msize=4096 version=9P2000');
is_9p($c->recv(3), 'Rversion tag=NOTAG msize=4096 version=9P2000', 'Rversion is the next reply');
syswrite($fifo, "late\n");
ok($c->quiet(0.3), 'the read never gets one, even when data comes');
is($v->counts->{fids}, 0, 'no fid is left');



=== TEST 16: -R: too many outstanding requests
--- vfs_args: -R 2
--- skip_gfapi: a read that blocks until the test writes needs a FIFO, and libgfapi does not open FIFOs (glfs_open: EINVAL)
--- setup
mkfifo tmp/fifo
--- perl
my $v = vfs;
my $fifo = main::hold_fifo($v->path('tmp/fifo'));
my $c = $v->client;
$c->attach(0, 'none');
for my $fid (1, 2) { $c->walk(0, $fid, 'tmp', 'fifo'); $c->open($fid, 0) }
$c->send('Tread tag=10 fid=1 offset=0 count=1', 'Tread tag=11 fid=2 offset=0 count=1');
ok($c->quiet(0.2), 'two reads block');
$c->send('Tstat tag=12 fid=0');
is_rerror($c->recv(2), 'too many outstanding requests', 'a third request');
syswrite($fifo, "ab");
my %r = $c->collect([10, 11], 3);
is(join('', sort map { $_->{data} } values %r), 'ab', 'both reads are answered');
is_9p($c->rpc('Tstat fid=0'), 'Rstat stat=*', 'and requests are accepted again');



=== TEST 17: -F: too many fids; a clunk makes room
--- vfs_args: -F 3
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=none aname=""
< Rattach tag=1 qid=(0x80 * *)
> Twalk tag=2 fid=0 newfid=1 wname=[]
< Rwalk tag=2 wqid=[]
> Twalk tag=3 fid=0 newfid=2 wname=[adm]
< Rwalk tag=3 wqid=[(0x80 * *)]
> Twalk tag=4 fid=0 newfid=3 wname=[]
< Rerror tag=4 ename="too many fids"
> Tattach tag=5 fid=4 afid=NOFID uname=none aname=""
< Rerror tag=5 ename="too many fids"
> Tclunk tag=6 fid=1
< Rclunk tag=6
> Twalk tag=7 fid=0 newfid=3 wname=[]
< Rwalk tag=7 wqid=[]
# each connection has its own limit
c2 > Tversion tag=NOTAG msize=8192 version=9P2000
c2 < Rversion tag=NOTAG msize=8192 version=9P2000
c2 > Tattach tag=1 fid=0 afid=NOFID uname=none aname=""
c2 < Rattach tag=1 qid=(0x80 * *)



=== TEST 18: a message over the negotiated msize closes the connection (only that one)
--- perl
my $v = vfs;
my $c = $v->client(msize => 512);
my $other = $v->client;
$other->attach(0, 'none');
$c->attach(0, 'none');
$c->walk(0, 1, 'tmp');
is_9p($c->create(1, 'f', 0666, 1), 'Rcreate qid=* iounit=488', 'iounit is msize - 24');
is_9p($c->write(1, 0, 'x' x 488), 'Rwrite count=488', 'a write of exactly msize');
$c->send({ type => 'Twrite', fid => 1, offset => 0, data => 'x' x 490 });
ok($c->closed(2), 'a write one byte over msize: connection closed');
is_9p($other->stat(0), 'Rstat stat=*', 'the other connection still works');
is($v->wait_counts(sub { $_[0]{connections} == 1 })->{connections}, 1, 'one connection left');
--- error_log
message size 513 outside 7..512



=== TEST 19: msize before Tversion is the server's; replies respect the negotiated one
--- vfs_args: -m 1024
--- setup
head -c 1000 /dev/zero > tmp/big
mkdir tmp/many
for i in $(seq -w 1 20); do echo x > tmp/many/file$i; done
--- perl
my $v = vfs;
my $c = $v->client(version => 0);
$c->send({ type => 'Tversion', tag => 0xffff, msize => 8192, version => '9P2000', size => 1025 });
ok($c->closed(2), 'a message over -m before Tversion closes');
$c = $v->client(msize => 300);
$c->attach(0, 'none');
$c->walk(0, 1, 'tmp', 'big');
$c->open(1, 0);
my $r = $c->read(1, 0, 10000);
is(length $r->{data}, 276, 'a read returns at most msize - 24 bytes');
$c->walk(0, 2, 'tmp', 'many');
$c->open(2, 0);
$r = $c->read(2, 0, 10000);    # 20 stat entries: far more than 276 bytes
is($r->{type}, 'Rread', 'a directory read of 20 entries: Rread') or diag("ename: $r->{ename}");
my $len = length($r->{data} // '');
ok($len > 0 && $len <= 276, "a directory read too: 0 < $len <= 276");
my @st = eval { Ten::Client::parse_stats($r->{data} // '') };
ok(!$@ && @st > 0 && !grep({ $_->{name} !~ /^file\d\d$/ } @st),
    'it holds whole stat entries only (' . scalar(@st) . ')') or diag($@);



=== TEST 20: pipelined requests that depend on each other: the server survives and answers each in order
--- perl
my $v = vfs;
my ($answered, $right) = (0, 0);
my $rounds = 5;
for my $round (1 .. $rounds) {
    my $c = eval { $v->client } or last;
    $c->send('Tattach tag=1 fid=0 afid=NOFID uname=none aname=""',
        'Twalk tag=2 fid=0 newfid=1 wname=[adm users]',
        'Topen tag=3 fid=1 mode=0',
        'Tread tag=4 fid=1 offset=0 count=8',
        'Tclunk tag=5 fid=1');
    my %r = eval { $c->collect([1 .. 5], 3) };
    next unless keys %r == 5;
    $answered++;
    $right++ if join(' ', map { $r{$_}{type} } 1 .. 5) eq 'Rattach Rwalk Ropen Rread Rclunk'
        && $r{4}{data} eq 'adm:adm:';
    last unless $v->alive;
}
ok($v->alive, 'ten-vfs is still running')
    or diag('it died with status ' . ($v->{exit} >> 8) . ' signal ' . ($v->{exit} & 127));
is($answered, $rounds, "Tattach, Twalk, Topen, Tread, Tclunk on one fid in one write: all answered ($rounds times)");
is($right, $rounds, 'as if they had been sent one by one');



=== TEST 21: reads blocked on every worker thread do not stop other connections (-j 2)
--- vfs_args: -j 2
--- skip_gfapi: a read that blocks until the test writes needs a FIFO, and libgfapi does not open FIFOs (glfs_open: EINVAL)
--- setup
mkfifo tmp/fifo
--- perl
my $v = vfs;
my $fifo = main::hold_fifo($v->path('tmp/fifo'));
my $c = $v->client;
$c->attach(0, 'none');
for my $fid (1, 2) { $c->walk(0, $fid, 'tmp', 'fifo'); $c->open($fid, 0) }
$c->send('Tread tag=10 fid=1 offset=0 count=1', 'Tread tag=11 fid=2 offset=0 count=1');
ok($c->quiet(0.3), 'two reads block, one on each worker thread');
my $o = $v->client;
$o->send('Tattach tag=1 fid=0 afid=NOFID uname=none aname=""');
is_9p($o->recv(2), 'Rattach tag=1 qid=*', 'another connection is still served');
syswrite($fifo, 'ab');
my %r = $c->collect([10, 11], 3);
is(scalar keys %r, 2, 'the reads end when data comes');



=== TEST 22: requests however their bytes arrive: a byte at a time, several in one write, one longer than the reader reads ahead
--- perl
my $v = vfs;
my $c = $v->client;
$c->attach(0, 'none');
my $bytes = join '', map { Ten::NineP::pack_msg(Ten::Client::_parse_send($_)) }
    'Twalk tag=1 fid=0 newfid=1 wname=[tmp]', 'Tcreate tag=2 fid=1 name=split perm=0666 mode=2';
for my $b (split //, $bytes) {
    $c->send_raw($b) or last;
    select(undef, undef, undef, 0.005);
}
my %r = $c->collect([1, 2], 3);
is_9p($r{1}, 'Rwalk tag=1 wqid=[(0x80 * *)]', 'a walk sent a byte at a time');
is_9p($r{2}, 'Rcreate tag=2 qid=* iounit=*', 'and a create');
my $data = join '', map { chr(ord('a') + $_ % 26) } 1 .. 6000;
$c->send("Twrite tag=3 fid=1 offset=0 data=$data", 'Twalk tag=4 fid=0 newfid=2 wname=[tmp split]');
%r = $c->collect([3, 4], 3);
is_9p($r{3}, 'Rwrite tag=3 count=6000', 'a 6000-byte write and a walk in one write: the write');
is_9p($r{4}, 'Rwalk tag=4 wqid=[(0x80 * *) (0 * *)]', 'the walk');
$c->send('Tstat tag=5 fid=2', 'Tread tag=6 fid=1 offset=5990 count=100');
%r = $c->collect([5, 6], 3);
is($r{5}{stat}{length}, 6000, 'a stat and a read in one write: the stat');
is($r{6}{data}, substr($data, 5990), 'the read');



=== TEST 23: -W: a client that takes no reply for that long is closed; the others go on
--- vfs_args: -W 1
--- setup
head -c 65536 /dev/urandom > tmp/big && chmod 0644 tmp/big
--- perl
my $v = vfs;
my $c = $v->client;
my $other = $v->client;
$other->attach(0, 'none');
$c->attach(0, 'none');
my $f = $c->walk_to(0, 'tmp/big') // die 'walk to tmp/big';
is_9p($c->open($f, 0), 'Ropen qid=* iounit=*', 'tmp/big open');
# 1,000 replies of 64 KiB: more than both sockets' buffers hold (a
# loopback receive buffer may grow to 32 MiB here)
$c->send(map { { type => 'Tread', fid => $f, offset => 0, count => 65000 } } 1 .. 1000);
select(undef, undef, undef, 4);
is_9p($other->stat(0), 'Rstat stat=*', 'meanwhile another connection is served');
ok($c->closed(10), 'the connection that read nothing is closed');
is($v->wait_counts(sub { $_[0]{connections} == 1 })->{connections}, 1, 'one connection left');
--- error_log
took no reply for 1 s (-W), closing
