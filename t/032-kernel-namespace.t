# Walks across mounts: `mount vfs /` and `mount vfs2 /n/two` (a second
# ten-vfs behind a second upstream).  One Twalk or many, into a mount and
# back out with `..`; the qids are those of the service that owns each
# step, short Rwalks when a later name fails, and no backend fid is left
# behind by stepping stones.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Ten::VFS qw(disk_xattr);

kernel_each_block();
add_block_preprocessor(sub {
    my $b = shift;
    $b->set_value(namespace => "mount vfs /\nmount vfs2 /n/two\n") unless defined $b->namespace;
    $b->set_value(vfs2 => '') unless defined $b->vfs2;
    $b->set_value(setup => <<'SH') unless defined $b->setup;
mkdir -p n/two
mkdir "$VFS2/d"
printf 'in vfs2\n' > "$VFS2/file"
printf 'inner\n' > "$VFS2/d/inner"
printf 'in vfs\n' > tmp/vfsfile
SH
});
run_tests();

sub ino1 { (stat Ten::Kernel::kvfs()->path($_[0]))[1] }
sub ino2 { (stat Ten::Kernel::kvfs2()->path($_[0]))[1] }

# the qid paths of a reply's wqid
sub paths { my ($r) = @_; return [map { $_->[2] } @{ $r->{wqid} || [] }] }

__DATA__

=== TEST 1: one Twalk into the second mount, and back out with .. to /tmp of the first
--- perl
my ($c, $root) = kattach('glenda');
my $r = $c->walk($root, 1, 'n', 'two', 'file');
is_9p($r, 'Rwalk wqid=[(0x80 * *) (0x80 * *) (0 * *)]', '/ -> n -> two -> file in one Twalk');
is_deeply(main::paths($r), [main::ino1('n'), main::ino2(''), main::ino2('file')],
    "n is vfs's, two is vfs2's root, file is vfs2's");
is_9p($c->open(1, 0), 'Ropen qid=(0 * *) iounit=*', 'open it');
is_9p($c->read(1, 0, 100), qq(Rread data="in vfs2\\n"), "and read vfs2's bytes");

$r = $c->walk($root, 2, 'n', 'two', 'd', '..', '..', '..', 'tmp', 'vfsfile');
is_9p($r, 'Rwalk wqid=[* * * * * * * *]', 'n two d .. .. .. tmp vfsfile in one Twalk');
is_deeply(main::paths($r), [main::ino1('n'), main::ino2(''), main::ino2('d'), main::ino2(''),
    main::ino1('n'), main::ino1(''), main::ino1('tmp'), main::ino1('tmp/vfsfile')],
    'each step on the service that owns it');
is_9p($c->open(2, 0), 'Ropen qid=* iounit=*', 'open /tmp/vfsfile');
is_9p($c->read(2, 0, 100), qq(Rread data="in vfs\\n"), "it is vfs's file");

$r = $c->walk($root, 3, 'n', 'two');
is_9p($r, 'Rwalk wqid=[(0x80 * *) (0x80 * *)]', 'walk to the mount point');
is($r->{wqid}[1][2], main::ino2(''), "the qid at /n/two is vfs2's root");
isnt($r->{wqid}[1][2], main::ino1('n/two'), "not the directory underneath on vfs");
is_9p($c->stat(3), 'Rstat stat={type=* dev=* qid=(0x80 * *) mode=* atime=* mtime=* length=* name=* uid=* gid=* muid=*}', 'stat there');
is($c->stat(3)->{stat}{qid}[2], main::ino2(''), "the stat is vfs2's root's");
is_9p($c->open(3, 0), 'Ropen qid=(0x80 * *) iounit=*', 'open it');
my @names = sort map { $_->{name} } $c->read_dir(3);
is_deeply(\@names, [qw(adm d file lib priv tmp usr)], "reading it lists vfs2's root");



=== TEST 2: the same walks one name at a time
--- perl
my ($c, $root) = kattach('glenda');
my @steps = (['n', main::ino1('n')], ['two', main::ino2('')], ['d', main::ino2('d')],
    ['inner', main::ino2('d/inner')]);
