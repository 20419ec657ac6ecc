# ten-vfs never leaves its root and survives bad input: names with / or
# NUL, "." and "..", over-long names and paths, symbolic links planted in
# the tree (pointing outside), replies too big for msize, and malformed
# messages (which close that connection only).

use lib 't/lib';
use Test::Ten 'no_nginx';
use Ten::VFS;

vfs_each_block();
run_tests();

__DATA__

=== TEST 1: names with / or NUL, "", "." and ".." cannot be created
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> auth kernel
> Tattach tag=1 fid=0 afid=NOFID uname=glenda aname=""
< Rattach tag=1 qid=(0x80 * *)
> Twalk tag=2 fid=0 newfid=1 wname=[tmp]
< Rwalk tag=2 wqid=[(0x80 * *)]
> Tcreate tag=3 fid=1 name=a/b perm=0644 mode=1
< Rerror tag=3 ename="invalid file name"
> Tcreate tag=4 fid=1 name=../escape perm=0644 mode=1
< Rerror tag=4 ename="invalid file name"
> Tcreate tag=5 fid=1 name="nul\x00byte" perm=0644 mode=1
< Rerror tag=5 ename="invalid file name"
> Tcreate tag=6 fid=1 name=. perm=0x800001ff mode=0
< Rerror tag=6 ename="invalid file name"
> Tcreate tag=7 fid=1 name=.. perm=0x800001ff mode=0
< Rerror tag=7 ename="invalid file name"
> Tcreate tag=8 fid=1 name="" perm=0644 mode=1
< Rerror tag=8 ename="invalid file name"
> Tcreate tag=9 fid=1 name=/etc perm=0644 mode=1
< Rerror tag=9 ename="invalid file name"
# the fid is still usable
> Tcreate tag=10 fid=1 name=fine perm=0644 mode=1
< Rcreate tag=10 qid=(0 * *) iounit=*
--- perl
my $v = vfs;
opendir my $d, $v->path('tmp') or die;
is_deeply([sort grep { !/^\.\.?$/ } readdir $d], ['fine'], 'only tmp/fine was made');
ok(!-e $v->path('escape'), 'nothing escaped to the root');



=== TEST 2: names with / or NUL cannot be walked
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=none aname=""
< Rattach tag=1 qid=(0x80 * *)
> Twalk tag=2 fid=0 newfid=1 wname=[adm/users]
< Rerror tag=2 ename="invalid file name"
> Twalk tag=3 fid=0 newfid=1 wname=["adm\x00"]
< Rerror tag=3 ename="invalid file name"
> Twalk tag=4 fid=0 newfid=1 wname=[adm ../lib]
< Rwalk tag=4 wqid=[(0x80 * *)]
> Twalk tag=5 fid=0 newfid=1 wname=[""]
< Rerror tag=5 ename="invalid file name"
> Twalk tag=6 fid=0 newfid=1 wname=[/]
< Rerror tag=6 ename="invalid file name"



=== TEST 3: a symlink planted in the tree cannot be walked, listed, read or followed
--- setup
ln -s /etc tmp/evil
ln -s /etc/passwd tmp/pw
ln -s ../adm tmp/up
ln -s nonexistent tmp/dangling
mkdir tmp/real
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
is_9p($c->walk($root, 1, 'tmp', 'evil'), 'Rwalk wqid=[(0x80 * *)]', 'walk tmp/evil stops before the link');
is_9p($c->walk($root, 1, 'tmp', 'evil', 'passwd'), 'Rwalk wqid=[(0x80 * *)]', 'so does tmp/evil/passwd');
my $t = $c->walk_to($root, 'tmp');
for my $name (qw(evil pw up)) {
    is_9p($c->walk($t, 2, $name), 'Rerror ename=*', "walk to the link $name is refused");
}
is_9p($c->attach(3, 'glenda', 'tmp/evil'), 'Rerror ename=*', 'attach to tmp/evil is refused');
is_9p($c->attach(3, 'glenda', 'tmp/up'), 'Rerror ename=*', 'attach to tmp/up (a link to a directory inside the root) is refused');
my $d = $c->walk_to($root, 'tmp');
$c->open($d, 0);
is_deeply([sort map { $_->{name} } $c->read_dir($d)], ['real'], 'a listing of tmp shows no link');
my $f = $c->walk_to($root, 'tmp');
is_9p($c->create($f, 'evil', 0644, 1), 'Rerror ename="file already exists"', 'create over a link is refused');
$f = $c->walk_to($root, 'tmp');
is_9p($c->create($f, 'dangling', 0644, 1), 'Rerror ename="file already exists"',
    'create over a dangling link is refused (not followed)');
