# Union mounts (DESIGN.md §3): -a and -b put a member after or before
# what is at a point (the directory there joins the union), no flag
# replaces it, -c says where Tcreate goes.  A name is looked up in each
# member in order; reading a union merges its members, first name wins,
# and lists the mount points below a directory that the directory lacks.
# vfs has /bin with "same" and "one"; vfs2 has /bin with "same", "two"
# and "sub/deep".

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Ten::VFS qw(disk_xattr);

kernel_each_block();
add_block_preprocessor(sub {
    my $b = shift;
    $b->set_value(namespace => "mount vfs /\nmount -a vfs2 /bin bin\n")
        unless defined $b->namespace;
    $b->set_value(vfs2 => '') unless defined $b->vfs2;
    $b->set_value(setup => <<'SH') unless defined $b->setup;
mkdir -p bin "$VFS2/bin/sub"
printf 'vfs' > bin/same
printf 'one' > bin/one
printf 'vfs2' > "$VFS2/bin/same"
printf 'two' > "$VFS2/bin/two"
printf 'deep' > "$VFS2/bin/sub/deep"
SH
});
run_tests();

sub ino1 { (stat Ten::Kernel::kvfs()->path($_[0]))[1] }
sub ino2 { (stat Ten::Kernel::kvfs2()->path($_[0]))[1] }
sub paths { my ($r) = @_; return [map { $_->[2] } @{ $r->{wqid} || [] }] }

# The content of the file at @path, read through the kernel.
sub cat {
    my ($c, $root, @path) = @_;
    my $fid = $c->newfid;
    my $r = $c->walk($root, $fid, @path);
    return "walk: $r->{ename}" if $r->{type} eq 'Rerror';
    $c->open($fid, 0);
    my $data = $c->read_all($fid);
    $c->clunk($fid);
    return $data;
}

# name => length of the entries of the directory at @path.
sub listing {
    my ($c, $root, $count, @path) = @_;
    my $fid = $c->newfid;
    $c->walk($root, $fid, @path);
    $c->open($fid, 0);
    my %l = map { $_->{name} => $_->{length} } $c->read_dir($fid, $count);
    $c->clunk($fid);
    return \%l;
}

__DATA__

=== TEST 1: -a: names are looked up in each member in order
--- perl
my ($c, $root) = kattach('glenda');
is(main::cat($c, $root, 'bin', 'same'), 'vfs', "/bin/same is vfs's: its member comes first");
is(main::cat($c, $root, 'bin', 'one'), 'one', '/bin/one, only in vfs');
is(main::cat($c, $root, 'bin', 'two'), 'two', '/bin/two, only in vfs2: the second member');
my $r = $c->walk($root, 1, 'bin', 'sub', 'deep');
is_9p($r, 'Rwalk wqid=[(0x80 * *) (0x80 * *) (0 * *)]', 'bin sub deep in one Twalk');
is_deeply(main::paths($r), [main::ino1('bin'), main::ino2('bin/sub'), main::ino2('bin/sub/deep')],
    "the union's qid is its first member's; sub and deep are vfs2's");
$r = $c->walk($root, 2, 'bin', 'sub', '..', 'one');
is_deeply(main::paths($r), [main::ino1('bin'), main::ino2('bin/sub'), main::ino1('bin'), main::ino1('bin/one')],
    '.. from a member leads back to the union, where vfs has one');
is_9p($c->walk($root, 3, 'bin', 'nothing'), 'Rwalk wqid=[(0x80 * *)]',
    'a name in no member: a short walk');
$c->walk($root, 5, 'bin');
is_9p($c->walk(5, 3, 'nothing'), 'Rerror ename="file does not exist"', 'an Rerror when it is the first name');
$c->walk($root, 4, 'bin');
is_9p($c->walk(4, 4, 'two'), 'Rwalk wqid=[(0 * *)]', 'newfid = fid: found in the second member');
is($c->stat(4)->{stat}{qid}[2], main::ino2('bin/two'), "the fid moved to vfs2's file");
$c->clunk($_) for 1, 2, 4, 5;
$c->close;
my $k1 = kvfs->wait_counts(sub { $_[0]{fids} <= 1 }, 2);
my $k2 = kvfs2->wait_counts(sub { $_[0]{fids} <= 1 }, 2);
is($k1->{fids}, 1, "vfs after the session: only the kernel's own fid");
is($k2->{fids}, 1, "vfs2 after the session: only the kernel's own fid");



