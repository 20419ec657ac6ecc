# ten-vfs file operations: Topen modes, Tcreate, Tread (files and
# directories), Twrite, Tclunk, Tremove and Tstat, as seen over 9P and on
# disk.  Users come from $Ten::VFS::USERS; `> auth kernel` lets the
# connection attach as any of them.

use lib 't/lib';
use Test::Ten 'no_nginx';
use Ten::VFS;

vfs_each_block();
run_tests();

sub slurp {
    my ($file) = @_;
    open my $fh, '<', $file or return undef;
    local $/;
    return scalar <$fh>;
}

__DATA__

=== TEST 1: Tcreate a file: open on the fid, owner the user, group the directory's
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> auth kernel
> Tattach tag=1 fid=0 afid=NOFID uname=glenda aname=""
< Rattach tag=1 qid=(0x80 * *)
> Twalk tag=2 fid=0 newfid=1 wname=[tmp]
< Rwalk tag=2 wqid=[(0x80 * *)]
> Tcreate tag=3 fid=1 name=hello perm=0664 mode=2
< Rcreate tag=3 qid=(0 0 *) iounit=8168
> Twrite tag=4 fid=1 offset=0 data="hello, world\n"
< Rwrite tag=4 count=13
> Tread tag=5 fid=1 offset=7 count=100
< Rread tag=5 data="world\n"
> Tstat tag=6 fid=1
< Rstat tag=6 stat={type=0 dev=0 qid=(0 * *) mode=0664 atime=* mtime=* length=13 name=hello uid=glenda gid=adm muid=glenda}
> Tclunk tag=7 fid=1
< Rclunk tag=7
--- perl
is(main::slurp(vfs->path('tmp/hello')), "hello, world\n", 'the file is on disk');



=== TEST 2: Tcreate: a directory; an existing name is refused; the fid must be a directory
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> auth kernel
> Tattach tag=1 fid=0 afid=NOFID uname=glenda aname=""
< Rattach tag=1 qid=(0x80 * *)
> Twalk tag=2 fid=0 newfid=1 wname=[tmp]
< Rwalk tag=2 wqid=[(0x80 * *)]
> Tcreate tag=3 fid=1 name=d perm=0x800001ed mode=0
< Rcreate tag=3 qid=(0x80 0 *) iounit=*
> Tread tag=4 fid=1 offset=0 count=1000
< Rread tag=4 data=""
> Tstat tag=5 fid=1
< Rstat tag=5 stat={type=0 dev=0 qid=(0x80 * *) mode=0x800001ed atime=* mtime=* length=0 name=d uid=glenda gid=adm muid=glenda}
> Twalk tag=6 fid=0 newfid=2 wname=[tmp]
< Rwalk tag=6 wqid=[(0x80 * *)]
> Tcreate tag=7 fid=2 name=d perm=0x800001ed mode=0
< Rerror tag=7 ename="file already exists"
> Tcreate tag=8 fid=2 name=d perm=0644 mode=1
< Rerror tag=8 ename="file already exists"
> Twalk tag=9 fid=0 newfid=3 wname=[adm users]
< Rwalk tag=9 wqid=[(0x80 * *) (0 * *)]
> Tcreate tag=10 fid=3 name=x perm=0644 mode=1
< Rerror tag=10 ename="not a directory"
# a directory is created for reading only
> Tcreate tag=11 fid=2 name=e perm=0x800001ed mode=1
< Rerror tag=11 ename="Is a directory"
> Twalk tag=12 fid=0 newfid=4 wname=[tmp e]
< Rwalk tag=12 wqid=[(0x80 * *)]
--- perl
ok(-d vfs->path('tmp/d'), 'tmp/d is a directory on disk');



=== TEST 3: Tcreate masks perm by the directory's (Plan 9); files inherit its group
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('bob');
my $d = $c->walk_to($root, 'tmp');
is_9p($c->create($d, 'proj', 0x80000000 | 0750), 'Rcreate qid=(0x80 * *) iounit=*', 'bob makes tmp/proj 0750');
is_9p($c->wstat($d, gid => 'staff'), 'Rwstat', 'and gives it to group staff');
my $f = $c->walk_to($root, 'tmp/proj');
is_9p($c->create($f, 'file', 0666, 1), 'Rcreate qid=(0 * *) iounit=*', 'a file 0666 in it');
is_9p($c->stat($f), 'Rstat stat={type=* dev=* qid=* mode=0640 atime=* mtime=* length=0 name=file uid=bob gid=staff muid=bob}',
    'is 0640 (0666 & ~0666 | 0750 & 0666), group staff');
