# ten-vfs Twstat (DESIGN.md §4, wstat(5), fossil's adm rule): rename
# within the directory, chmod, chgrp, chown, length, mtime, "don't touch"
# fields, and every check made before anything changes.
#
# Users ($Ten::VFS::USERS): glenda (in adm), alice, bob, carol;
# staff = leader alice, members bob carol glenda none; dev = leader bob,
# members alice glenda; ops = leader alice, no members.

use lib 't/lib';
use Test::Ten 'no_nginx';
use Ten::VFS;

vfs_each_block();
run_tests();

# make($c, $root, 'tmp/x', $perm, gid => 'dev', data => '...'): creates a
# file or directory as the connection's user; dies unless all that works.
sub make {
    my ($c, $root, $path, $perm, %o) = @_;
    my ($dir, $name) = $path =~ m{^(.*)/([^/]+)$} or die "make: $path";
    my $f = $c->walk_to($root, $dir) // die "make: walk to $dir failed";
    my $r = $c->create($f, $name, $perm, $perm & 0x80000000 ? 0 : 1);
    die "make $path: $r->{ename}" if $r->{type} eq 'Rerror';
    $r = $c->write($f, 0, $o{data}) if defined $o{data};
    $r = $c->wstat($f, gid => $o{gid}) if $o{gid};
    die "make $path: $r->{ename}" if $r->{type} eq 'Rerror';
    $c->clunk($f);
}

# The stat of $path as the user of ($c, $root), or undef.
sub stat_of {
    my ($c, $root, $path) = @_;
    my $f = $c->walk_to($root, $path) // return undef;
    my $r = $c->stat($f);
    $c->clunk($f);
    return $r->{type} eq 'Rstat' ? $r->{stat} : undef;
}

# A wstat of $path as the user of ($c, $root) with %set (the rest
# "don't touch"); returns the reply.
sub wstat_path {
    my ($c, $root, $path, %set) = @_;
    my $f = $c->walk_to($root, $path) // return $c->{last};
    my $r = $c->wstat($f, %set);
    $c->clunk($f);
    return $r;
}

sub slurp {
    my ($file) = @_;
    open my $fh, '<', $file or return undef;
    local $/;
    return scalar <$fh>;
}

__DATA__

=== TEST 1: rename within the directory: the file, its qid and its fid follow
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> auth kernel
> Tattach tag=1 fid=0 afid=NOFID uname=glenda aname=""
< Rattach tag=1 qid=(0x80 * *)
> Twalk tag=2 fid=0 newfid=1 wname=[tmp]
< Rwalk tag=2 wqid=[(0x80 * *)]
> Tcreate tag=3 fid=1 name=old perm=0644 mode=1
< Rcreate tag=3 qid=(0 0 *) iounit=*
> Twrite tag=4 fid=1 offset=0 data=content
< Rwrite tag=4 count=7
> Twstat tag=5 fid=1 stat={type=DONTTOUCH dev=DONTTOUCH qid=(0xff DONTTOUCH DONTTOUCH) mode=DONTTOUCH atime=DONTTOUCH mtime=DONTTOUCH length=DONTTOUCH name=new uid="" gid="" muid=""}
< Rwstat tag=5
> Tstat tag=6 fid=1
< Rstat tag=6 stat={type=0 dev=0 qid=(0 * *) mode=0644 atime=* mtime=* length=7 name=new uid=glenda gid=adm muid=glenda}
> Twalk tag=7 fid=0 newfid=2 wname=[tmp old]
< Rwalk tag=7 wqid=[(0x80 * *)]
> Twalk tag=8 fid=0 newfid=2 wname=[tmp new]
< Rwalk tag=8 wqid=[(0x80 * *) (0 * *)]
> Tread tag=9 fid=2 offset=0 count=100
< Rerror tag=9 ename=*
--- perl
my $v = vfs;
ok(!-e $v->path('tmp/old'), 'tmp/old is gone from disk');
is(main::slurp($v->path('tmp/new')), 'content', 'tmp/new has the data');