=== TEST 2: reading a union merges its members; the first name wins; small reads go on
--- perl
my ($c, $root) = kattach('glenda');
my $l = main::listing($c, $root, 8192, 'bin');
is_deeply([sort keys %$l], [qw(one same sub two)], '/bin lists both members, same once');
is($l->{same}, 3, "same is vfs's (3 bytes), the first member's");
my $small = main::listing($c, $root, 90, 'bin');
is_deeply($small, $l, 'read 90 bytes at a time: the same entries');
$c->walk($root, 1, 'bin');
$c->open(1, 0);
my $first = $c->read(1, 0, 90);
is_9p($first, 'Rread data=*', 'a first short read');
is_rerror($c->read(1, 7, 90), 'bad offset in directory read', 'an offset that is not where the last read ended');
is_9p($c->read(1, length($first->{data}), 10), 'Rread data=""', 'a count smaller than an entry: what fits, nothing');
is_9p($c->read(1, length($first->{data}), 8192), 'Rread data=*', 'then on from where it ended');
unlink kvfs2->path('bin/two');
my %again = map { $_->{name} => 1 } Ten::Client::parse_stats($c->read(1, 0, 8192)->{data});
ok(!$again{two} && $again{one}, 'offset 0 reads the members afresh');
$c->clunk(1);
$c->close;
my $k2 = kvfs2->wait_counts(sub { $_[0]{fids} <= 1 }, 2);
is($k2->{fids}, 1, "vfs2: the members' fids of each read are clunked");



=== TEST 3: -b puts the new member first; no flag replaces the union
--- namespace
mount vfs /
mount -b vfs2 /bin bin
mount vfs2 /tmp bin
--- perl
my ($c, $root) = kattach('glenda');
is(main::cat($c, $root, 'bin', 'same'), 'vfs2', "-b: /bin/same is vfs2's");
is(main::cat($c, $root, 'bin', 'one'), 'one', "and vfs's /bin is still there, after it");
is(main::listing($c, $root, 8192, 'bin')->{same}, 4, "the listing's same is vfs2's");
is(main::cat($c, $root, 'tmp', 'two'), 'two', 'no flag: /tmp is vfs2/bin');
my %tmp = %{ main::listing($c, $root, 8192, 'tmp') };
is_deeply([sort keys %tmp], [qw(same sub two)], "and only that: vfs's /tmp is hidden");
$c->walk($root, 1, 'dev', 'ns');
$c->open(1, 0);
is($c->read_all(1), "mount vfs /\nmount -b vfs2 /bin bin\nmount vfs2 /tmp bin\nbind '#c' /dev\n",
    '/dev/ns writes the flags');



=== TEST 4: Tcreate in a union goes to its -c member, and nowhere without one
--- namespace
mount vfs /
mount -a vfs2 /bin bin
mount -ac vfs2 /usr/glenda usr/glenda
--- perl
my ($c, $root) = kattach('glenda');
$c->walk($root, 1, 'bin');
is_rerror($c->create(1, 'new', 0644, 1), 'mounted directory forbids creation', 'no -c member in /bin');
ok(!-e kvfs->path('bin/new') && !-e kvfs2->path('bin/new'), 'nothing was made');
$c->walk($root, 2, 'usr', 'glenda');
is_9p($c->create(2, 'made', 0644, 1), 'Rcreate qid=(0 * *) iounit=*', 'create in /usr/glenda: the -c member is vfs2');
is_9p($c->write(2, 0, 'abc'), 'Rwrite count=3', 'write to it');
ok(-e kvfs2->path('usr/glenda/made') && !-e kvfs->path('usr/glenda/made'), 'the file is in vfs2, not vfs');
is(disk_xattr(kvfs2->path('usr/glenda/made'), 'user.ten.uid'), 'glenda', "and glenda's");
is($c->stat(2)->{stat}{name}, 'made', 'the fid is the new file');
is(main::cat($c, $root, 'usr', 'glenda', 'made'), 'abc', 'a walk finds it in the second member');
$c->clunk($_) for 1, 2;
$c->close;
my $k2 = kvfs2->wait_counts(sub { $_[0]{fids} <= 1 }, 2);
is($k2->{fids}, 1, "vfs2: the fid made for the create is clunked with the client's");



