# ten-vfs metadata and Plan 9 permissions: qids from inodes and versions,
# xattrs on disk, the default owner, /adm/users (re-read, malformed
# lines), search/read/write permission, write permission on the parent
# for create and remove, and `none` confined to the "other" bits.
#
# Users ($Ten::VFS::USERS): glenda (in adm), alice, bob, carol;
# staff = leader alice, members bob carol glenda none; dev = leader bob,
# members alice glenda.

use lib 't/lib';
use Test::Ten 'no_nginx';
use Ten::VFS;

vfs_each_block();
run_tests();

# make($c, $root, 'tmp/x', $perm, gid => 'dev', data => '...'): creates a
# file (or directory, with DMDIR in $perm) as the connection's user,
# optionally changes its group, writes data; dies unless all that works.
sub make {
    my ($c, $root, $path, $perm, %o) = @_;
    my ($dir, $name) = $path =~ m{^(.*)/([^/]+)$} or die "make: $path";
    my $f = $c->walk_to($root, $dir) // die "make: walk to $dir failed";
    my $r = $c->create($f, $name, $perm, $perm & 0x80000000 ? 0 : 1);
    die "make $path: $r->{ename}" if $r->{type} eq 'Rerror';
    if (defined $o{data}) {
        $r = $c->write($f, 0, $o{data});
        die "make $path: write: $r->{ename}" if $r->{type} eq 'Rerror';
    }
    if ($o{gid}) {
        $r = $c->wstat($f, gid => $o{gid});
        die "make $path: chgrp $o{gid}: $r->{ename}" if $r->{type} eq 'Rerror';
    }
    $c->clunk($f);
}

# The reply to opening $path with $mode as the user of ($c, $root).
sub try_open {
    my ($c, $root, $path, $mode) = @_;
    my $f = $c->walk_to($root, $path) // return $c->{last};
    return $c->open($f, $mode);
}

__DATA__

=== TEST 1: qid path is the inode; walks and stats agree with the disk
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
main::make($c, $root, 'tmp/d', 0x800001ff);
main::make($c, $root, 'tmp/d/f', 0644, data => 'x');
my $r = $c->walk($root, 9, 'tmp', 'd', 'f');
my @ino = map { (stat $v->path($_))[1] } 'tmp', 'tmp/d', 'tmp/d/f';
is_deeply([map { $_->[2] } @{ $r->{wqid} }], \@ino, 'walk qid paths are the inodes of tmp, tmp/d, tmp/d/f');
is_deeply([map { $_->[0] } @{ $r->{wqid} }], [0x80, 0x80, 0], 'qid types');
is($c->attach(50, 'glenda')->{qid}[2], (stat $v->path(''))[1], 'attach qid path is the root inode');
is($c->stat(9)->{stat}{qid}[2], $ino[2], 'stat agrees');



=== TEST 2: the qid version moves on with every write and wstat
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
my $d = $c->walk_to($root, 'tmp');
my $dv = $c->stat($d)->{stat}{qid}[1];
main::make($c, $root, 'tmp/f', 0666);
isnt($c->stat($d)->{stat}{qid}[1], $dv, 'creating a file changes the directory version');
my $f = $c->walk_to($root, 'tmp/f');
$c->open($f, 1);
my @v = ($c->stat($f)->{stat}{qid}[1]);
for my $i (1 .. 3) {
    $c->write($f, 0, "write $i");
    push @v, $c->stat($f)->{stat}{qid}[1];
}
is(scalar(keys %{{ map { $_ => 1 } @v }}), 4, "four different versions: @v");
# not a counter: mixed with the ctime and size (vfs_meta.c), so that two
# servers sharing the files cannot both give one version to two contents
isnt($v[$_], 0, "version $_ is not the never-changed 0") for 1 .. 3;
my $g = $c->walk_to($root, 'tmp/f');
is($c->stat($g)->{stat}{qid}[1], $v[-1], 'another fid sees the same version');
$c->wstat($g, mode => 0600);
isnt($c->stat($g)->{stat}{qid}[1], $v[-1], 'a wstat changes it');
my $r = $c->walk($root, 77, 'tmp', 'f');
is($r->{wqid}[1][1], $c->stat($g)->{stat}{qid}[1], 'Rwalk carries the current version');