=== TEST 2: rename: refused onto an existing name, for bad names, and for the root
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('glenda');
main::make($c, $root, 'tmp/a', 0644, data => 'aaa');
main::make($c, $root, 'tmp/b', 0644, data => 'bbb');
main::make($c, $root, 'tmp/dir', 0x800001ff);
for my $case (['b', 'file already exists'], ['dir', 'file already exists'],
              ['x/y', 'invalid file name'], ['../a2', 'invalid file name'],
              ['.', 'invalid file name'], ['..', 'invalid file name'],
              ["nul\0byte", 'invalid file name'], ['n' x 256, 'invalid file name']) {
    my ($name, $err) = @$case;
    (my $shown = substr($name, 0, 20)) =~ s/\0/\\0/g;
    is_rerror(main::wstat_path($c, $root, 'tmp/a', name => $name), $err, "rename to '$shown'");
}
is(main::slurp($v->path('tmp/a')), 'aaa', 'tmp/a is unchanged');
is(main::slurp($v->path('tmp/b')), 'bbb', 'tmp/b is unchanged');
is_9p(main::wstat_path($c, $root, 'tmp/a', name => 'n' x 255), 'Rwstat', 'a 255-byte name is fine');
is_9p(main::wstat_path($c, $root, 'tmp/' . 'n' x 255, name => 'a'), 'Rwstat', 'and back');
is_rerror($c->wstat($root, name => 'newroot'), 'cannot rename the root', 'the root');
my ($s, $sroot) = $v->attach('glenda', aname => 'tmp/dir');
is_rerror($s->wstat($sroot, name => 'other'), 'cannot rename the root', 'an attach point');



=== TEST 3: rename needs write permission in the directory (not on the file)
--- perl
my $v = vfs;
my ($g, $groot) = $v->attach('glenda');
main::make($g, $groot, 'tmp/ro', 0x800001ed);          # 0755
main::make($g, $groot, 'tmp/ro/f', 0666);
main::make($g, $groot, 'tmp/g', 0600);
my ($a, $aroot) = $v->attach('alice');
is_rerror(main::wstat_path($a, $aroot, 'tmp/ro/f', name => 'g'), 'permission denied',
    'alice may not rename in glenda\'s 0755 directory');
is_9p(main::wstat_path($a, $aroot, 'tmp/g', name => 'h'), 'Rwstat',
    'but may rename glenda\'s 0600 file in tmp (0777)');
ok(-e $v->path('tmp/h'), 'renamed');



=== TEST 4: chmod: the owner and the group leader may, others may not
--- perl
my $v = vfs;
my ($b, $broot) = $v->attach('bob');
main::make($b, $broot, 'tmp/f', 0644, gid => 'staff');
is_9p(main::wstat_path($b, $broot, 'tmp/f', mode => 0600), 'Rwstat', 'the owner (bob)');
is(main::stat_of($b, $broot, 'tmp/f')->{mode}, 0600, 'mode 0600');
my ($a, $aroot) = $v->attach('alice');
is_9p(main::wstat_path($a, $aroot, 'tmp/f', mode => 0640), 'Rwstat', 'the leader of staff (alice)');
is(main::stat_of($b, $broot, 'tmp/f')->{mode}, 0640, 'mode 0640');
my ($c, $croot) = $v->attach('carol');
is_rerror(main::wstat_path($c, $croot, 'tmp/f', mode => 0666), 'Operation not permitted',
    'carol, a member of staff');
my ($g, $groot) = $v->attach('glenda');
is_rerror(main::wstat_path($g, $groot, 'tmp/f', mode => 0666), 'Operation not permitted',
    'glenda (adm) is not the owner either');
my $n = $v->client;
$n->attach(0, 'none');
is_rerror(main::wstat_path($n, 0, 'tmp/f', mode => 0666), 'Operation not permitted', 'none');
is(main::stat_of($b, $broot, 'tmp/f')->{mode}, 0640, 'still 0640');
is_9p(main::wstat_path($b, $broot, 'tmp/f', mode => 0x40000000 | 0644), 'Rwstat', 'DMAPPEND may be set');
is(main::stat_of($b, $broot, 'tmp/f')->{qid}[0], 0x40, 'the qid type follows');
is_rerror(main::wstat_path($b, $broot, 'tmp/f', mode => 0x80000000 | 0755), "wstat can't convert between files and directories",
    'DMDIR on a file');
main::make($b, $broot, 'tmp/d', 0x800001ed);
is_rerror(main::wstat_path($b, $broot, 'tmp/d', mode => 0755), "wstat can't convert between files and directories",
    'DMDIR off a directory');