$f = $c->walk_to($root, 'tmp/proj');
is_9p($c->create($f, 'sub', 0x80000000 | 0777), 'Rcreate qid=(0x80 * *) iounit=*', 'a directory 0777 in it');
is_9p($c->stat($f), 'Rstat stat={type=* dev=* qid=* mode=0x800001e8 atime=* mtime=* length=0 name=sub uid=bob gid=staff muid=bob}',
    'is 0750, group staff');
$f = $c->walk_to($root, 'tmp/proj');
is_9p($c->create($f, 'x', 0x40000000 | 0x20000000 | 0604), 'Rcreate qid=(0x60 * *) iounit=*', 'DMAPPEND|DMEXCL 0604');
is_9p($c->stat($f), 'Rstat stat={type=* dev=* qid=(0x60 * *) mode=0x60000180 atime=* mtime=* length=0 name=x uid=bob gid=staff muid=bob}',
    'keeps the mode bits, loses other-read');



=== TEST 4: Topen: the four modes, OTRUNC, and a fid opened twice
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
my $f = $c->walk_to($root, 'tmp');
$c->create($f, 'f', 0664, 1);
$c->write($f, 0, 'abcdef');
$c->clunk($f);
$f = $c->walk_to($root, 'tmp');
$c->create($f, 'x', 0775, 1);
$c->clunk($f);

my $fid = sub { $c->walk_to($root, "tmp/$_[0]") };
my $r = $fid->('f');
is_9p($c->open($r, 0), 'Ropen qid=(0 * *) iounit=8168', 'OREAD');
is_9p($c->read($r, 2, 2), 'Rread data=cd', 'read');
is_rerror($c->write($r, 0, 'z'), 'fid not open for writing', 'no write on OREAD');
is_rerror($c->open($r, 0), 'fid already open', 'open twice');
my $w = $fid->('f');
is_9p($c->open($w, 1), 'Ropen qid=* iounit=*', 'OWRITE');
is_9p($c->write($w, 1, 'BC'), 'Rwrite count=2', 'write');
is_rerror($c->read($w, 0, 10), 'fid not open for reading', 'no read on OWRITE');
my $rw = $fid->('f');
is_9p($c->open($rw, 2), 'Ropen qid=* iounit=*', 'ORDWR');
is_9p($c->read($rw, 0, 10), 'Rread data=aBCdef', 'sees the write');
is_9p($c->write($rw, 6, 'g'), 'Rwrite count=1', 'and writes');
is_rerror($c->open($fid->('f'), 3), 'permission denied', 'OEXEC of a 0664 file');
my $x = $fid->('x');
is_9p($c->open($x, 3), 'Ropen qid=* iounit=*', 'OEXEC of a 0775 file');
is_9p($c->read($x, 0, 10), 'Rread data=""', 'reads');
my $t = $fid->('f');
is_9p($c->open($t, 1 | 0x10), 'Ropen qid=* iounit=*', 'OWRITE|OTRUNC');
is_9p($c->stat($t), 'Rstat stat={type=* dev=* qid=* mode=* atime=* mtime=* length=0 name=f uid=* gid=* muid=glenda}',
    'truncated');
is_rerror($c->open($fid->('f'), 4), 'invalid open mode', 'mode 4 (not a mode bit)');
my $d = $c->walk_to($root, 'tmp');
is_rerror($c->open($d, 1), 'Is a directory', 'a directory for writing');
is_rerror($c->open($d, 0x10), 'Is a directory', 'a directory with OTRUNC');
is_rerror($c->open(4242, 0), 'unknown fid', 'an unknown fid');



=== TEST 5: Topen ORCLOSE: the file goes at clunk (and when the connection goes)
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
for my $name (qw(a b)) {
    my $f = $c->walk_to($root, 'tmp');
    $c->create($f, $name, 0664, 1);
    $c->clunk($f);
}
my $f = $c->walk_to($root, 'tmp/a');
is_9p($c->open($f, 0x40), 'Ropen qid=* iounit=*', 'open ORCLOSE');
ok(-e $v->path('tmp/a'), 'still there while open');
is_9p($c->clunk($f), 'Rclunk', 'clunk');
ok(!-e $v->path('tmp/a'), 'gone after Rclunk');
$f = $c->walk_to($root, 'tmp');
is_9p($c->create($f, 'c', 0664, 1 | 0x40), 'Rcreate qid=* iounit=*', 'create ORCLOSE');
$f = $c->walk_to($root, 'tmp/b');
$c->open($f, 0x40);
$c->disconnect;
$v->wait_counts(sub { $_[0]{connections} == 0 });
ok(!-e $v->path('tmp/b'), 'ORCLOSE file gone when its connection closed');
ok(!-e $v->path('tmp/c'), 'also a file created with ORCLOSE');