=== TEST 3: metadata lives in user.ten.* xattrs; the mode as 8 hex digits
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('bob');
main::make($c, $root, 'tmp/d', 0x80000000 | 0750, gid => 'staff');
main::make($c, $root, 'tmp/d/f', 0x40000000 | 0640, data => 'z');
my $x = sub { Ten::VFS::disk_xattr($v->path($_[0]), "user.ten.$_[1]") };
is($x->('tmp/d', 'uid'), 'bob', 'uid');
is($x->('tmp/d', 'gid'), 'staff', 'gid');
is($x->('tmp/d', 'mode'), '800001e8', 'mode of a directory: DMDIR|0750');
is($x->('tmp/d/f', 'mode'), '400001a0', 'mode of a DMAPPEND 0640 file');
is($x->('tmp/d/f', 'muid'), 'bob', 'muid');
is($x->('tmp/d/f', 'gid'), 'staff', 'group of the directory');
like($x->('tmp/d/f', 'version') // '', qr/^[0-9a-f]{8}$/, 'version: 8 hex digits');



=== TEST 4: files without xattrs belong to the default owner (-o)
--- vfs_args: -o glenda
--- setup
mkdir tmp/plain
echo hi > tmp/plain/f
chmod 0640 tmp/plain/f
chmod 0751 tmp/plain
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> auth kernel
> Tattach tag=1 fid=0 afid=NOFID uname=glenda aname=""
< Rattach tag=1 qid=(0x80 * *)
> Twalk tag=2 fid=0 newfid=1 wname=[tmp plain f]
< Rwalk tag=2 wqid=[(0x80 * *) (0x80 * *) (0 0 *)]
> Tstat tag=3 fid=1
< Rstat tag=3 stat={type=0 dev=0 qid=(0 0 *) mode=0640 atime=* mtime=* length=3 name=f uid=glenda gid=glenda muid=glenda}
> Twalk tag=4 fid=0 newfid=2 wname=[tmp plain]
< Rwalk tag=4 wqid=[(0x80 * *) (0x80 * *)]
> Tstat tag=5 fid=2
< Rstat tag=5 stat={type=0 dev=0 qid=(0x80 0 *) mode=0x800001e9 atime=* mtime=* length=0 name=plain uid=glenda gid=glenda muid=glenda}
# the seeded files keep their owners
> Twalk tag=6 fid=0 newfid=3 wname=[priv]
< Rwalk tag=6 wqid=[(0x80 * *)]
> Tstat tag=7 fid=3
< Rstat tag=7 stat={type=0 dev=0 qid=* mode=0x800001e8 atime=* mtime=* length=0 name=priv uid=factotum gid=sys muid=factotum}
# glenda owns f: she may read it, alice (other) may not
> Topen tag=8 fid=1 mode=0
< Ropen tag=8 qid=* iounit=*
> Tattach tag=9 fid=10 afid=NOFID uname=alice aname=""
< Rattach tag=9 qid=*
> Twalk tag=10 fid=10 newfid=11 wname=[tmp plain f]
< Rwalk tag=10 wqid=[* * *]
> Topen tag=11 fid=11 mode=0
< Rerror tag=11 ename="permission denied"



=== TEST 5: /adm/users is re-read when it changes on disk
--- perl
my $v = vfs;
my $c = $v->client;
my $a = $c->auth('kernel', $v->key('kernel'));
$c->attach(1000, 'kernel', '', $a->{afid});
is_rerror($c->attach(1, 'dave'), 'unknown user', 'dave is not a user yet');
$v->set_users($Ten::VFS::USERS . "dave:dave::\n");
is_9p($c->attach(1, 'dave'), 'Rattach qid=*', 'after adding him on disk he may attach');
$v->set_users($Ten::VFS::USERS);
is_rerror($c->attach(2, 'dave'), 'unknown user', 'and not after removing him');
# group membership changes take effect for open too
my ($g, $groot) = $v->attach('glenda');
main::make($g, $groot, 'tmp/staffonly', 0660, gid => 'staff', data => 'secret');
$v->set_users($Ten::VFS::USERS . "eve:eve::\n");
my ($ec, $eroot2) = $v->attach('eve');
is_rerror(main::try_open($ec, $eroot2, 'tmp/staffonly', 0), 'permission denied', 'eve is not in staff');
(my $more = $Ten::VFS::USERS) =~ s/^(staff:staff:alice:\S+)$/$1,eve/m;
$v->set_users($more . "eve:eve::\n");
is_9p(main::try_open($ec, $eroot2, 'tmp/staffonly', 0), 'Ropen qid=* iounit=*', 'until she is added to it');



=== TEST 6: malformed /adm/users lines are logged and skipped, the rest is used
--- users
adm:adm:adm:glenda
none:none::
kernel:kernel::
glenda:glenda::
this is not a users line
Bad:Bad::
x:y::
frank:frank:Leader!:
gina:gina::ok,No-Caps
glenda:glenda::
a:a:a:a:a
zed:zed::
--- perl
my $v = vfs;
my $c = $v->client;
my $a = $c->auth('kernel', $v->key('kernel'));
is_9p($c->attach(1000, 'kernel', '', $a->{afid}), 'Rattach qid=*', 'kernel');
is_9p($c->attach(1, 'zed'), 'Rattach qid=*', 'zed, after the bad lines, is a user');
is_9p($c->attach(2, 'glenda'), 'Rattach qid=*', 'glenda too');
is_rerror($c->attach(3, $_), 'unknown user', "$_ is not") for qw(x y frank gina a);
--- error_log
/adm/users:5: expected uid:name:leader:members; line skipped
/adm/users:6: invalid name, or uid differs from name; line skipped
/adm/users:7: invalid name, or uid differs from name; line skipped
/adm/users:8: invalid leader; line skipped
/adm/users:9: invalid member name; line skipped
/adm/users:10: user listed twice; line skipped
/adm/users:11: more than four fields; line skipped



=== TEST 7: search permission is needed on every directory walked
--- perl
my $v = vfs;
my ($g, $groot) = $v->attach('glenda');
main::make($g, $groot, 'tmp/private', 0x800001c0);                     # 0700
main::make($g, $groot, 'tmp/private/sub', 0x800001ff);
main::make($g, $groot, 'tmp/team', 0x800001c8, gid => 'dev');         # 0710
main::make($g, $groot, 'tmp/team/f', 0644, data => 'team');
my ($c, $root) = $v->attach('alice');
is_9p($c->walk($root, 1, 'tmp', 'private'), 'Rwalk wqid=[* *]', 'alice may walk to tmp/private (tmp is searchable)');
is_9p($c->walk($root, 2, 'tmp', 'private', 'sub'), 'Rwalk wqid=[* *]', 'but not into it: a short walk');
is_rerror($c->walk(1, 3, 'sub'), 'permission denied', 'from tmp/private itself: Rerror');
is_9p($c->walk($root, 4, 'tmp', 'team', 'f'), 'Rwalk wqid=[* * *]', 'alice (in dev) may search tmp/team (0710)');
my ($b, $broot) = $v->attach('carol');
is_9p($b->walk($broot, 4, 'tmp', 'team', 'f'), 'Rwalk wqid=[* *]', 'carol (other) may not');
is_rerror(main::try_open($c, $root, 'tmp/team', 0), 'permission denied', 'alice may not read tmp/team (--x for the group)');
is_9p(main::try_open($g, $groot, 'tmp/private', 0), 'Ropen qid=* iounit=*', 'glenda may read her directory');



=== TEST 8: read and write permission for Topen: owner, group, other
--- perl
my $v = vfs;
my ($g, $groot) = $v->attach('glenda');
main::make($g, $groot, 'tmp/f640', 0640, gid => 'dev', data => 'x');
main::make($g, $groot, 'tmp/f604', 0604, gid => 'dev', data => 'x');
my ($a, $aroot) = $v->attach('alice');    # in dev
my ($c, $croot) = $v->attach('carol');    # other
main::make($c, $croot, 'tmp/f460', 0460, data => 'x');    # group adm: glenda
my @cases = (
    [$g, $groot, 'tmp/f640', 2, 1, 'owner rw: ORDWR'],
    [$a, $aroot, 'tmp/f640', 0, 1, 'group r: OREAD'],
    [$a, $aroot, 'tmp/f640', 1, 0, 'group r: no OWRITE'],
    [$a, $aroot, 'tmp/f640', 2, 0, 'group r: no ORDWR'],
    [$c, $croot, 'tmp/f640', 0, 0, 'other ---: no OREAD'],
    [$c, $croot, 'tmp/f604', 0, 1, 'other r: OREAD'],
    [$c, $croot, 'tmp/f604', 0x10, 0, 'other r: no OREAD|OTRUNC'],
    [$a, $aroot, 'tmp/f604', 0, 1, 'group --- but other r: OREAD (any class grants)'],
    [$c, $croot, 'tmp/f460', 1, 0, 'owner r--: no OWRITE for the owner'],
    [$g, $groot, 'tmp/f460', 1, 1, 'group rw-: OWRITE for glenda (adm)'],
    [$a, $aroot, 'tmp/f460', 0, 0, 'other ---: no OREAD for alice'],
);
for my $case (@cases) {
    my ($cl, $root, $path, $mode, $allowed, $what) = @$case;
    my $r = main::try_open($cl, $root, $path, $mode);
    $allowed ? is_9p($r, 'Ropen qid=* iounit=*', $what)
             : is_rerror($r, 'permission denied', $what);
}
is(-s $v->path('tmp/f604'), 1, 'the refused OTRUNC did not truncate');



=== TEST 9: create and remove need write permission on the directory
--- perl
my $v = vfs;
my ($g, $groot) = $v->attach('glenda');
main::make($g, $groot, 'tmp/ro', 0x800001ed);                          # 0755
main::make($g, $groot, 'tmp/ro/f', 0666, data => 'keep');
main::make($g, $groot, 'tmp/rw', 0x800001fd, gid => 'dev');           # 0775
main::make($g, $groot, 'tmp/rw/f', 0600, data => 'mine');
my ($a, $aroot) = $v->attach('alice');
my $d = $a->walk_to($aroot, 'tmp/ro');
is_rerror($a->create($d, 'new', 0666, 1), 'permission denied', 'alice may not create in tmp/ro');
ok(!-e $v->path('tmp/ro/new'), 'nothing created');
my $f = $a->walk_to($aroot, 'tmp/ro/f');
is_rerror($a->remove($f), 'permission denied', 'nor remove tmp/ro/f (0666 itself)');
is_rerror($a->stat($f), 'unknown fid', 'the fid is clunked all the same');
ok(-e $v->path('tmp/ro/f'), 'the file is still there');
is_rerror(main::try_open($a, $aroot, 'tmp/ro/f', 0x40), 'permission denied', 'nor open it ORCLOSE');
$d = $a->walk_to($aroot, 'tmp/rw');
is_9p($a->create($d, 'new', 0666, 1), 'Rcreate qid=* iounit=*', 'alice (dev) may create in tmp/rw');
$f = $a->walk_to($aroot, 'tmp/rw/f');
is_9p($a->remove($f), 'Rremove', 'and remove glenda\'s 0600 file there');
ok(!-e $v->path('tmp/rw/f'), 'gone');



=== TEST 10: none gets only the other bits, even in a group that lists none
--- perl
my $v = vfs;
my ($g, $groot) = $v->attach('glenda');
main::make($g, $groot, 'tmp/s', 0x800001fd, gid => 'staff');          # 0775
main::make($g, $groot, 'tmp/s/f', 0664, gid => 'staff', data => 'x');
main::make($g, $groot, 'tmp/g', 0x800001f8, gid => 'staff');          # 0770
main::make($g, $groot, 'tmp/g/x', 0644, gid => 'staff', data => 'x');
my $n = $v->client;
$n->attach(0, 'none');
is_9p(main::try_open($n, 0, 'tmp/s/f', 0), 'Ropen qid=* iounit=*', 'none may read (other r)');
is_rerror(main::try_open($n, 0, 'tmp/s/f', 1), 'permission denied', 'none may not write (group rw, none in staff)');
is_9p($n->walk(0, 5, 'tmp', 'g', 'x'), 'Rwalk wqid=[* *]', 'none may not search a 0770 staff directory');
my ($c, $croot) = $v->attach('carol');
is_9p($c->walk($croot, 5, 'tmp', 'g', 'x'), 'Rwalk wqid=[* * *]', 'carol (staff) may: tmp/g/x is there');
is_9p(main::try_open($c, $croot, 'tmp/s/f', 1), 'Ropen qid=* iounit=*', 'carol (staff) may write');
my $d = $n->walk_to(0, 'tmp/s');
is_rerror($n->create($d, 'n', 0666, 1), 'permission denied', 'none may not create in a group-writable directory');
$d = $n->walk_to(0, 'tmp');
is_9p($n->create($d, 'byn', 0666, 1), 'Rcreate qid=* iounit=*', 'but may in tmp (0777)');
is_9p($n->stat($d), 'Rstat stat={type=* dev=* qid=* mode=0666 atime=* mtime=* length=0 name=byn uid=none gid=adm muid=none}',
    'as owner none');



=== TEST 11: metadata ten-vfs has cached still follows every change at once
--- not_gfapi: an xattr set on disk shows within 1 s, not at once
--- perl
# ten-vfs caches the xattrs of files whose ctime is over 2 s old; a change
# by 9P, on disk or in an xattr moves the ctime and is seen by the next stat.
my $v = vfs;
my ($g, $groot) = $v->attach('glenda');
my ($a, $aroot) = $v->attach('alice');
main::make($g, $groot, 'tmp/c', 0644, data => 'cached');
open my $fh, '>', $v->path('tmp/plain') or die "plain: $!";
print $fh "no xattrs\n";
close $fh;
chmod 0640, $v->path('tmp/plain');
select(undef, undef, undef, 2.5);
my $stat = sub { my $f = $g->walk_to($groot, $_[0]); my $r = $g->stat($f); $g->clunk($f); $r };
my $setx = sub { system('setfattr', '-n', "user.ten.$_[1]", '-v', $_[2], $v->path($_[0])) == 0 or die 'setfattr' };
is_9p($stat->('tmp/c'), 'Rstat stat={type=* dev=* qid=* mode=0644 atime=* mtime=* length=6 name=c uid=glenda gid=adm muid=glenda}', 'settled: as made');
is_9p($stat->('tmp/c'), 'Rstat stat={type=* dev=* qid=* mode=0644 atime=* mtime=* length=6 name=c uid=glenda gid=adm muid=glenda}', 'again, from the cache');
is_9p(main::try_open($a, $aroot, 'tmp/c', 0), 'Ropen qid=* iounit=*', 'alice may read it');
$setx->('tmp/c', 'mode', '00000180');
is_9p($stat->('tmp/c'), 'Rstat stat={type=* dev=* qid=* mode=0600 atime=* mtime=* length=6 name=c uid=glenda gid=adm muid=glenda}', 'a mode set on disk shows at once');
is_rerror(main::try_open($a, $aroot, 'tmp/c', 0), 'permission denied', 'and alice may no longer read it');
$setx->('tmp/c', 'uid', 'alice');
$setx->('tmp/c', 'gid', 'dev');
is_9p($stat->('tmp/c'), 'Rstat stat={type=* dev=* qid=* mode=0600 atime=* mtime=* length=6 name=c uid=alice gid=dev muid=glenda}', 'two more changes in a row show');
is_9p(main::try_open($a, $aroot, 'tmp/c', 0), 'Ropen qid=* iounit=*', 'alice owns it now');
is_9p($stat->('tmp/plain'), 'Rstat stat={type=* dev=* qid=* mode=0640 atime=* mtime=* length=10 name=plain uid=adm gid=adm muid=adm}', 'a settled file without xattrs: its disk mode');
chmod 0604, $v->path('tmp/plain');
is_9p($stat->('tmp/plain'), 'Rstat stat={type=* dev=* qid=* mode=0604 atime=* mtime=* length=10 name=plain uid=adm gid=adm muid=adm}', 'a chmod on disk shows at once');
link $v->path('tmp/c'), $v->path('tmp/c2') or die "link: $!";
select(undef, undef, undef, 2.5);
my $v0 = $stat->('tmp/c2')->{stat}{qid}[1];
is($stat->('tmp/c')->{stat}{qid}[1], $v0, 'two links, one version');
my $f = $a->walk_to($aroot, 'tmp/c');
$a->open($f, 1);
$a->write($f, 0, 'x');
isnt($stat->('tmp/c2')->{stat}{qid}[1], $v0, 'a write through one link moves the version seen through the other');
$setx->('tmp/c2', 'mode', '000001b4');
is_9p($stat->('tmp/c'), 'Rstat stat={type=* dev=* qid=* mode=0664 atime=* mtime=* length=6 name=c uid=alice gid=dev muid=alice}', 'and an xattr set through it');