is_9p(main::wstat_path($b, $broot, 'tmp/d', mode => 0x80000000 | 0700), 'Rwstat', 'a directory\'s mode');
is(main::stat_of($b, $broot, 'tmp/d')->{mode}, 0x80000000 | 0700, 'DMDIR|0700');



=== TEST 5: chgrp: the owner to a group it is in; a leader of both groups
--- perl
my $v = vfs;
my ($b, $broot) = $v->attach('bob');
main::make($b, $broot, 'tmp/f', 0644);
is(main::stat_of($b, $broot, 'tmp/f')->{gid}, 'adm', 'created with the group of tmp');
is_9p(main::wstat_path($b, $broot, 'tmp/f', gid => 'staff'), 'Rwstat', 'bob (owner, member of staff) -> staff');
is(main::stat_of($b, $broot, 'tmp/f')->{gid}, 'staff', 'group staff');
is_rerror(main::wstat_path($b, $broot, 'tmp/f', gid => 'dev'), 'Operation not permitted',
    'bob -> dev: he leads dev but is not in it, and does not lead staff');
is_rerror(main::wstat_path($b, $broot, 'tmp/f', gid => 'nogroup'), 'unknown group', 'an unknown group');
my ($a, $aroot) = $v->attach('alice');
is_rerror(main::wstat_path($a, $aroot, 'tmp/f', gid => 'dev'), 'Operation not permitted',
    'alice -> dev: she leads staff, not dev');
is_9p(main::wstat_path($a, $aroot, 'tmp/f', gid => 'ops'), 'Rwstat', 'alice -> ops: she leads both staff and ops');
is(main::stat_of($b, $broot, 'tmp/f')->{gid}, 'ops', 'group ops');
my ($c, $croot) = $v->attach('carol');
main::make($c, $croot, 'tmp/c', 0644);
is_rerror(main::wstat_path($c, $croot, 'tmp/c', gid => 'dev'), 'Operation not permitted',
    'carol is not in dev');
is_9p(main::wstat_path($c, $croot, 'tmp/c', gid => 'carol'), 'Rwstat', 'every user is in the group of its own name');
is(main::stat_of($c, $croot, 'tmp/c')->{gid}, 'carol', 'group carol');



=== TEST 6: chown: only members of adm
--- perl
my $v = vfs;
my ($b, $broot) = $v->attach('bob');
main::make($b, $broot, 'tmp/f', 0644);
is_rerror(main::wstat_path($b, $broot, 'tmp/f', uid => 'alice'), 'Operation not permitted',
    'the owner (bob) may not give his file away');
my ($g, $groot) = $v->attach('glenda');
is_9p(main::wstat_path($g, $groot, 'tmp/f', uid => 'alice'), 'Rwstat', 'glenda (in adm) may');
is(main::stat_of($g, $groot, 'tmp/f')->{uid}, 'alice', 'owner alice');
is_rerror(main::wstat_path($g, $groot, 'tmp/f', uid => 'nobody'), 'unknown user', 'not to an unknown user');
my ($adm, $admroot) = $v->attach('adm');
is_9p(main::wstat_path($adm, $admroot, 'tmp/f', uid => 'carol'), 'Rwstat', 'adm may');
is(main::stat_of($g, $groot, 'tmp/f')->{uid}, 'carol', 'owner carol');



=== TEST 7: length truncates (or extends); it needs write permission
--- perl
my $v = vfs;
my ($g, $groot) = $v->attach('glenda');
main::make($g, $groot, 'tmp/f', 0644, data => '0123456789');
is_9p(main::wstat_path($g, $groot, 'tmp/f', length => 4), 'Rwstat', 'length 4');
is(main::slurp($v->path('tmp/f')), '0123', 'truncated on disk');
is(main::stat_of($g, $groot, 'tmp/f')->{length}, 4, 'stat length 4');
is_9p(main::wstat_path($g, $groot, 'tmp/f', length => 6), 'Rwstat', 'length 6');
is(main::slurp($v->path('tmp/f')), "0123\0\0", 'extended with zeros');
my ($a, $aroot) = $v->attach('alice');
is_rerror(main::wstat_path($a, $aroot, 'tmp/f', length => 0), 'permission denied', 'alice cannot write it');
is(-s $v->path('tmp/f'), 6, 'unchanged');
is_9p(main::wstat_path($a, $aroot, 'tmp/f', length => 6), 'Rwstat', 'the current length is no change');
main::make($g, $groot, 'tmp/d', 0x800001ff);
is_rerror(main::wstat_path($g, $groot, 'tmp/d', length => 5), 'Is a directory', 'a directory');
is_9p(main::wstat_path($g, $groot, 'tmp/d', length => 0), 'Rwstat', 'a directory, length 0');



