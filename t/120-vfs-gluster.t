# ten-vfs on a GlusterFS volume shared by two servers: a replica 2 volume
# made by tools/gluster-local.sh in a temporary directory, mounted twice
# through FUSE, and ten-vfs A and B serving one directory of it through
# the two mounts.  What one server does, the other sees at once; renames
# never replace a name, also racing; a file removed through one is "file
# does not exist" through the other (never "Stale file handle"); qid
# versions that two servers cannot both give; DMEXCL across servers; a
# fid's path following a rename made through the other server; a
# directory moved out of the tree takes no remove or wstat with it, one
# renamed above a fid through the same server does; libgfapi's create,
# remove, link and directory semantics as B uses them; B's clean stop.
#
# Needs root, /dev/fuse, glusterfs-server and glusterfs-client (make deps)
# and no other glusterd on port 24007; skipped otherwise.  About 30 s.

use lib 't/lib';
use Test::Ten 'no_nginx';
use Ten::VFS;
use Ten::Client;
BEGIN {
    no strict 'refs';
    *{"main::$_"} = \&{"Ten::Client::$_"} for qw(OREAD OWRITE ORDWR OTRUNC DMDIR DMEXCL);
}
use File::Temp qw(tempdir);
use Time::HiRes qw(sleep);

our ($A, $B, $GDIR);
my $TOOL = Cwd::abs_path('tools/gluster-local.sh');