=== TEST 5: a -c first member takes the create the usual way
--- namespace
mount vfs /
mount -bc vfs2 /usr/glenda usr/glenda
--- perl
my ($c, $root) = kattach('glenda');
$c->walk($root, 1, 'usr', 'glenda');
is_9p($c->create(1, 'first', 0644, 1), 'Rcreate qid=* iounit=*', 'create in /usr/glenda');
ok(-e kvfs2->path('usr/glenda/first') && !-e kvfs->path('usr/glenda/first'), 'made by the first member, vfs2');



=== TEST 6: mount points show in their parent's listing when the directory there lacks them
--- namespace
mount vfs /
mount vfs2 /newpoint bin
mount vfs2 /tmp/two
--- perl
my ($c, $root) = kattach('glenda');
my $fid = $c->newfid;
$c->walk($root, $fid, ());
$c->open($fid, 0);
my %st = map { $_->{name} => $_ } $c->read_dir($fid);
ok($st{newpoint}, '/newpoint is listed though vfs has no such directory');
is($st{newpoint}{qid}[2], main::ino2('bin'), "with the stat of the mounted root");
ok($st{dev}, "and /dev, the kernel's");
ok($st{lib} && $st{tmp}, "beside vfs's own entries");
is(scalar(grep { $_->{name} eq 'tmp' } $c->read_dir($fid)), 1, 'each name once');
my %tmp = %{ main::listing($c, $root, 8192, 'tmp') };
ok(exists $tmp{two}, '/tmp lists the point two below it');
is_9p($c->walk($root, 50, 'newpoint', 'two'), 'Rwalk wqid=[(0x80 * *) (0 * *)]', 'and the point can be walked');



=== TEST 7: /dev is the kernel's device bound before the tree's /dev
--- setup
mkdir -p dev bin "$VFS2/bin"
printf 'console\n' > dev/cons
--- perl
my ($c, $root) = kattach('glenda');
my %l = %{ main::listing($c, $root, 8192, 'dev') };
is_deeply([sort keys %l], [qw(cons ns nsctl sysname user)], "the kernel's files and vfs's /dev/cons");
is(main::cat($c, $root, 'dev', 'cons'), "console\n", '/dev/cons is read from vfs');
is(main::cat($c, $root, 'dev', 'user'), 'glenda', "/dev/user is the kernel's");
is(main::cat($c, $root, 'dev', 'ns'), "mount vfs /\nmount -a vfs2 /bin bin\nbind -b '#c' /dev\n",
    '/dev/ns: the union at /dev, with its -b');
$c->walk($root, 2, 'dev');
is_rerror($c->walk(2, 1, 'nothing'), 'file does not exist', 'in neither member: the last one says so');
is_9p($c->walk($root, 1, 'dev', 'nothing'), 'Rwalk wqid=[(0x80 * *)]', 'a short walk from the root');



=== TEST 8: nsctl: -a, -b and unmount of one member or of the whole union; bad flags
--- namespace
mount vfs /
--- perl
my ($c, $root) = kattach('glenda');
$c->walk($root, 1, 'dev', 'nsctl');
$c->open(1, 1);
my $ctl = sub { $c->write(1, 0, $_[0]) };
is_9p($c->walk($root, 2, 'bin', 'two'), 'Rwalk wqid=[*]', 'no /bin/two at first: a short walk');
is_9p($ctl->('mount -a vfs2 /bin bin'), 'Rwrite count=22', 'mount -a vfs2 /bin bin');
is(main::cat($c, $root, 'bin', 'two'), 'two', '/bin/two now');
is(main::cat($c, $root, 'bin', 'same'), 'vfs', "/bin/same still vfs's");
is_9p($ctl->('bind -b /usr/glenda /bin'), 'Rwrite count=24', 'bind -b /usr/glenda /bin');
is(main::cat($c, $root, 'dev', 'ns'),
   "mount vfs /\nbind '#c' /dev\nbind -b /usr/glenda /bin\nmount -a vfs2 /bin bin\n", '/dev/ns has the union in order');