=== TEST 8: mtime by the owner; type, dev, qid and muid cannot change
--- perl
my $v = vfs;
my ($g, $groot) = $v->attach('glenda');
main::make($g, $groot, 'tmp/f', 0644, data => 'x');
is_9p(main::wstat_path($g, $groot, 'tmp/f', mtime => 1000000000), 'Rwstat', 'mtime by the owner');
is((stat $v->path('tmp/f'))[9], 1000000000, 'on disk');
is(main::stat_of($g, $groot, 'tmp/f')->{mtime}, 1000000000, 'in Rstat');
my ($a, $aroot) = $v->attach('alice');
is_rerror(main::wstat_path($a, $aroot, 'tmp/f', mtime => 5), 'Operation not permitted', 'not by alice');
my $st = main::stat_of($g, $groot, 'tmp/f');
for my $case ([type => 1], [dev => 7], [qid => [0, 0, 1]], [muid => 'alice']) {
    is_9p(main::wstat_path($g, $groot, 'tmp/f', @$case), 'Rerror ename="wstat prohibited"', "changing $case->[0] is refused");
}
is_9p(main::wstat_path($g, $groot, 'tmp/f', type => 0, dev => 0, qid => $st->{qid}, muid => 'glenda'), 'Rwstat',
    'giving their current values is fine');



=== TEST 8b: times as Linux sets them (utimes, touch -d, cp -p, truncate): the owner sets atime and mtime; a writer sets them to now or with a length change
--- perl
my $v = vfs;
my ($g, $groot) = $v->attach('glenda');
main::make($g, $groot, 'tmp/f', 0666, data => 'hello');
is_9p(main::wstat_path($g, $groot, 'tmp/f', atime => 1000000000, mtime => 1100000000), 'Rwstat',
      'utimes by the owner: atime and mtime');
is_deeply([(stat $v->path('tmp/f'))[8, 9]], [1000000000, 1100000000], 'both on disk');
is_9p(main::wstat_path($g, $groot, 'tmp/f', atime => 1200000000), 'Rwstat', 'atime alone (touch -a -d)');
is((stat $v->path('tmp/f'))[8], 1200000000, 'on disk, mtime kept');
is((stat $v->path('tmp/f'))[9], 1100000000, 'mtime unchanged');
my ($a, $aroot) = $v->attach('alice');
is_rerror(main::wstat_path($a, $aroot, 'tmp/f', mtime => 5), 'Operation not permitted',
          'a writer who is not the owner: not to any time');
is_rerror(main::wstat_path($a, $aroot, 'tmp/f', atime => 5), 'Operation not permitted', 'nor atime');
is_9p(main::wstat_path($a, $aroot, 'tmp/f', mtime => time, atime => time), 'Rwstat', 'but to now (touch)');
is_9p(main::wstat_path($a, $aroot, 'tmp/f', length => 0, mtime => 5), 'Rwstat',
      'and with a length change (Linux truncate: length 0, mtime now)');
is(-s $v->path('tmp/f'), 0, 'truncated');
main::make($g, $groot, 'tmp/ro', 0644, data => 'x');
is_rerror(main::wstat_path($a, $aroot, 'tmp/ro', mtime => time - 3), 'Operation not permitted',
          'one who may not write: not even to now');
is_rerror(main::wstat_path($a, $aroot, 'tmp/ro', length => 0, mtime => time), 'permission denied',
          'nor truncate it');
is_rerror(main::wstat_path($a, $aroot, 'tmp/ro', length => 0, mtime => time + 1), 'permission denied',
          'nor truncate it in another second than the last write (the length is checked first)');
--- error_log
wstat of tmp/f by alice refused: times: not owner, group leader or writer