ok(!-e $v->path('tmp/nonexistent'), 'the dangling link was not followed');
$f = $c->walk_to($root, 'tmp/real');
is_rerror($c->wstat($f, name => 'evil'), 'file already exists', 'rename onto a link is refused');
ok(-l $v->path('tmp/evil') && readlink($v->path('tmp/evil')) eq '/etc', 'the link is untouched');



=== TEST 4: a directory swapped for a symlink under an open fid does not lead outside
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
my $t = $c->walk_to($root, 'tmp');
$c->create($t, 'd', 0x800001ff);
my $d = $c->walk_to($root, 'tmp/d');
rename $v->path('tmp/d'), $v->path('tmp/moved') or die;
symlink '/etc', $v->path('tmp/d') or die;
is_9p($c->walk($d, 5, 'passwd'), 'Rerror ename="file does not exist"', 'the fid still names the moved directory');
my $f = $c->walk_to($root, 'tmp');
is_9p($c->walk($f, 6, 'd', 'passwd'), 'Rerror ename=*', 'a new walk meets the link and stops');
is_9p($c->walk($root, 7, 'tmp', 'd', '..', 'd', 'passwd'), 'Rwalk wqid=[*]', 'also with .. in between');
is_9p($c->create($d, 'new', 0644, 1), 'Rcreate qid=* iounit=*', 'a create through the old fid');
ok(-e $v->path('tmp/moved/new') && !-e '/etc/new', 'lands in the moved directory, not in /etc');



=== TEST 5: over-long names: 255 bytes are fine, 256 are refused
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
my $f = $c->walk_to($root, 'tmp');
is_rerror($c->create($f, 'x' x 256, 0644, 1), 'invalid file name', 'create with 256 bytes');
is_9p($c->create($f, 'x' x 255, 0644, 1), 'Rcreate qid=* iounit=*', 'create with 255 bytes');
my $t = $c->walk_to($root, 'tmp');
is_rerror($c->walk($t, 9, 'x' x 256), 'invalid file name', 'walk to a 256-byte name');
is_9p($c->walk($root, 9, 'tmp', 'x' x 255), 'Rwalk wqid=[* *]', 'walk to the 255-byte name');
is_9p($c->walk($root, 10, 'z' x 5000), 'Rerror ename="invalid file name"', 'a 5000-byte name');



=== TEST 6: paths longer than PATH_MAX get an error, not a crash
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
my $name = 'd' x 250;
my $cur = $c->walk_to($root, 'tmp');
my ($depth, $err) = (0, '');
while ($depth < 20) {
    my $new = $c->walk_to($cur, '');                # a clone to create with
    my $r = $c->create($new, $name, 0x800001ff);
    $c->clunk($new);
    if ($r->{type} eq 'Rerror') { $err = $r->{ename}; last }
    $cur = $c->walk_to($cur, $name) // die 'walk into the new directory failed';
    $depth++;
}
ok($depth >= 14 && $depth < 20, "directories nest until the path is too long (depth $depth)");
like($err, qr/too long/, "then: $err");
is_9p($c->stat($cur), 'Rstat stat=*', 'the fid still works');
is_9p($c->walk($root, 99, 'adm'), 'Rwalk wqid=[*]', 'so does the server');