is_9p($ctl->('unmount vfs2 /bin'), 'Rwrite count=17', 'unmount vfs2 /bin: that member only');
is_9p($c->walk($root, 2, 'bin', 'two'), 'Rwalk wqid=[*]', '/bin/two is gone');
is(main::cat($c, $root, 'bin', 'one'), 'one', "vfs's /bin is still there");
is_rerror($ctl->('unmount vfs2 /bin'), 'unmount: not mounted', 'not twice');
is_9p($ctl->('unmount /bin'), 'Rwrite count=12', 'unmount /bin: the whole union');
is(main::cat($c, $root, 'bin', 'one'), 'one', "the directory of vfs underneath is /bin again");
is_rerror($ctl->('mount -ab vfs2 /x'), 'flags: -a or -b, and -c', '-a and -b together');
is_rerror($ctl->('bind -q /tmp /x'), 'flags: -a or -b, and -c', 'an unknown flag');
is_rerror($ctl->('bind -a /nowhere /bin'), 'bind: cannot walk to the source /nowhere',
    'a source that is not there');



=== TEST 9: a member the user may not read is left out of the listing
--- perl
set_xattrs(kvfs2->path('bin'), uid => 'alice', gid => 'alice', mode => 0x80000000 | 0700);
my ($c, $root) = kattach('glenda');
my %l = %{ main::listing($c, $root, 8192, 'bin') };
is_deeply([sort keys %l], [qw(one same)], "only vfs's entries");
is(main::cat($c, $root, 'bin', 'one'), 'one', "and vfs's files still open");



=== TEST 10b: composed listings held by fids are bounded per session and per worker; one read to its end is let go
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_service vfs2 ten_vfs2;
        ninep_union_dir_max 4k;
        ninep_union_dir_session 8k;
        ninep_union_dir_worker 12k;
    }
--- perl
my ($c, $root) = kattach('glenda');
my $held = sub {
    my ($c, $fid) = @_;
    $c->walk($root, $fid, 'bin');
    $c->open($fid, 0);
    return $c->read($fid, 0, 90);
};
my $part = $held->($c, 1);
is_9p($part, 'Rread data=*', 'a first listing, read in part, is held');
is_9p($held->($c, 2), 'Rread data=*', 'a second one');
is_rerror($held->($c, 3), 'too many directory listings held; read or clunk some',
          'a third is over ninep_union_dir_session');
my $first = length $part->{data};
my $rest = $c->read(1, $first, 8192);
is_9p($c->read(1, $first + length $rest->{data}, 8192), 'Rread data=""', 'fid 1 read to its end');
is_9p($c->read(3, 0, 90), 'Rread data=*', 'which let its listing go: the third fits now');
my ($c2, $root2) = kattach('glenda');
$c2->walk($root2, 1, 'bin');
$c2->open(1, 0);
is_9p($c2->read(1, 0, 90), 'Rread data=*', 'another session holds one');
$c2->walk($root2, 2, 'bin');
$c2->open(2, 0);
is_rerror($c2->read(2, 0, 90), 'too many directory listings held; read or clunk some',
          'a second is over ninep_union_dir_worker');
$c->clunk(2);
is_9p($c2->read(2, 0, 90), 'Rread data=*', 'a clunk in the first session gives it back');
--- error_log
directory listings would hold more than ninep_union_dir_worker



=== TEST 10: ninep_union_dir_max bounds a composed listing
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_service vfs2 ten_vfs2;
        ninep_union_dir_max 200;
    }
--- perl
my ($c, $root) = kattach('glenda');
$c->walk($root, 1, 'bin');
is_9p($c->open(1, 0), 'Ropen qid=* iounit=*', 'open /bin');
is_rerror($c->read(1, 0, 8192), 'union directory too large', 'four entries do not fit in 200 bytes');
$c->walk($root, 2, 'bin', 'sub');
$c->open(2, 0);
is_9p($c->read(2, 0, 8192), 'Rread data=*', "a member's own directory is not composed: no limit");