=== TEST 9: don't-touch fields are honoured; a wstat that changes nothing succeeds
--- perl
my $v = vfs;
my ($b, $broot) = $v->attach('bob');
main::make($b, $broot, 'tmp/f', 0640, data => 'data', gid => 'staff');
my $before = main::stat_of($b, $broot, 'tmp/f');
is_9p(main::wstat_path($b, $broot, 'tmp/f'), 'Rwstat', 'all "don\'t touch"');
my $after = main::stat_of($b, $broot, 'tmp/f');
is_deeply([@$after{qw(name mode length uid gid mtime)}], [@$before{qw(name mode length uid gid mtime)}],
    'nothing changed');
my $n = $v->client;
$n->attach(0, 'none');
is_9p(main::wstat_path($n, 0, 'adm/users'), 'Rwstat', 'none too may wstat nothing (sync)');
my ($c, $croot) = $v->attach('carol');
is_9p(main::wstat_path($c, $croot, 'tmp/f', %$before{qw(name mode length uid gid mtime)}), 'Rwstat',
    'carol may "change" every field to its current value');
is_9p(main::wstat_path($b, $broot, 'tmp/f', mode => 0600), 'Rwstat', 'only mode');
$after = main::stat_of($b, $broot, 'tmp/f');
is_deeply([@$after{qw(name mode length uid gid mtime)}], [@$before{qw(name)}, 0600, @$before{qw(length uid gid mtime)}],
    'only the mode changed');
is_9p(main::wstat_path($b, $broot, 'tmp/f', mtime => 1234567890), 'Rwstat', 'only mtime');
$after = main::stat_of($b, $broot, 'tmp/f');
is_deeply([@$after{qw(name mode length uid gid mtime)}], [@$before{qw(name)}, 0600, @$before{qw(length uid gid)}, 1234567890],
    'only the mtime changed');



=== TEST 10: all checks pass before any change: an illegal part leaves everything as it was
--- perl
my $v = vfs;
my ($b, $broot) = $v->attach('bob');
main::make($b, $broot, 'tmp/f', 0644, data => '0123456789');
my $before = main::stat_of($b, $broot, 'tmp/f');
my @cases = (
    [[name => 'g', uid => 'alice'], 'rename and chown (bob is not in adm)'],
    [[mode => 0600, uid => 'alice'], 'chmod and chown'],
    [[length => 2, gid => 'dev'], 'truncate and chgrp to a group bob is not in'],
    [[mtime => 99, name => 'bad/name'], 'mtime and a bad name'],
    [[mode => 0600, length => 3, muid => 'alice'], 'chmod, truncate and muid'],
);
for my $case (@cases) {
    my ($set, $what) = @$case;
    is_9p(main::wstat_path($b, $broot, 'tmp/f', @$set), 'Rerror ename=*', "$what: refused");
    my $now = main::stat_of($b, $broot, 'tmp/f');
    is_deeply([@$now{qw(name mode length uid gid mtime)}], [@$before{qw(name mode length uid gid mtime)}],
        "$what: nothing changed");
}
ok(-e $v->path('tmp/f') && !-e $v->path('tmp/g'), 'the name is unchanged on disk');



=== TEST 11: all checks pass before any change: renaming onto an existing name with other changes
--- perl
my $v = vfs;
my ($g, $groot) = $v->attach('glenda');
main::make($g, $groot, 'tmp/x', 0644, data => '0123456789');
main::make($g, $groot, 'tmp/y', 0644, data => 'y');
my $before = main::stat_of($g, $groot, 'tmp/x');
is_rerror(main::wstat_path($g, $groot, 'tmp/x', mode => 0600, name => 'y'), 'file already exists',
    'chmod and rename onto tmp/y: refused');
is(main::stat_of($g, $groot, 'tmp/x')->{mode}, 0644, 'the mode is unchanged');
is_rerror(main::wstat_path($g, $groot, 'tmp/x', length => 0, name => 'y'), 'file already exists',
    'truncate and rename onto tmp/y: refused');
is(main::slurp($v->path('tmp/x')), '0123456789', 'the data is still there');
is_rerror(main::wstat_path($g, $groot, 'tmp/x', uid => 'alice', gid => 'dev', name => 'y'), 'file already exists',
    'chown, chgrp and rename onto tmp/y: refused');