=== TEST 6: DMEXCL: one open at a time, across connections; free again after clunk
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
my $f = $c->walk_to($root, 'tmp');
is_9p($c->create($f, 'lock', 0x20000000 | 0666, 2), 'Rcreate qid=(0x20 * *) iounit=*', 'create DMEXCL');
my $g = $c->walk_to($root, 'tmp/lock');
is_rerror($c->open($g, 0), 'exclusive use file already open', 'second open, same connection');
my ($c2, $root2) = $v->attach('glenda');
my $h = $c2->walk_to($root2, 'tmp/lock');
is_rerror($c2->open($h, 0), 'exclusive use file already open', 'second open, other connection');
is_9p($c2->stat($h), 'Rstat stat=*', 'stat needs no open');
$c->clunk($f);
is_9p($c2->open($h, 0), 'Ropen qid=(0x20 * *) iounit=*', 'open after the clunk');
$c2->disconnect;
$v->wait_counts(sub { $_[0]{connections} == 1 });
$g = $c->walk_to($root, 'tmp/lock');
is_9p($c->open($g, 0), 'Ropen qid=* iounit=*', 'open after the other connection closed');



=== TEST 6b: DMEXCL across two ten-vfs on one tree: a refused OTRUNC open truncates nothing
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
my $f = $c->walk_to($root, 'tmp');
is_9p($c->create($f, 'held', 0x20000000 | 0666, 1), 'Rcreate qid=(0x20 * *) iounit=*', 'create DMEXCL, open for writing');
$c->write($f, 0, 'keep me');
my $w = Ten::VFS->new(root => $v->root)->start;
my ($c2, $root2) = $w->attach('glenda');
my $h = $c2->walk_to($root2, 'tmp/held');
is_rerror($c2->open($h, 1 | 0x10), 'exclusive use file already open', 'the other server refuses OWRITE|OTRUNC');
is(slurp($v->path('tmp/held')), 'keep me', 'and the file keeps its contents');
is_rerror($c2->open($h, 0), 'exclusive use file already open', 'and OREAD');
$c->clunk($f);
is_9p($c2->open($h, 0), 'Ropen qid=(0x20 * *) iounit=*', 'free after the clunk on the first server');
$w->stop;



=== TEST 6c: DMEXCL on a file ten-vfs may not write on disk: OREAD still opens it (Plan 9 permissions decide), once
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
my $f = $c->walk_to($root, 'tmp');
is_9p($c->create($f, 'ro', 0x20000000 | 0644, 1), 'Rcreate qid=(0x20 * *) iounit=*', 'create DMEXCL');
$c->clunk($f);
SKIP: {
    skip 'chattr +i needs root and a file system with the immutable flag (ext4, not GlusterFS)', 3
        unless system("chattr +i '" . $v->path('tmp/ro') . "' 2>/dev/null") == 0;
    my $g = $c->walk_to($root, 'tmp/ro');
    my $r = $c->open($g, 0);
    my $h = $c->walk_to($root, 'tmp/ro');
    my $r2 = $c->open($h, 0);
    system('chattr', '-i', $v->path('tmp/ro'));
    is_9p($r, 'Ropen qid=(0x20 * *) iounit=*', 'immutable on disk: OREAD opens');
    is_rerror($r2, 'exclusive use file already open', 'a second open is still refused');
    $c->clunk($g);
    is_9p($c->open($h, 0), 'Ropen qid=(0x20 * *) iounit=*', 'free after the clunk');
}



=== TEST 7: Twrite on DMAPPEND files appends whatever the offset
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
my $f = $c->walk_to($root, 'tmp');
is_9p($c->create($f, 'log', 0x40000000 | 0666, 2), 'Rcreate qid=(0x40 * *) iounit=*', 'create DMAPPEND');
is_9p($c->write($f, 0, 'one '), 'Rwrite count=4', 'write at 0');
is_9p($c->write($f, 0, 'two '), 'Rwrite count=4', 'write at 0 again');
is_9p($c->write($f, 1000, 'three'), 'Rwrite count=5', 'write at 1000');
$c->clunk($f);
is(main::slurp($v->path('tmp/log')), 'one two three', 'all appended');
$f = $c->walk_to($root, 'tmp/log');
is_9p($c->open($f, 1), 'Ropen qid=(0x40 * *) iounit=*', 'reopen for writing');
is_9p($c->write($f, 0, '!'), 'Rwrite count=1', 'write at 0');
is(main::slurp($v->path('tmp/log')), 'one two three!', 'appended');