sub skip_reason {
    return 'not root (glusterd and FUSE mounts need it)' if $> != 0;
    return 'no /dev/fuse' unless -c '/dev/fuse';
    for my $p (qw(/usr/sbin/glusterd /usr/sbin/gluster /sbin/mount.glusterfs)) {
        return "$p is missing (apt-get install glusterfs-server glusterfs-client)"
            unless -x $p;
    }
    return 'another glusterd listens on port 24007'
        if system(q{awk '$2 ~ /:5DC7$/ && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp /proc/net/tcp6 2>/dev/null}) == 0;
    return '';
}

sub gluster {
    my $out = `'$TOOL' @_ 2>&1`;
    die "gluster-local.sh @_: $out" if $?;
    return $out;
}

END {
    local $?;
    for my $v (grep { defined } $A, $B) { $v->kill9 }
    system($TOOL, 'down', $GDIR) if $GDIR;
    system('rm', '-rf', $GDIR) if $GDIR && !$ENV{TEN_KEEP_GLUSTER};
}

BEGIN {
    if (my $why = skip_reason()) {
        Test::More::plan(skip_all => $why);
    }
}

$GDIR = tempdir('ten-gluster-XXXXXX', TMPDIR => 1);
my ($HOST) = gluster('up', $GDIR, 'tenvol', 'replica2') =~ /^glusterd (\S+):24007$/m
    or die "gluster-local.sh up: no glusterd address\n";
gluster('mount', $GDIR, 'tenvol', "$GDIR/mnt-a");
gluster('mount', $GDIR, 'tenvol', "$GDIR/mnt-b");
mkdir "$GDIR/mnt-a/ten" or die "mkdir: $!";
$A = Ten::VFS->new(root => "$GDIR/mnt-a/ten")->start;
$A->set_users($Ten::VFS::USERS);
# B serves the same directory through libgfapi, not its FUSE mount
$B = Ten::VFS->new(root => "$GDIR/mnt-b/ten", url => "gluster://$HOST/tenvol/ten")->start;

run_tests();

# connections: ($client, $root) of glenda through server $v
sub glenda { return $_[0]->attach('glenda') }

# make($c, $root, 'tmp/x', $perm, data): creates (and writes) a file
sub make {
    my ($c, $root, $path, $perm, $data) = @_;
    my ($dir, $name) = $path =~ m{^(.*)/([^/]+)$} or die "make: $path";
    my $f = $c->walk_to($root, $dir) // die "make: walk to $dir failed";
    my $r = $c->create($f, $name, $perm, $perm & DMDIR ? OREAD : OWRITE);
    die "make $path: $r->{ename}" if $r->{type} eq 'Rerror';
    if (defined $data) {
        $r = $c->write($f, 0, $data);
        die "make $path: write: $r->{ename}" if $r->{type} eq 'Rerror';
    }
    $c->clunk($f);
}

# the contents of a file, or the Rerror's text ("no such name" when a
# walk stops short)
sub cat {
    my ($c, $root, $path) = @_;
    my $f = $c->walk_to($root, $path) // return $c->{last}{ename} // 'no such name';
    my $r = $c->open($f, OREAD);
    my $data = $r->{type} eq 'Rerror' ? $r->{ename} : $c->read_all($f);
    $c->clunk($f);
    return $data;
}

sub rename_msg {
    my ($fid, $name) = @_;
    return { type => 'Twstat', fid => $fid,
        stat => Ten::Client::dontouch_stat(name => $name) };
}

__DATA__

=== TEST 1: a file written through A is read through B at once, and back
--- perl
like($_->log_text, qr{/ten is on a network file system}, 'ten-vfs says its root is shared') for $main::A, $main::B;
my ($a, $ar) = main::glenda($main::A);
my ($b, $br) = main::glenda($main::B);
main::make($a, $ar, 'tmp/hello', 0644, "written through A\n");
is(main::cat($b, $br, 'tmp/hello'), "written through A\n", 'B reads what A wrote');
my $f = $b->walk_to($br, 'tmp/hello');
$b->open($f, OWRITE | OTRUNC);
$b->write($f, 0, "and B's answer\n");
is(main::cat($a, $ar, 'tmp/hello'), "and B's answer\n", "A reads B's change at once");
my $keep = $a->walk_to($ar, 'tmp/hello');
$a->open($keep, OREAD);
is($a->read($keep, 0, 100)->{data}, "and B's answer\n", 'A keeps it open');
$b->write($f, 0, "AND B'S CHANGE\n");
is($a->read($keep, 0, 100)->{data}, "AND B'S CHANGE\n", 'an overwrite of the same length through B: read through the fid A had open (no stale page cache)');
my $d = $a->walk_to($ar, 'tmp');
$a->open($d, OREAD);
ok((grep { $_->{name} eq 'hello' } $a->read_dir($d)), 'the directory lists it');

=== TEST 2: a rename through A is seen through B; onto an existing name it is refused
--- perl
my ($a, $ar) = main::glenda($main::A);
my ($b, $br) = main::glenda($main::B);
main::make($a, $ar, 'tmp/old', 0644, 'moved');
main::make($b, $br, 'tmp/taken', 0644, 'keep me');
my $f = $a->walk_to($ar, 'tmp/old');
is_9p($a->wstat($f, name => 'new'), 'Rwstat', 'rename through A (no RENAME_NOREPLACE on Gluster)');
is(main::cat($b, $br, 'tmp/new'), 'moved', 'B finds it by its new name');
is(main::cat($b, $br, 'tmp/old'), 'no such name', 'and not by the old one');
is_rerror($a->wstat($f, name => 'taken'), 'file already exists', 'renaming onto a name B made is refused');
my $g = $b->walk_to($br, 'tmp/new');
is_rerror($b->wstat($g, name => 'taken'), 'file already exists', 'through B too');
is(main::cat($a, $ar, 'tmp/taken'), 'keep me', 'the existing file is untouched');
main::make($a, $ar, 'tmp/dold', 0x800001ed);
main::make($b, $br, 'tmp/dtaken', 0x800001ed);
my $dd = $a->walk_to($ar, 'tmp/dold');
is_rerror($a->wstat($dd, name => 'dtaken'), 'file already exists', 'a directory onto an empty directory: refused');
is_9p($a->wstat($dd, name => 'dnew'), 'Rwstat', 'a directory rename');
ok(defined $b->walk_to($br, 'tmp/dnew') && !defined $b->walk_to($br, 'tmp/dold'), 'seen through B');

=== TEST 3: two servers rename two files onto one new name at once: one wins, nothing is replaced
--- timeout: 60
--- perl
my ($a, $ar) = main::glenda($main::A);
my ($b, $br) = main::glenda($main::B);
my ($wins_a, $wins_b) = (0, 0);
for my $round (1 .. 12) {
    my $dir = $round % 3 == 0;    # every third round with directories
    my $perm = $dir ? 0x800001ed : 0644;
    main::make($a, $ar, "tmp/ra$round", $perm, $dir ? undef : "from A $round");
    main::make($b, $br, "tmp/rb$round", $perm, $dir ? undef : "from B $round");
    main::make($a, $ar, "tmp/ra$round/mark-a", 0644) if $dir;
    main::make($b, $br, "tmp/rb$round/mark-b", 0644) if $dir;
    my $fa = $a->walk_to($ar, "tmp/ra$round");
    my $fb = $b->walk_to($br, "tmp/rb$round");
    my ($ta) = $a->send(main::rename_msg($fa, "winner$round"));
    my ($tb) = $b->send(main::rename_msg($fb, "winner$round"));
    my ($ra, $rb) = ($a->recv, $b->recv);
    my @ok = grep { $_->{type} eq 'Rwstat' } $ra, $rb;
    is(scalar @ok, 1, "round $round" . ($dir ? ' (directories)' : '') . ': exactly one rename succeeds')
        or diag(Ten::NineP::format_msg($ra) . ' / ' . Ten::NineP::format_msg($rb));
    my $loser = $ra->{type} eq 'Rwstat' ? $rb : $ra;
    is($loser->{ename}, 'file already exists', "round $round: the other is told the name exists");
    my $winner_a = $ra->{type} eq 'Rwstat';
    $winner_a ? $wins_a++ : $wins_b++;
    if ($dir) {
        my $mark = $winner_a ? 'mark-a' : 'mark-b';
        ok(defined $a->walk_to($ar, "tmp/winner$round/$mark"), "round $round: the winner's directory has the name");
        ok(defined $b->walk_to($br, $winner_a ? "tmp/rb$round/mark-b" : "tmp/ra$round/mark-a"), "round $round: the loser keeps its old name and contents");
    } else {
        is(main::cat($b, $br, "tmp/winner$round"), $winner_a ? "from A $round" : "from B $round", "round $round: the name holds the winner's file");
        is(main::cat($a, $ar, $winner_a ? "tmp/rb$round" : "tmp/ra$round"), $winner_a ? "from B $round" : "from A $round", "round $round: the loser keeps its old name");
    }
    $a->clunk($fa);
    $b->clunk($fb);
}
diag("renames won: A $wins_a, B $wins_b");

=== TEST 4: a file removed through A: B's walked and open fids answer "file does not exist"
--- perl
my ($a, $ar) = main::glenda($main::A);
my ($b, $br) = main::glenda($main::B);
main::make($a, $ar, 'tmp/doomed', 0644, 'soon gone');
my $walked = $b->walk_to($br, 'tmp/doomed');
my $open = $b->walk_to($br, 'tmp/doomed');
is_9p($b->open($open, OREAD), 'Ropen qid=* iounit=*', 'B opens it');
my $f = $a->walk_to($ar, 'tmp/doomed');
is_9p($a->remove($f), 'Rremove', 'A removes it');
my @r = ($b->stat($walked), $b->open($walked, OREAD), $b->read($open, 0, 100),
         $b->stat($open), $b->walk($walked, $b->newfid), $b->wstat($open, mode => 0600));
is_rerror($_, 'file does not exist', "B: $_->{type} of a removed file") for @r;
ok(!(grep { ($_->{ename} // '') =~ /stale/i } @r), 'never "Stale file handle"');
main::make($a, $ar, 'tmp/doomed', 0644, 'a new file of that name');
is_rerror($b->stat($walked), 'file does not exist', 'B: a fid of the old file does not become the new one');
is(main::cat($b, $br, 'tmp/doomed'), 'a new file of that name', 'a new walk finds the new file');
my $d = $b->walk_to($br, 'tmp');
$b->open($d, OREAD);
ok((grep { $_->{name} eq 'doomed' } $b->read_dir($d)), 'listed once more');

=== TEST 5: qid versions of writes through A and B in turn all differ, and both servers agree
--- perl
my ($a, $ar) = main::glenda($main::A);
my ($b, $br) = main::glenda($main::B);
main::make($a, $ar, 'tmp/ver', 0666);
my $fa = $a->walk_to($ar, 'tmp/ver');
my $fb = $b->walk_to($br, 'tmp/ver');
$a->open($fa, OWRITE);
$b->open($fb, OWRITE);
my (%seen, @v);
for my $i (1 .. 8) {
    my ($c, $f) = $i % 2 ? ($a, $fa) : ($b, $fb);
    # the same length every time: only the contents change
    $c->write($f, 0, sprintf('write %02d', $i));
    my $va = $a->stat($fa)->{stat}{qid}[1];
    my $vb = $b->stat($fb)->{stat}{qid}[1];
    is($va, $vb, "write $i: A and B give one version");
    push @v, $va;
    $seen{$va}++;
}
is(scalar keys %seen, 8, "eight writes, eight versions: @v");
ok(!(grep { $_ == 0 } @v), 'none is the never-written 0');
my $before = $a->stat($fa)->{stat}{qid}[1];
$b->wstat($fb, mode => 0644);
isnt($a->stat($fa)->{stat}{qid}[1], $before, "a wstat through B moves the version A gives");

=== TEST 6: DMEXCL: a file open on A is refused on B until A clunks it
--- perl
my ($a, $ar) = main::glenda($main::A);
my ($b, $br) = main::glenda($main::B);
main::make($a, $ar, 'tmp/excl', DMEXCL | 0666, 'mine');
my $fa = $a->walk_to($ar, 'tmp/excl');
is_9p($a->open($fa, OREAD), 'Ropen qid=(0x20 * *) iounit=*', 'A opens it');
my $fb = $b->walk_to($br, 'tmp/excl');
is_rerror($b->open($fb, OREAD), 'exclusive use file already open', 'B may not, even to read');
my $fa2 = $a->walk_to($ar, 'tmp/excl');
is_rerror($a->open($fa2, OWRITE), 'exclusive use file already open', 'nor A a second time');
$a->clunk($fa);
is_9p($b->open($fb, ORDWR), 'Ropen qid=* iounit=*', 'after the clunk B may');
is_rerror($a->open($fa2, OREAD), 'exclusive use file already open', 'and now A is refused');
$b->clunk($fb);
is_9p($a->open($fa2, OREAD), 'Ropen qid=* iounit=*', 'until B clunks');

=== TEST 7: a fid's path follows a rename made through the other server
--- perl
my ($a, $ar) = main::glenda($main::A);
my ($b, $br) = main::glenda($main::B);
main::make($a, $ar, 'tmp/pd', 0x800001ed);
main::make($a, $ar, 'tmp/pd/p', 0644, 'follow me');
my $fb = $b->walk_to($br, 'tmp/pd/p');
is_9p($b->stat($fb), 'Rstat stat={type=* dev=* qid=* mode=0644 atime=* mtime=* length=9 name=p uid=glenda gid=* muid=glenda}', 'B: p');
my $fa = $a->walk_to($ar, 'tmp/pd/p');
is_9p($a->wstat($fa, name => 'q'), 'Rwstat', 'A renames p to q');
is_9p($b->stat($fb), 'Rstat stat={type=* dev=* qid=* mode=0644 atime=* mtime=* length=9 name=q uid=glenda gid=* muid=glenda}', "B's fid is q now");
is_9p($b->wstat($fb, name => 'r'), 'Rwstat', 'B renames it on, by its fid');
is(main::cat($a, $ar, 'tmp/pd/r'), 'follow me', 'A finds r');
is_9p($b->remove($fb), 'Rremove', "B removes it by the fid");
is(main::cat($a, $ar, 'tmp/pd/r'), 'no such name', 'gone for A');
my $db = $b->walk_to($br, 'tmp/pd');
my $da = $a->walk_to($ar, 'tmp/pd');
is_9p($a->wstat($da, name => 'pe'), 'Rwstat', 'A renames the directory pd to pe');
is_9p($b->stat($db), 'Rstat stat={type=* dev=* qid=* mode=0x800001ed atime=* mtime=* length=0 name=pe uid=glenda gid=* muid=glenda}', "B's fid of it is pe now");
is_9p($b->create($db, 'child', 0644, OWRITE), 'Rcreate qid=* iounit=*', 'B creates in it by the fid');
is(main::cat($a, $ar, 'tmp/pe/child'), '', 'A finds tmp/pe/child');
is_9p($b->remove($db), 'Rremove', 'B removes the child by its fid (its path is tmp/pe/child)');
is(main::cat($a, $ar, 'tmp/pe/child'), 'no such name', 'gone for A');

=== TEST 8: directories moved on disk through the other mount: a fid is never named ".." (its directory's entries . and .. are no names)
--- perl
my ($a, $ar) = main::glenda($main::A);
main::make($a, $ar, 'tmp/up', 0x800001ed);
main::make($a, $ar, 'tmp/up/down', 0x800001ed);
my $fa = $a->walk_to($ar, 'tmp/up/down');
is_9p($a->stat($fa), 'Rstat stat={type=* dev=* qid=* mode=0x800001ed atime=* mtime=* length=0 name=down uid=glenda gid=* muid=glenda}', 'A: down');
my $tb = "$main::GDIR/mnt-b/ten/tmp";
ok(rename("$tb/up/down", "$tb/down") && rename("$tb/up", "$tb/down/up"), 'through the other mount: up/down moved to down, up into it') or diag("rename: $!");
is_9p($a->stat($fa), 'Rstat stat={type=* dev=* qid=* mode=0x800001ed atime=* mtime=* length=0 name=down uid=glenda gid=* muid=glenda}', 'A: still down');
ok(defined $a->walk_to($ar, 'tmp/down/up'), 'A walks to down/up: its mount learns that up is in down');
ok(rename("$tb/down", "$tb/down2"), 'through the other mount: down renamed down2') or diag("rename: $!");
my $r = $a->stat($fa);
ok($r->{type} eq 'Rerror' || $r->{stat}{name} ne '..', "A's fid of down is not named .. (up's .. is down)") or diag(Ten::NineP::format_msg($r));
isnt($a->wstat($fa, name => 'other')->{type}, 'Rwstat', 'nor renamed by that name (it is not in up)');
ok(-d "$tb/down2/up" && !-e "$tb/down2/other" && !-e "$tb/other", 'nothing renamed on disk');


=== TEST 9: a directory moved out of the tree through the other mount: A's fids of files in it change nothing there
--- perl
my ($a, $ar) = main::glenda($main::A);
main::make($a, $ar, 'tmp/esc', 0x800001ed);
main::make($a, $ar, 'tmp/esc/f', 0644, 'outside now');
main::make($a, $ar, 'tmp/esc/g', 0644, 'me too');
my $ff = $a->walk_to($ar, 'tmp/esc/f');
my $fg = $a->walk_to($ar, 'tmp/esc/g');
my $out = "$main::GDIR/mnt-b/esc-out";
ok(rename("$main::GDIR/mnt-b/ten/tmp/esc", $out), 'through the other mount: tmp/esc moved out of the served directory') or diag("rename: $!");
my $r = $a->remove($ff);
is_rerror($r, "file does not exist", "A: remove through the fid: the file is gone for this tree");
ok(-e "$out/f", 'a remove through the fid does not remove the file outside the tree');
$r = $a->wstat($fg, name => 'h');
is_rerror($r, "file does not exist", "A: wstat (rename) likewise");
ok(-e "$out/g" && !-e "$out/h", 'nor does a rename rename it');

=== TEST 10: a directory renamed above a fid through the same server: the fid's wstat and remove still work
--- perl
my ($a, $ar) = main::glenda($main::A);
main::make($a, $ar, 'tmp/anc', 0x800001ed);
main::make($a, $ar, 'tmp/anc/x', 0644, 'under anc');
my $fx = $a->walk_to($ar, 'tmp/anc/x');
my $fd = $a->walk_to($ar, 'tmp/anc');
is_9p($a->wstat($fd, name => 'anc2'), 'Rwstat', 'A renames anc to anc2');
is_9p($a->wstat($fx, name => 'y'), 'Rwstat', "A renames x through its fid");
is(main::cat($a, $ar, 'tmp/anc2/y'), 'under anc', 'tmp/anc2/y');
is_9p($a->stat($fx), 'Rstat stat={type=* dev=* qid=* mode=0644 atime=* mtime=* length=9 name=y uid=glenda gid=* muid=glenda}', 'its stat says y');
is_9p($a->remove($fx), 'Rremove', 'and removes it');
is(main::cat($a, $ar, 'tmp/anc2/y'), 'no such name', 'gone');



=== TEST 11: a mode changed through B is seen through A at once, also where A read it long before (GlusterFS keeps ctime as it was on xattr changes)
--- perl
my ($a, $ar) = main::glenda($main::A);
my ($b, $br) = main::glenda($main::B);
my ($al, $alr) = $main::A->attach('alice');
main::make($a, $ar, 'tmp/p', 0644, 'plan 9 modes');
select(undef, undef, undef, 2.5);
my $mode = sub { my $f = $a->walk_to($ar, 'tmp/p'); my $r = $a->stat($f); $a->clunk($f); sprintf '%o', $r->{stat}{mode} };
is($mode->(), '644', 'A: as made');
is($mode->(), '644', 'A: again (a local tree would answer from its cache now)');
is(main::cat($al, $alr, 'tmp/p'), 'plan 9 modes', 'alice may read it through A');
my $f = $b->walk_to($br, 'tmp/p');
is_9p($b->wstat($f, mode => 0600), 'Rwstat', 'glenda makes it 0600 through B');
is($mode->(), '600', 'A sees the new mode');
is(main::cat($al, $alr, 'tmp/p'), 'permission denied', 'and refuses alice at once');



=== TEST 12: libgfapi's semantics as B uses them: a create never takes over an existing name, links are not walked nor listed, a non-empty directory is not removed, a directory read from offset 0 again lists it all again
--- perl
my ($a, $ar) = main::glenda($main::A);
my ($b, $br) = main::glenda($main::B);
my ($al, $alr) = $main::B->attach('alice');
main::make($a, $ar, 'tmp/mine', 0644, 'glenda only');
my $d = $al->walk_to($alr, 'tmp');
is_rerror($al->create($d, 'mine', 0666, OWRITE), 'file already exists', 'B: alice creating over glenda\'s file: refused (O_EXCL)');
my $s = $b->stat($b->walk_to($br, 'tmp/mine'))->{stat};
is("$s->{uid} $s->{muid}", 'glenda glenda', 'the file keeps its owner');
is(main::cat($b, $br, 'tmp/mine'), 'glenda only', 'and its contents');
main::make($a, $ar, 'tmp/sub', 0x800001ed);
$d = $al->walk_to($alr, 'tmp');
is_rerror($al->create($d, 'sub', 0x800001ff, OREAD), 'file already exists', 'B: nor over a directory');
my $tb = "$main::GDIR/mnt-b/ten/tmp";
ok(symlink('../adm', "$tb/ln") && symlink('/etc', "$tb/abs"), 'links made through the mount') or diag("symlink: $!");
for my $p ('tmp/ln', 'tmp/ln/users', 'tmp/abs', 'tmp/abs/passwd') {
    my $f = $b->newfid;
    my @names = split m{/}, $p;
    my $r = $b->walk($br, $f, @names);
    ok($r->{type} eq 'Rerror' || @{ $r->{wqid} } < @names, "B: no walk through $p") or diag(Ten::NineP::format_msg($r));
}
main::make($a, $ar, 'tmp/sub/f', 0644, 'x');
my $sub = $b->walk_to($br, 'tmp/sub');
is_rerror($b->remove($sub), 'directory is not empty', 'B: a directory with a file is not removed');
ok(-e "$tb/sub/f", 'the file is still there');
my $dir = $b->walk_to($br, 'tmp');
$b->open($dir, OREAD);
my @first = sort map { $_->{name} } $b->read_dir($dir, 200);
my @again = sort map { $_->{name} } $b->read_dir($dir, 200);
ok(@first > 3, "B lists tmp: @first");
is("@again", "@first", 'a second read from offset 0 lists the same');
ok(!(grep { $_ eq 'ln' || $_ eq 'abs' } @first), 'the links are not listed');
unlink "$tb/ln", "$tb/abs";

=== TEST 13: a directory moved out of the tree through the other mount, a link to it left in its place: A's fids below it still change nothing there (no link is followed to find the directory in the tree)
--- perl
my ($a, $ar) = main::glenda($main::A);
main::make($a, $ar, 'tmp/lk', 0x800001ed);
main::make($a, $ar, 'tmp/lk/sub', 0x800001ed);
main::make($a, $ar, 'tmp/lk/sub/f', 0644, 'outside now');
main::make($a, $ar, 'tmp/lk/sub/g', 0644, 'me too');
my $ff = $a->walk_to($ar, 'tmp/lk/sub/f');
my $fg = $a->walk_to($ar, 'tmp/lk/sub/g');
my $out = "$main::GDIR/mnt-b/lk-out";
ok(rename("$main::GDIR/mnt-b/ten/tmp/lk", $out), 'through the other mount: tmp/lk moved out of the served directory') or diag("rename: $!");
# relative: through A's mount it names the directory on A's mount
ok(symlink('../../lk-out', "$main::GDIR/mnt-b/ten/tmp/lk"), 'and a link to it made as tmp/lk') or diag("symlink: $!");
ok(-d "$main::GDIR/mnt-a/ten/tmp/lk/sub", 'which A\'s mount follows to it');
is_rerror($a->remove($ff), 'file does not exist', 'A: remove through the fid: the file is gone for this tree');
ok(-e "$out/sub/f", 'the file outside the tree is not removed');
is_rerror($a->wstat($fg, name => 'h'), 'file does not exist', 'A: wstat (rename) likewise');
ok(-e "$out/sub/g" && !-e "$out/sub/h", 'nor is it renamed');
unlink "$main::GDIR/mnt-b/ten/tmp/lk";



=== TEST 15: through libgfapi, a directory renamed above a fid through the same server or the other: the fid's wstat and remove still work (the bricks know a directory's path)
--- perl
my ($a, $ar) = main::glenda($main::A);
my ($b, $br) = main::glenda($main::B);
main::make($b, $br, 'tmp/ganc', 0x800001ed);
main::make($b, $br, 'tmp/ganc/x', 0644, 'under ganc');
main::make($b, $br, 'tmp/ganc/z', 0644, 'z too');
my $fx = $b->walk_to($br, 'tmp/ganc/x');
my $fz = $b->walk_to($br, 'tmp/ganc/z');
my $fd = $b->walk_to($br, 'tmp/ganc');
is_9p($b->wstat($fd, name => 'ganc2'), 'Rwstat', 'B renames ganc to ganc2');
is_9p($b->wstat($fx, name => 'y'), 'Rwstat', 'B renames x through its fid');
is(main::cat($b, $br, 'tmp/ganc2/y'), 'under ganc', 'tmp/ganc2/y');
is_9p($b->remove($fx), 'Rremove', 'and removes it');
is_9p($a->wstat($a->walk_to($ar, 'tmp/ganc2'), name => 'ganc3'), 'Rwstat', 'A renames ganc2 to ganc3');
is_9p($b->wstat($fz, name => 'w'), 'Rwstat', 'B renames z through its fid');
is(main::cat($a, $ar, 'tmp/ganc3/w'), 'z too', 'A finds tmp/ganc3/w');
is_9p($b->remove($fz), 'Rremove', 'B removes it');
is(main::cat($a, $ar, 'tmp/ganc3/w'), 'no such name', 'gone for A');



=== TEST 16: through libgfapi, a directory moved out of the tree (a link left in its place): B's fids below it change nothing there
--- perl
my ($b, $br) = main::glenda($main::B);
main::make($b, $br, 'tmp/gesc', 0x800001ed);
main::make($b, $br, 'tmp/gesc/sub', 0x800001ed);
main::make($b, $br, 'tmp/gesc/sub/f', 0644, 'outside now');
main::make($b, $br, 'tmp/gesc/sub/g', 0644, 'me too');
my $ff = $b->walk_to($br, 'tmp/gesc/sub/f');
my $fg = $b->walk_to($br, 'tmp/gesc/sub/g');
my $out = "$main::GDIR/mnt-a/gesc-out";
ok(rename("$main::GDIR/mnt-a/ten/tmp/gesc", $out), 'through a mount: tmp/gesc moved out of the served directory') or diag("rename: $!");
ok(symlink('../../gesc-out', "$main::GDIR/mnt-a/ten/tmp/gesc"), 'a link to it left as tmp/gesc') or diag("symlink: $!");
is_rerror($b->remove($ff), 'file does not exist', 'B: remove through the fid refused');
ok(-e "$out/sub/f", 'the file outside the tree is not removed');
is_rerror($b->wstat($fg, name => 'h'), 'file does not exist', 'B: wstat (rename) likewise');
ok(-e "$out/sub/g" && !-e "$out/sub/h", 'nor is it renamed');
unlink "$main::GDIR/mnt-a/ten/tmp/gesc";



=== TEST 14: B stops at SIGTERM, exit status 0; under ASan no leak of ten-vfs's own (libgfapi's are its own: no glfs_fini)
--- perl
my $status = $main::B->stop(30);
my $text = $main::B->log_text;
if ($text =~ /ERROR: LeakSanitizer/) {
    is($status, 1, "B stopped; status 1 from LeakSanitizer's report");
    diag($1) if $text =~ /^(SUMMARY: AddressSanitizer: .*)$/m;
} else {
    is($status, 0, 'B stopped, exit status 0');
}
# LeakSanitizer's reports: each "Direct leak of ..." up to a blank line
my @direct = $text =~ /^(Direct leak of .*?)(?=^\s*$)/msg;
my @mine = grep { m{ in \w+ \S*services/vfs/} } @direct;
is(scalar @mine, 0, 'no direct leak allocated by ten-vfs itself') or diag(join "\n", @mine);