my $now = main::stat_of($g, $groot, 'tmp/x');
is_deeply([@$now{qw(uid gid)}], [@$before{qw(uid gid)}], 'owner and group are unchanged');



=== TEST 12: after a rename, another fid of the file still refers to it
--- perl
my $v = vfs;
my ($g, $groot) = $v->attach('glenda');
main::make($g, $groot, 'tmp/a', 0644, data => 'the renamed one');
my $one = $g->walk_to($groot, 'tmp/a');
my $two = $g->walk_to($groot, 'tmp/a');
is_9p($g->wstat($two, name => 'b'), 'Rwstat', 'rename tmp/a to tmp/b through one fid');
is_9p($g->stat($one), 'Rstat stat={type=* dev=* qid=* mode=* atime=* mtime=* length=* name=b uid=* gid=* muid=*}',
    'the other fid\'s stat has the new name');
main::make($g, $groot, 'tmp/a', 0644, data => 'a new file');
is_9p($g->remove($one), 'Rremove', 'remove through the other fid');
ok(!-e $v->path('tmp/b'), 'removed the file the fid refers to (tmp/b)');
is(main::slurp($v->path('tmp/a')), 'a new file', 'and not the new tmp/a');



=== TEST 20: every error a POSIX client can cause is in the words Linux's v9fs maps to the errno a local file system gives
--- perl
# Linux maps a 9P2000 error string to errno by exact match against its
# table (net/9p/error.c); a string not there is "Unknown error 526".
# condition => [what ten-vfs says, the errno Linux makes of it]
my $v = vfs;
my ($g, $groot) = $v->attach('glenda');
my ($a, $aroot) = $v->attach('alice');
main::make($g, $groot, 'tmp/d', 0x80000000 | 0755);
main::make($g, $groot, 'tmp/d/x', 0644, data => 'x');
main::make($g, $groot, 'tmp/f', 0600, data => 'x');
my $f = $g->walk_to($groot, 'tmp');
my %got = (
    'walk to a name that is not there'      => $g->walk($f, 90, 'nope'),
    'create a name that exists'             => $g->create($f, 'd', 0644, 1),
    'open without permission'               => do { my $x = $a->walk_to($aroot, 'tmp/f'); $a->open($x, 0) },
    'walk through a file'                   => $g->walk($g->walk_to($groot, 'tmp/f'), 91, 'y'),
    'open a directory for writing'          => do { my $x = $g->walk_to($groot, 'tmp/d'); $g->open($x, 1) },
    'remove a directory that is not empty'  => $g->remove($g->walk_to($groot, 'tmp/d')),
    'chmod by one who is not the owner'     => main::wstat_path($a, $aroot, 'tmp/d', mode => 0x80000000 | 0777),
    'chown by one who is not adm'           => main::wstat_path($a, $aroot, 'tmp/d', uid => 'alice'),
    'chgrp by one who is not the owner'     => main::wstat_path($a, $aroot, 'tmp/d', gid => 'alice'),
    'utimes by one who may not write'       => main::wstat_path($a, $aroot, 'tmp/d', mtime => 5),
    'truncate a directory'                  => main::wstat_path($g, $groot, 'tmp/d', length => 3),
);
my %want = (
    'walk to a name that is not there'      => ['file does not exist', 'ENOENT'],
    'create a name that exists'             => ['file already exists', 'EEXIST'],
    'open without permission'               => ['permission denied', 'EACCES'],
    'walk through a file'                   => ['not a directory', 'ENOTDIR'],
    'open a directory for writing'          => ['Is a directory', 'EISDIR'],
    'remove a directory that is not empty'  => ['directory is not empty', 'ENOTEMPTY'],
    'chmod by one who is not the owner'     => ['Operation not permitted', 'EPERM'],
    'chown by one who is not adm'           => ['Operation not permitted', 'EPERM'],
    'chgrp by one who is not the owner'     => ['Operation not permitted', 'EPERM'],
    'utimes by one who may not write'       => ['Operation not permitted', 'EPERM'],
    'truncate a directory'                  => ['Is a directory', 'EISDIR'],
);
for my $case (sort keys %want) {
    my ($ename, $errno) = @{ $want{$case} };
    is("$got{$case}{type} " . ($got{$case}{ename} // ''), "Rerror $ename", "$case: \"$ename\" ($errno)");
}
