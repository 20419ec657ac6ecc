# Rescue mode (DESIGN.md §3, seed roadmap 1.1): while the boot service
# cannot be reached, a bootstrap attach gets the worker's RAM tree as /
# (a README says why), the kernel's /dev and factotum when it answers.
# When the VFS is back, new attaches get the usual namespace.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;

kernel_each_block();
run_tests();

sub bootstrap {
    my $c = kclient();
    my $r = $c->attach(0, 'none', '');
    die "bootstrap attach: " . Ten::NineP::format_msg($r) unless $r->{type} eq 'Rattach';
    return ($c, $r);
}

sub names {
    my ($c, $path) = @_;
    my $fid = $c->walk_to(0, $path) // die "walk $path";
    $c->open($fid, 0);
    my @n = sort map { $_->{name} } $c->read_dir($fid);
    $c->clunk($fid);
    return "@n";
}

sub cat {
    my ($c, $path) = @_;
    my $fid = $c->walk_to(0, $path) // return undef;
    $c->open($fid, 0);
    my $d = $c->read_all($fid);
    $c->clunk($fid);
    return $d;
}

__DATA__

=== TEST 1: the VFS down: bootstrap sessions get the rescue tree, the log says so once
--- down
--- perl
my ($c, $r) = main::bootstrap();
is_9p($r, 'Rattach qid=(0x80 * *)', 'a bootstrap attach works');
is(main::names($c, '/'), 'README dev', '/ holds a README and dev');
like(main::cat($c, '/README'), qr/rescue mode.*Why: vfs unavailable: cannot connect\n$/s, 'the README says why');
is(main::names($c, '/dev'), 'ns nsctl sysname user', "/dev is the kernel's");
is(main::cat($c, '/dev/ns'), "bind '#c' /dev\n", '/dev/ns');
main::bootstrap() for 1 .. 3;
my $log = do { local $/; open my $fh, '<', Test::Ten::servroot() . '/logs/error.log'; <$fh> };
is(scalar(() = $log =~ /rescue mode: vfs unavailable/g), 1, 'the error log says so once, not per session');



=== TEST 2: the rescue tree is writable, bounded by ninep_rescue_size, and the README read-only
--- down
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_rescue_size 16k;
    }
--- perl
my ($c) = main::bootstrap();
$c->walk(0, 1);
is_9p($c->create(1, 'notes', 0644, 1), 'Rcreate qid=(0 * *) iounit=*', 'create /notes');
is_9p($c->write(1, 0, "kept in memory\n"), 'Rwrite count=15', 'write it');
$c->clunk(1);
is(main::cat($c, '/notes'), "kept in memory\n", 'read it back');
$c->walk(0, 2);
is_9p($c->create(2, 'd', 0x80000000 | 0755, 0), 'Rcreate qid=(0x80 * *) iounit=*', 'mkdir /d');
$c->clunk(2);
$c->walk(0, 3, 'd');
$c->create(3, 'inner', 0644, 1);
$c->clunk(3);
is(main::names($c, '/'), 'README d dev notes', '/ lists them');
is(main::names($c, '/d'), 'inner', '/d too');
my $ls = $c->walk_to(0, '');
$c->open($ls, 0);
is_9p($c->read($ls, 0, 10), 'Rread data=""', 'a count too small for an entry: nothing, no error');
isnt(length $c->read($ls, 0, 8192)->{data}, 0, 'then the entries, from the same place');
$c->clunk($ls);
my $d = $c->walk_to(0, 'd');
is_rerror($c->remove($d), 'directory is not empty', 'a full directory stays');
is_9p($c->remove($c->walk_to(0, 'd/inner')), 'Rremove', 'remove /d/inner');
is_9p($c->remove($c->walk_to(0, 'd')), 'Rremove', 'then /d');
my $big = $c->walk_to(0, '');
$c->create($big, 'big', 0644, 1);
is_9p($c->write($big, 0, 'x' x 8000), 'Rwrite count=8000', 'write 8000 bytes');
is_rerror($c->write($big, 8000, 'x' x 8000), 'file system is full', 'another 8000: more than ninep_rescue_size');
my $rm = $c->walk_to(0, 'README');
is_rerror($c->open($rm, 1), 'permission denied', 'the README cannot be written');
is_rerror($c->remove($c->walk_to(0, 'README')), 'permission denied', 'nor removed');
my ($c2) = main::bootstrap();
is(main::cat($c2, '/notes'), "kept in memory\n", "another session of the worker sees it");
is_9p($c2->walk($c2->walk_to(0, 'dev'), 9, '..', 'notes'), 'Rwalk wqid=[(0x80 * *) (0 * *)]',
    '.. from /dev leads back into the rescue tree');



=== TEST 3: the VFS back: new attaches get the usual namespace without a reload
--- down
--- perl
my ($c) = main::bootstrap();
is(main::names($c, '/'), 'README dev', 'rescue while it is down');
kvfs->start;
kernel_prepare();
my $n;
wait_for(sub { my ($c2) = main::bootstrap(); $n = main::names($c2, '/'); $n eq 'dev' }, 15);
is($n, 'dev', 'a bootstrap session once it is back: the kernel\'s root again');
is_9p((kattach('glenda'))[2], 'Rattach qid=*', 'ticket attaches work again');
is(main::cat($c, '/README') =~ /rescue mode/ ? 1 : 0, 1, 'the old session keeps its rescue tree');
--- error_log
rescue mode over: the boot service is back



=== TEST 4: a ticket attach while the VFS is down: refused, unless the ticket was just verified
--- perl
my ($g) = kattach($ENV{TEST_NGINX_TICKET});
my $uncached = plant_ticket(user => 'alice');
kvfs->stop;
my ($c) = kclient();
my $r = $c->attach(5, 'x', $ENV{TEST_NGINX_TICKET});
is_9p($r, 'Rattach qid=(0x80 * *)', 'the ticket verified moments ago attaches');
$c->walk(5, 6, 'dev', 'user');
$c->open(6, 0);
is($c->read(6, 0, 100)->{data}, 'glenda', 'as glenda');
$c->walk(5, 7, 'README');
is_9p($c->open(7, 0), 'Ropen qid=* iounit=*', 'in the rescue tree');
my $r2 = kclient()->attach(0, 'x', $uncached);
like($r2->{ename} // '', qr/^vfs unavailable: /, 'a ticket not verified lately: vfs unavailable');



=== TEST 5: reload with every backend down; factotum in the rescue namespace when it answers
--- down
--- factotum
--- perl
my ($c) = main::bootstrap();
is(main::names($c, '/dev'), 'factotum ns nsctl sysname user', '/dev/factotum is there');
is_9p($c->walk(0, 1, 'dev', 'factotum', 'proto'), 'Rwalk wqid=[* * *]', 'walk to /dev/factotum/proto');
is_9p($c->open(1, 0), 'Ropen qid=* iounit=*', 'open it');
is($c->read(1, 0, 100)->{data}, "pass\npasswd\n", 'and it answers');
kill HUP => Test::Ten::master_pid();
my $ok = wait_for(sub { my ($c2) = eval { main::bootstrap() }; $c2 && main::names($c2, '/') eq 'README dev' }, 10);
ok($ok, 'after a reload: still rescue mode');