=== TEST 8: Tread of files: offsets, end of file, count bounded by the iounit
--- setup
head -c 20000 /dev/urandom > tmp/big
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
my $f = $c->walk_to($root, 'tmp/big');
$c->open($f, 0);
my $disk = main::slurp($v->path('tmp/big'));
my $r = $c->read($f, 0, 100000);
is(length $r->{data}, 8168, 'a count over the iounit gets the iounit');
ok($r->{data} eq substr($disk, 0, 8168), 'the first bytes');
$r = $c->read($f, 19990, 100);
ok($r->{data} eq substr($disk, 19990), 'the last 10 bytes at offset 19990');
is_9p($c->read($f, 20000, 100), 'Rread data=""', 'at the end: nothing');
is_9p($c->read($f, 1 << 40, 100), 'Rread data=""', 'far beyond the end: nothing');
is_9p($c->read($f, 5, 0), 'Rread data=""', 'count 0');
ok($c->read_all($f, 3000) eq $disk, 'the whole file in reads of 3000');



=== TEST 9: Tread of a directory: whole stat entries, in reads of any size
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
my $d = $c->walk_to($root, 'tmp');
$c->create($d, 'many', 0x80000000 | 0777);
my @want;
for my $i (1 .. 40) {
    my $f = $c->walk_to($root, 'tmp/many');
    my $name = sprintf('file-%02d', $i) . ('x' x ($i % 7));
    $c->create($f, $name, 0644, 1);
    $c->write($f, 0, 'y' x $i);
    $c->clunk($f);
    push @want, $name;
}
$c->clunk($d);
for my $count (8168, 101, 97, 150) {
    my $f = $c->walk_to($root, 'tmp/many');
    $c->open($f, 0);
    my @st = $c->read_dir($f, $count);
    is_deeply([sort map { $_->{name} } @st], [sort @want], "count $count: every entry once");
    my ($e) = grep { $_->{name} eq 'file-07' } @st;
    is_deeply([@$e{qw(length uid gid muid mode)}], [7, 'glenda', 'adm', 'glenda', 0644],
        "count $count: an entry's fields");
    $c->clunk($f);
}



=== TEST 10: Tread of a directory: offset 0 or where the last read ended
--- setup
mkdir tmp/d
for i in 1 2 3 4 5 6 7 8 9 10; do echo $i > tmp/d/f$i; done
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
my $f = $c->walk_to($root, 'tmp/d');
$c->open($f, 0);
my $r1 = $c->read($f, 0, 200);
my $n1 = length $r1->{data};
ok($n1 > 0 && $n1 <= 200, "first read: $n1 bytes");
is(scalar(() = Ten::Client::parse_stats($r1->{data})) > 0, 1, 'whole entries');
is_rerror($c->read($f, $n1 + 1, 200), 'bad offset in directory read', 'an offset past the end of the last read');
is_rerror($c->read($f, 1, 200), 'bad offset in directory read', 'offset 1');
my $r2 = $c->read($f, $n1, 200);
is_9p($r2, 'Rread data=*', 'at the right offset');
my $again = $c->read($f, 0, 200);
is($again->{data}, $r1->{data}, 'offset 0 starts over');
my @all = Ten::Client::parse_stats($c->read_all($f, 200));
is(scalar @all, 10, 'ten entries in all');
$r1 = $c->read($f, 0, 200);
my $r = $c->read($f, length $r1->{data}, 10);
is_9p($r, 'Rread data=""', 'a count smaller than an entry gets nothing, no error (read(5), as lib9p; Linux sends such reads)');
my ($rest, $off) = ('', length $r1->{data});
while (1) {
    my $r = $c->read($f, $off, 200);
    last unless $r->{type} eq 'Rread' && length $r->{data};
    $rest .= $r->{data};
    $off += length $r->{data};
}
is(scalar(() = Ten::Client::parse_stats($r1->{data} . $rest)), 10,
    'and the entry that did not fit comes with the next read');