my $from = $root;
my $fid = 10;
for my $s (@steps) {
    my $r = $c->walk($from, $fid, $s->[0]);
    is_9p($r, 'Rwalk wqid=[*]', "walk $s->[0]");
    is(main::paths($r)->[0], $s->[1], "$s->[0]: the right qid");
    $from = $fid++;
}
my $r = $c->walk(12, 20, '..');
is_9p($r, 'Rwalk wqid=[*]', 'from /n/two/d: ..');
is(main::paths($r)->[0], main::ino2(''), '.. is the root of vfs2');
$r = $c->walk(20, 21, '..');
is(main::paths($r)->[0], main::ino1('n'), '.. from the root of vfs2 is /n of vfs');
$r = $c->walk(21, 22, '..');
is(main::paths($r)->[0], main::ino1(''), '.. again is the root of vfs');
$r = $c->walk(22, 23, 'tmp');
is(main::paths($r)->[0], main::ino1('tmp'), 'and tmp is /tmp of vfs');
$r = $c->walk(22, 24, '..');
is(main::paths($r)->[0], main::ino1(''), '.. at / stays at /');
# a clone at the mount point stays in vfs2
is_9p($c->walk(11, 26), 'Rwalk wqid=[]', 'clone the fid at /n/two');
$r = $c->walk(26, 27, 'file');
is(main::paths($r)->[0], main::ino2('file'), "the clone walks in vfs2");
# a fid moved in place across the mount
is_9p($c->walk(26, 26, '..', 'two', 'd'), 'Rwalk wqid=[* * *]', 'newfid = fid: .. two d');
is($c->stat(26)->{stat}{qid}[2], main::ino2('d'), 'the fid moved to /n/two/d');



=== TEST 3: short Rwalks when a later name fails, on either side of a mount
--- perl
my ($c, $root) = kattach('glenda');
my $r = $c->walk($root, 1, 'n', 'two', 'nonexistent');
is_9p($r, 'Rwalk wqid=[(0x80 * *) (0x80 * *)]', 'n two nonexistent: two qids');
is_deeply(main::paths($r), [main::ino1('n'), main::ino2('')], 'n and the root of vfs2');
is_9p($c->stat(1), 'Rerror ename="unknown fid"', 'no newfid');
$r = $c->walk($root, 1, 'n', 'two', 'd', 'nonexistent', 'x');
is_9p($r, 'Rwalk wqid=[* * *]', 'n two d nonexistent x: three qids');
$r = $c->walk($root, 1, 'n', 'nonexistent', 'two');
is_9p($r, 'Rwalk wqid=[*]', 'n nonexistent two: one qid');
$r = $c->walk($root, 1, 'n', 'two', 'file', 'x');
is_9p($r, 'Rwalk wqid=[* * *]', 'through a file of vfs2: three qids');
$r = $c->walk($root, 1, 'n', 'two', '..', '..', 'nonexistent');
is_9p($r, 'Rwalk wqid=[* * * *]', 'back out of the mount, then a name that fails: four qids');
is_9p($c->walk($root, 1, 'nonexistent', 'n'), 'Rerror ename="file does not exist"', 'the first name fails: Rerror');
is_9p($c->stat(1), 'Rerror ename="unknown fid"', 'still no newfid');
# newfid = fid: a short walk leaves the fid where it was
is_9p($c->walk($root, 2), 'Rwalk wqid=[]', 'a clone of the root');
is_9p($c->walk(2, 2, 'n', 'two', 'nonexistent'), 'Rwalk wqid=[* *]', 'newfid = fid: a short walk');
is($c->stat(2)->{stat}{qid}[2], main::ino1(''), 'the fid is still the root of vfs');



=== TEST 4: files made through the mount land in vfs2 as glenda
--- perl
my ($c, $root) = kattach('glenda');
my $two = $c->walk_to($root, 'n/two/tmp');
ok(defined $two, 'walk to /n/two/tmp');
is_9p($c->create($two, 'made', 0644, 1), 'Rcreate qid=* iounit=*', 'create there');
is_9p($c->write($two, 0, 'abc'), 'Rwrite count=3', 'write');
ok(-e kvfs2->path('tmp/made') && !-e kvfs->path('n/two/tmp/made'), 'the file is in vfs2');
is(disk_xattr(kvfs2->path('tmp/made'), 'user.ten.uid'), 'glenda', "and glenda's");
is_9p($c->clunk($two), 'Rclunk', 'clunk it');
$c->close;
my $k1 = kvfs->wait_counts(sub { $_[0]{fids} <= 1 }, 1);
my $k2 = kvfs2->wait_counts(sub { $_[0]{fids} <= 1 }, 1);
is($k1->{fids}, 1, "vfs after the session: only the kernel's own fid");
is($k2->{fids}, 1, "vfs2 after the session: only the kernel's own fid");



=== TEST 5: walks across the mount leave no backend fid behind (each walk three times, clunked)
--- perl
my ($c, $root) = kattach('glenda');
# a few fids first, so that fid numbers differ between the two services
my @hold = map { $c->walk_to($root, 'tmp') } 1 .. 3;
my @walks = ([qw(n two)], [qw(n two d)], [qw(n two file)], [qw(n two d inner)],
    [qw(n two d .. .. .. tmp)], [qw(n two .. two d)], [qw(n two d .. .. tmp)],
    [qw(n two nonexistent)], [qw(n two d nonexistent)],
    [qw(n two d .. .. .. n two nonexistent)], [qw(n two d .. .. nonexistent)]);
