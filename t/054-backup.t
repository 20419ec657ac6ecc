# Backup servers (`server ... backup;` in an upstream a ninep_service
# uses): the balancer hands them connections only when every primary
# server is down or failed; a session whose server dies goes on there
# through the stale-fid recovery, and nothing it was told was written is
# lost.  A connection made to a backup stays on it until it breaks (like
# a proxied WebSocket): no session is moved while it works.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;

add_block_preprocessor(sub {
    my $b = shift;
    $b->set_value(backup => '') unless defined $b->backup;
    $b->set_value(http_config => <<'CONF') unless defined $b->http_config;
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        server 127.0.0.1:$TEST_NGINX_VFS_B_PORT backup;
        ninep_connections 4;
    }
    upstream ten_vfs2 { server 127.0.0.1:$TEST_NGINX_VFS2_PORT; }
CONF
});
kernel_each_block();
run_tests();

sub error_log { local $/; open my $fh, '<', Test::Ten::servroot() . '/logs/error.log' or return ''; <$fh> }

# Writes $n numbered lines at the end of $f, each acknowledged.
sub write_lines {
    my ($c, $f, $from, $n) = @_;
    for my $i ($from .. $from + $n - 1) {
        my $line = sprintf "line %03d\n", $i;
        my $r = $c->write($f, ($i - 1) * length $line, $line);
        return "line $i: " . Ten::NineP::format_msg($r) unless $r->{type} eq 'Rwrite';
    }
    return 'ok';
}

sub expected_lines { join '', map { sprintf "line %03d\n", $_ } 1 .. $_[0] }

__DATA__

=== TEST 1: while the primary is up the backup gets no connection, however busy the sessions
--- perl
my @s = map { [kattach('glenda')] } 1 .. 8;
for my $s (@s) {
    my ($c, $root) = @$s;
    $c->send(map { "Tstat tag=$_ fid=$root" } 1 .. 20);
    my %r = $c->collect([1 .. 20], 5);
    is(scalar(grep { $_->{type} eq 'Rstat' } values %r), 20, 'twenty stats in flight answered');
}
cmp_ok(kvfs->counts->{connections}, '>=', 2, 'the primary took the connections (the pool grew)');
is(kvfsb->counts->{connections}, 0, 'the backup none');



=== TEST 2: the primary dies: a writing session goes on on the backup; every acknowledged write is there
--- perl
my ($c, $root) = kattach('glenda');
my $f = $c->walk_to($root, 'usr/glenda');
is_9p($c->create($f, 'journal', 0644, 1), 'Rcreate qid=* iounit=*', 'a file made on the primary');
is(main::write_lines($c, $f, 1, 20), 'ok', 'twenty lines acknowledged');
is(kvfsb->counts->{connections}, 0, 'the backup is not used yet');
kvfs->kill9;
is(main::write_lines($c, $f, 21, 20), 'ok', 'the primary killed: twenty more acknowledged, on the same fid');
cmp_ok(kvfsb->counts->{connections}, '>=', 1, 'now through the backup');
is_9p($c->stat($f), 'Rstat stat=*', 'the fid answers');
my ($d, $root2, $r) = kattach('glenda');
is_9p($r, 'Rattach qid=*', 'a new session attaches, on the backup');
my $g = $d->walk_to($root2, 'usr/glenda/journal');
$d->open($g, 0);
is($d->read($g, 0, 8192)->{data}, main::expected_lines(40), 'all forty lines are in the file');
is(do { local $/; open my $fh, '<', kvfsb->path('usr/glenda/journal'); <$fh> },
   main::expected_lines(40), 'and on disk');
like(main::error_log(), qr/recovered on a new connection to "vfs"/, 'the kernel says it recovered');



=== TEST 3: with health checks: the primary hung is marked down, new sessions attach on the backup at once
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        server 127.0.0.1:$TEST_NGINX_VFS_B_PORT backup;
        ninep_check interval=300ms timeout=200ms fails=2 passes=1;
    }
    upstream ten_vfs2 { server 127.0.0.1:$TEST_NGINX_VFS2_PORT; }
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_backend_timeout 1s;
    }
--- perl
my ($c, $root) = kattach('glenda');
is_9p($c->stat($root), 'Rstat stat=*', 'a session on the primary');
kvfs->freeze;
ok(wait_for(sub { main::error_log() =~ /server 127\.0\.0\.1:$ENV{TEST_NGINX_VFS_PORT} is down: 2 checks failed/ }, 3),
   'the hung primary is marked down');
my ($d, $root2, $r) = kattach('glenda');
is_9p($r, 'Rattach qid=*', 'a new session attaches');
is_9p($d->walk($root2, 9, 'usr', 'glenda'), 'Rwalk wqid=[* *]', 'and walks, on the backup');
cmp_ok(kvfsb->counts->{connections}, '>=', 1, 'the backup has the connection');
is_9p($c->walk($root, 10, 'tmp'), 'Rwalk wqid=[*]', 'the first session goes on, on the backup, without waiting for a timeout');
like(main::error_log(), qr/the health checks found the server down; its sessions go on on another/,
     'the kernel says why it left the primary');
kill CONT => kvfs->pid;
ok(wait_for(sub { main::error_log() =~ /is up again/ }, 3), 'the primary, answering again, is marked up');



=== TEST 5: factotum given both servers (-v primary,backup) goes on logging people in when the primary dies
--- factotum: -D 100
--- namespace
mount vfs /
mount factotum /dev/factotum
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        server 127.0.0.1:$TEST_NGINX_VFS_B_PORT backup;
    }
    upstream ten_factotum { server 127.0.0.1:$TEST_NGINX_FACTOTUM_PORT; }
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        $TEST_NGINX_FACTOTUM
    }
--- perl
my $pass = kfactotum()->adm_password;
my (undef, undef, $r) = kattach(klogin('adm', $pass));
is_9p($r, 'Rattach qid=*', 'a login on the primary');
kvfs->kill9;
my $path = klogin('adm', $pass);
like($path, qr{^/priv/sessions/adm/}, 'the primary killed: a login still gives a ticket');
ok(-f kvfsb->path(substr $path, 1), 'written through the backup');
my (undef, undef, $r2) = kattach($path);
is_9p($r2, 'Rattach qid=*', 'and it attaches');



=== TEST 6: a -v list that cannot work is refused at start, the bad address named
--- perl
my $build = $ENV{TEN_BUILD} || 'build';
my $store = Test::Ten::servroot() . '/never-made';
for my $case (['vfs', 'vfs'], ['127.0.0.1:1,', ''], ['127.0.0.1:1,backup:0', 'backup:0'],
              ['127.0.0.1:1,:80', ':80'], ['127.0.0.1:65536', '127.0.0.1:65536'],
              ['127.0.0.1:+80', '127.0.0.1:+80'], ['127.0.0.1:18446744073709551617', '127.0.0.1:18446744073709551617']) {
    my ($list, $bad) = @$case;
    for my $cmd (["$build/ten-factotum", '-s', $store], ["$build/ten-ssr"]) {
        my $name = (split m{/}, $cmd->[0])[-1];
        my $out = `@$cmd -l 127.0.0.1:1 -k /nonexistent -t /nonexistent -v '$list' 2>&1`;
        is($? >> 8, 2, "$name -v '$list': exit status 2");
        like($out, qr/^\Q$name\E: -v: bad address "\Q$bad\E" \(expected HOST:PORT/m, "$name -v '$list': names \"$bad\"");
    }
}
ok(!-e $store, 'factotum made no store');
