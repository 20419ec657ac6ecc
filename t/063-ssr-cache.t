# ten-ssr: the page cache (hits read nothing, a write renders afresh, -c 0
# keeps nothing, users apart), many requests at once (a slow render does
# not hold up a stat), and a ten-vfs that restarts under it.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Ten::SSRTest;
use Time::HiRes qw(time sleep);

ssr_each_block();
run_tests();

# Treads that ten-ssr sent to the VFS, in the wiretap's lines.
sub treads { scalar grep { /> Tread / } kssrtap()->lines }

__DATA__

=== TEST 1: a cached page is served without reading the file again; a write renders afresh
--- ssr_tap
--- perl
plant_file(kvfs, 'usr/glenda/c.md', "# one\n", uid => 'glenda', gid => 'glenda', mode => 0644);
my ($c, $root) = kattach('glenda');
like(view($c, $root, 'usr/glenda/c.md'), qr{<h1>one</h1>}, 'the first read renders');
my $n = main::treads();
cmp_ok($n, '>', 0, 'and read the file on the VFS');
like(view($c, $root, 'usr/glenda/c.md'), qr{<h1>one</h1>}, 'the second read');
is(main::treads(), $n, 'came from the cache: no Tread to the VFS');
# a write through the kernel moves the qid version on
my $f = $c->walk_to($root, 'usr/glenda/c.md');
$c->open($f, 0x11);    # OWRITE|OTRUNC
is_9p($c->write($f, 0, "# two\n"), 'Rwrite count=6', 'glenda writes the file');
$c->clunk($f);
like(view($c, $root, 'usr/glenda/c.md'), qr{<h1>two</h1>}, 'the next view shows the change');
cmp_ok(main::treads(), '>', $n, 'read afresh');
my ($a, $aroot) = kattach('alice');
my $m = main::treads();
like(view($a, $aroot, 'usr/glenda/c.md'), qr{<h1>two</h1>}, 'alice reads the same file');
cmp_ok(main::treads(), '>', $m, "alice's page is her own: rendered for her, not glenda's");
my $d = main::treads();
view($c, $root, 'usr/glenda');
view($c, $root, 'usr/glenda');
cmp_ok(main::treads(), '>=', $d + 2, 'directories are listed afresh each time (their version does not follow their files)');



=== TEST 2: -c 0 keeps no page
--- ssr: -c 0
--- ssr_tap
--- perl
plant_file(kvfs, 'tmp/n.md', "# n\n", uid => 'glenda', gid => 'glenda');
my ($c, $root) = kattach('glenda');
view($c, $root, 'tmp/n.md');
my $n = main::treads();
view($c, $root, 'tmp/n.md');
cmp_ok(main::treads(), '>', $n, 'every read renders');



=== TEST 3: concurrent reads: 8 sessions, 40 views pipelined, each page right
--- perl
for my $i (0 .. 9) {
    plant_file(kvfs, "tmp/f$i.md", "# file $i\n\n" . ("para $i\n\n" x (50 * $i + 1)), uid => 'glenda', gid => 'glenda');
}
my @s = map { [ kattach($_ % 2 ? 'alice' : 'glenda') ] } 0 .. 7;
my $bad = 0;
for my $round (1 .. 5) {
    my (%want, @pending);
    for my $k (0 .. 7) {
        my ($c, $root) = @{ $s[$k] };
        my $i = ($k + $round) % 10;
        my $fid = $c->walk_to($root, "view/tmp/f$i.md") // die 'walk';
        my ($tag) = $c->send("Topen fid=$fid mode=0");
        push @pending, [ $c, $fid, $i, $tag ];
    }
    for my $p (@pending) {
        my ($c, $fid, $i, $tag) = @$p;
        my %r = $c->collect([$tag]);
        $bad++ unless $r{$tag}{type} eq 'Ropen';
        my $page = $c->read_all($fid, 4096);
        $bad++ unless $page =~ m{<h1>file $i</h1>} && $page =~ m{</html>\n\z}
            && (() = $page =~ /<p>para $i<\/p>/g) == 50 * $i + 1;
        $c->clunk($fid);
    }
}
is($bad, 0, '40 opens in flight at once, every page whole and its own');



=== TEST 4: a slow render does not hold up a stat on the same connection
--- ssr: -L 8000000
--- perl
plant_file(kvfs, 'tmp/slow.md', "*a* **b** [c](d) `e`\n" x 100000, uid => 'glenda', gid => 'glenda');
plant_file(kvfs, 'tmp/quick.md', "# quick\n", uid => 'glenda', gid => 'glenda');
my ($c, $root) = kattach('glenda');
my $slow = $c->walk_to($root, 'view/tmp/slow.md');
my $quick = $c->walk_to($root, 'view/tmp/quick.md');
my $t0 = time;
my ($to, $ts) = $c->send("Topen fid=$slow mode=0", "Tstat fid=$quick");
my ($first) = $c->recv(10);
is($first->{tag}, $ts, 'the stat is answered first') or diag("first: $first->{type}");
my $r = $first->{tag} == $to ? $first : $c->recv(20);
is($r->{type}, 'Ropen', 'then the slow open');
my $took = time - $t0;
diag(sprintf 'rendering %d KB of Markdown took %.2f s', 100000 * 22 / 1024, $took);
like($c->read($slow, 0, 200)->{data}, qr{^<!DOCTYPE html>}, 'and reads');



=== TEST 5: ten-vfs restarted under ten-ssr: requests fail while it is down, then ten-ssr dials again
--- perl
plant_file(kvfs, 'tmp/r.md', "# restart\n", uid => 'glenda', gid => 'glenda');
my ($c, $root) = kattach('glenda');
like(view($c, $root, 'tmp/r.md'), qr{<h1>restart</h1>}, 'before');
my $fid = $c->walk_to($root, 'view/tmp/r.md');
kvfs->stop;
my $r = $c->open($fid, 0);
is($r->{type}, 'Rerror', 'while the VFS is down: an error');
like($r->{ename}, qr/unavailable|connection/, 'that says why') or diag($r->{ename});
kvfs->start;
my $ok = wait_for(sub { my $p = view($c, $root, 'tmp/r.md'); !ref($p) && $p =~ /<h1>restart<\/h1>/ }, 10, 0.2);
ok($ok, 'after the restart ten-ssr dials again and the view works');
like(kssr()->log_text, qr/lost the connection to vfs/, 'ten-ssr logged the loss');
like(kssr()->log_text, qr/connected to vfs at \S+ again/, 'and the new connection');
kvfs->kill9;
kvfs->start;
$ok = wait_for(sub { my $p = view($c, $root, 'tmp/r.md'); !ref($p) && $p =~ /<h1>restart<\/h1>/ }, 10, 0.2);
ok($ok, 'after kill -9 and a restart as well');