my $base1 = kvfs->counts->{fids};
my $base2 = kvfs2->counts->{fids};
is($base2, 2, 'vfs2 holds the kernel fid and the mount of /n/two');
for my $w (@walks) {
    my $complete = 0;
    for (1 .. 3) {
        my $r = $c->walk($root, 50, @$w);
        if ($r->{type} eq 'Rwalk' && @{ $r->{wqid} } == @$w) {
            $complete++;
            $c->clunk(50);
        }
    }
    my $k1 = kvfs->wait_counts(sub { $_[0]{fids} <= $base1 }, 0.3);
    my $k2 = kvfs2->wait_counts(sub { $_[0]{fids} <= $base2 }, 0.3);
    ok($k1->{fids} == $base1 && $k2->{fids} == $base2,
        "walk @$w (" . ($complete ? 'complete' : 'short') . "): no fid left on either service")
        or diag("vfs fids $base1 -> $k1->{fids}, vfs2 fids $base2 -> $k2->{fids}");
    ($base1, $base2) = ($k1->{fids}, $k2->{fids});
}
# the fid itself moved across the mount and back
is_9p($c->walk($hold[0], $hold[0], '..', 'n', 'two', 'd'), 'Rwalk wqid=[* * * *]', 'fid = newfid: .. n two d');
is_9p($c->walk($hold[0], $hold[0], '..', '..', '..', 'tmp'), 'Rwalk wqid=[* * * *]', 'and back: .. .. .. tmp');
my $k1 = kvfs->wait_counts(sub { $_[0]{fids} <= $base1 }, 0.3);
my $k2 = kvfs2->wait_counts(sub { $_[0]{fids} <= $base2 }, 0.3);
ok($k1->{fids} == $base1 && $k2->{fids} == $base2, 'moving a fid in place leaves nothing behind')
    or diag("vfs fids $base1 -> $k1->{fids}, vfs2 fids $base2 -> $k2->{fids}");



=== TEST 6: on the wire: a walk inside one service is one backend Twalk; Tflush-free, tags remapped
--- tap
--- perl
my ($c, $root) = kattach('glenda');
my $n1 = () = ktap->lines;
my $n2 = () = ktap2->lines;
is_9p($c->walk($root, 1, 'usr', 'glenda', '..', 'alice'), 'Rwalk wqid=[* * * *]', 'usr glenda .. alice');
my @w1 = grep { /> Twalk/ } ktap->since($n1);
is(scalar @w1, 1, 'one Twalk to vfs') or diag(join "\n", ktap->since($n1));
like($w1[0] // '', qr/wname=\[usr glenda \.\. alice\]$/, 'with all four names');
is(scalar(grep { /Twalk/ } ktap2->since($n2)), 0, 'nothing to vfs2');
$n1 = () = ktap->lines;
is_9p($c->walk($root, 2, 'n', 'two', 'd', 'inner'), 'Rwalk wqid=[* * * *]', 'n two d inner');
my @w2 = grep { /> Twalk/ } ktap2->since($n2);
like($w2[-1] // '', qr/wname=\[d inner\]$/, 'the part inside vfs2 is one Twalk there')
    or diag(join "\n", ktap2->since($n2));
# the user's tag and fid numbers are not the ones on the wire
$n1 = () = ktap->lines;
my ($tag) = $c->send({ type => 'Tstat', tag => 4321, fid => 1 });
my $r = $c->recv;
is_9p($r, 'Rstat tag=4321 stat=*', 'Rstat with the client tag');
my ($line) = grep { /> Tstat/ } ktap->since($n1);
ok($line && $line !~ /tag=4321/, 'the backend saw its own tag') or diag($line);



=== TEST 7: a mount of a service the trust file pins but that is down: the attach says so
--- namespace
mount vfs /
mount vfs2 /n/two
--- perl
kvfs2->stop;
my $c = kclient();
my $r = $c->attach(0, 'glenda', $ENV{TEST_NGINX_TICKET});
like($r->{ename} // '', qr/^vfs2 unavailable: /, 'Rerror: vfs2 unavailable')
    or diag(Ten::NineP::format_msg($r));



=== TEST 8: a bind source more than 16 names below its mount is refused, not walked to its 16th name
--- setup
mkdir -p d/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16
printf 'sixteen\n' > d/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/at16
printf 'seventeen\n' > d/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/at17
--- perl
my ($c, $root) = kattach('glenda');
$c->walk($root, 1, 'dev', 'nsctl');
$c->open(1, 1);
my $ctl = sub { $c->write(1, 0, $_[0]) };
is_9p($ctl->('bind /d/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15 /tmp'), 'Rwrite count=*', "16 names below vfs's root: bound");
my $f = $c->walk_to($root, 'tmp/at16');
ok(defined $f, 'and /tmp is that directory');
$c->open($f, 0);
is($c->read($f, 0, 100)->{data}, "sixteen\n", 'its file reads');
is_rerror($ctl->('bind /d/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16 /usr'),
    'bind: more than 16 names to walk to the source /d/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16',
    '17 names: refused, not bound to the 16th');
is_9p($c->walk($root, 2, 'usr', 'glenda'), 'Rwalk wqid=[* *]', '/usr is as it was');