=== TEST 11: Tclunk: the fid is gone; unknown fids are refused
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=none aname=""
< Rattach tag=1 qid=(0x80 * *)
> Twalk tag=2 fid=0 newfid=1 wname=[adm]
< Rwalk tag=2 wqid=[(0x80 * *)]
> Tclunk tag=3 fid=1
< Rclunk tag=3
> Tstat tag=4 fid=1
< Rerror tag=4 ename="unknown fid"
> Tclunk tag=5 fid=1
< Rerror tag=5 ename="unknown fid"
> Twalk tag=6 fid=0 newfid=1 wname=[]
< Rwalk tag=6 wqid=[]



=== TEST 12: Tremove: files, empty directories; the fid is clunked even when it fails
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> auth kernel
> Tattach tag=1 fid=0 afid=NOFID uname=glenda aname=""
< Rattach tag=1 qid=(0x80 * *)
> Twalk tag=2 fid=0 newfid=1 wname=[tmp]
< Rwalk tag=2 wqid=[(0x80 * *)]
> Tcreate tag=3 fid=1 name=d perm=0x800001ff mode=0
< Rcreate tag=3 qid=(0x80 * *) iounit=*
> Twalk tag=4 fid=0 newfid=2 wname=[tmp d]
< Rwalk tag=4 wqid=[(0x80 * *) (0x80 * *)]
> Tcreate tag=5 fid=2 name=f perm=0644 mode=1
< Rcreate tag=5 qid=(0 * *) iounit=*
# d is not empty: Rerror, and fid 1 is clunked all the same
> Tremove tag=6 fid=1
< Rerror tag=6 ename="directory is not empty"
> Tstat tag=7 fid=1
< Rerror tag=7 ename="unknown fid"
> Tremove tag=8 fid=2
< Rremove tag=8
> Twalk tag=9 fid=0 newfid=2 wname=[tmp d f]
< Rwalk tag=9 wqid=[(0x80 * *) (0x80 * *)]
> Twalk tag=10 fid=0 newfid=1 wname=[tmp d]
< Rwalk tag=10 wqid=[(0x80 * *) (0x80 * *)]
> Tremove tag=11 fid=1
< Rremove tag=11
> Twalk tag=12 fid=0 newfid=1 wname=[tmp d]
< Rwalk tag=12 wqid=[(0x80 * *)]
# the root cannot be removed, and that fid is gone too
> Twalk tag=13 fid=0 newfid=3 wname=[]
< Rwalk tag=13 wqid=[]
> Tremove tag=14 fid=3
< Rerror tag=14 ename=*
> Tstat tag=15 fid=3
< Rerror tag=15 ename="unknown fid"
> Tremove tag=16 fid=3
< Rerror tag=16 ename="unknown fid"
--- perl
my $v = vfs;
ok(!-e $v->path('tmp/d'), 'tmp/d is gone from disk');
ok(-d $v->path(''), 'the root is still there');



=== TEST 13: Tremove of an open file; fids are released (SIGUSR1 counts)
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
my $base = $v->counts->{fids};
my $f = $c->walk_to($root, 'tmp');
$c->create($f, 'gone', 0666, 2);
$c->write($f, 0, 'data');
is_9p($c->remove($f), 'Rremove', 'remove the open file');
ok(!-e $v->path('tmp/gone'), 'gone from disk');
is($v->counts->{fids}, $base, 'its fid is released');
my $d = $c->walk_to($root, 'adm');
$c->remove($d);
is($v->counts->{fids}, $base, 'a failed remove releases the fid too');
$c->walk($root, 99, 'tmp', 'nonexistent');
is($v->counts->{fids}, $base, 'a short walk leaves no fid');
$c->walk($root, 99, 'nonexistent');
is($v->counts->{fids}, $base, 'a failed walk neither');



=== TEST 14: Tstat: every field, the root's name is /
--- setup
printf 'twelve bytes' > tmp/plain
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
my $r = $c->stat($root);
is_9p($r, 'Rstat stat={type=0 dev=0 qid=(0x80 * *) mode=0x800001fd atime=* mtime=* length=0 name=/ uid=adm gid=adm muid=adm}', 'the root');
my $f = $c->walk_to($root, 'tmp/plain');
$r = $c->stat($f);
my @st = stat $v->path('tmp/plain');
is_9p($r, 'Rstat stat={type=0 dev=0 qid=(0 0 *) mode=0644 atime=* mtime=* length=12 name=plain uid=adm gid=adm muid=adm}',
    'a file made on disk: the default owner, the disk mode');
is($r->{stat}{qid}[2], $st[1], 'qid path = inode');
is($r->{stat}{mtime}, $st[9], 'mtime from disk');
is($r->{stat}{atime}, $st[8], 'atime from disk');