=== TEST 7: a Tstat whose reply would exceed msize gets an Rerror, not a closed connection
--- perl
my $v = vfs;
my $name = 'l' x 200;
my ($c, $root) = $v->attach('glenda');
my $f = $c->walk_to($root, 'tmp');
is_9p($c->create($f, $name, 0644, 1), 'Rcreate qid=* iounit=*', 'a file with a 200-byte name');
my ($small, $sroot) = $v->attach('glenda', msize => 256);
$f = $small->walk_to($sroot, "tmp/$name");
ok(defined $f, 'a connection with msize 256 can walk to it (Twalk is 217 bytes)');
my $r = eval { $small->stat($f) };
is_9p($r, 'Rerror ename=*', 'its Rstat would be 281 bytes: Rerror');
ok(!$small->{eof}, 'the connection is still open');



=== TEST 8: malformed messages close only their own connection
--- perl
my $v = vfs;
my ($good, $groot) = $v->attach('glenda');
my @bad = (
    ['size below 7',       pack('V C v', 5, 110, 1)],
    ['unknown type 200',   pack('V C v', 7, 200, 1)],
    ['Terror (106)',       pack('V C v', 7, 106, 1)],
    ['an R-message',       pack('V C v V v a6', 19, 101, 0xffff, 8192, 6, '9P2000')],
    ['string past the end', pack('V C v V v a3', 16, 100, 0xffff, 8192, 50, 'abc')],
    ['trailing bytes',     pack('V C v V xxxx', 15, 124, 1, 0)],
    ['Tclunk cut short',   pack('V C v v', 9, 120, 1, 0)],
    ['size over msize',    pack('V C v', 70000, 100, 1) . 'x' x 100],
);
for my $case (@bad) {
    my ($what, $bytes) = @$case;
    my $c = $v->client;
    $c->attach(0, 'none');
    $c->send_raw($bytes);
    ok($c->closed(2), "$what: the connection is closed");
    is_9p($good->stat($groot), 'Rstat stat=*', "$what: another connection still works");
}
my $c = $v->client(version => 0);
$c->send_raw(join '', map { chr int rand 256 } 1 .. 500);
ok($c->closed(2), 'random bytes: closed');
$c = $v->client;
$c->send_raw(pack('V C v', 100, 124, 1) . 'xx');
$c->disconnect;
is($v->wait_counts(sub { $_[0]{connections} == 1 })->{connections}, 1,
    'a client gone in the middle of a message is cleaned up');
is_9p($good->walk($groot, 50, 'tmp'), 'Rwalk wqid=[*]', 'the server still serves');
--- error_log
malformed 9P



=== TEST 9: a directory moved out of the tree on the server's disk takes nothing outside with it: creates, removes and renames through its fids are refused
--- not_gfapi: the test moves a directory off the volume
--- perl
use File::Path qw(make_path);
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
$c->create($c->walk_to($root, 'tmp'), 'd', 0x800001ff, 0);
$c->create($c->walk_to($root, 'tmp/d'), 'f', 0666, 1);
my $d = $c->walk_to($root, 'tmp/d');
my $f = $c->walk_to($root, 'tmp/d/f');
my $outside = Test::Ten::servroot() . '/outside-' . $$;
rename $v->path('tmp/d'), $outside or die "rename: $!";
is_rerror($c->create($d, 'escaped', 0666, 1), 'file does not exist', 'a create through the moved directory is refused');
ok(!-e "$outside/escaped", 'and nothing was made outside the root');
is_rerror($c->create($d, 'sub', 0x800001ff, 0), 'file does not exist', 'nor a directory');
ok(!-e "$outside/sub", 'none outside');
is_rerror($c->wstat($f, name => 'renamed'), 'file does not exist', 'a rename of a file in it is refused');
ok(-e "$outside/f" && !-e "$outside/renamed", 'the file outside is untouched');
is_rerror($c->remove($f), 'file does not exist', 'and a remove');
ok(-e "$outside/f", 'it is still there');
