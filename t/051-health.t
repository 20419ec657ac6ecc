# Active health checks (ninep_check in upstream{}): a Tversion probe each
# interval, the state in a shared memory zone; a server that fails is
# skipped by the balancer until it passes again.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);

our $HUNG;
add_block_preprocessor(sub {
    my $b = shift;
    return unless defined $b->hung;
    # listens, so connects succeed, but never accepts nor answers
    $HUNG = listener();
    $ENV{TEST_NGINX_HUNG_PORT} = $HUNG->sockport;
});
kernel_each_block();
run_tests();

sub error_log { local $/; open my $fh, '<', Test::Ten::servroot() . '/logs/error.log' or return ''; <$fh> }

__DATA__

=== TEST 1: ninep_check: a bad parameter is refused with its name
--- http_config
    upstream ten_vfs { server 127.0.0.1:1; ninep_check interval=soon; }
--- config
--- must_die
--- error_log
"ninep_check": invalid parameter "interval=soon"



=== TEST 2: ninep_check: the timeout must be shorter than the interval
--- http_config
    upstream ten_vfs { server 127.0.0.1:1; ninep_check interval=1s timeout=2s; }
--- config
--- must_die
--- error_log
"ninep_check": the timeout must be shorter than the interval



=== TEST 2b: a bare ninep_check takes its documented defaults
--- http_config
    upstream ten_vfs { server 127.0.0.1:$TEST_NGINX_VFS_PORT; ninep_check; }
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
    }
--- perl
my (undef, undef, $r) = kattach($ENV{TEST_NGINX_TICKET});
is_9p($r, 'Rattach qid=*', 'nginx starts with it and sessions attach');



=== TEST 3: a hung server (accepting, silent) is marked down within interval x fails; sessions land on the live one
--- valgrind
--- hung
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_HUNG_PORT;
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        ninep_connections 4;
        ninep_check interval=300ms timeout=200ms fails=2 passes=1;
    }
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_backend_timeout 2s;
    }
--- perl
my $t0 = time;
my $down = wait_for(sub { main::error_log() =~ /server 127\.0\.0\.1:$ENV{TEST_NGINX_HUNG_PORT} is down: 2 checks failed, the last: timed out/ }, 3);
ok($down, 'the hung server is marked down');
cmp_ok(time - $t0, '<', 0.3 * 2 + 0.2 + 0.6, 'within interval x fails (and a timeout)');
my @c;
for my $i (1 .. 8) {
    my $s = time;
    my ($c, $fid, $r) = eval { kattach($ENV{TEST_NGINX_TICKET}) };
    push @c, $c;
    ok($r && $r->{type} eq 'Rattach' && time - $s < 1, "session $i attaches at once on the live server");
}
kill HUP => Test::Ten::master_pid();
sleep 1;
my ($c9, undef, $r9) = kattach($ENV{TEST_NGINX_TICKET});
is_9p($r9, 'Rattach qid=*', 'after a reload the new worker skips it too: the zone kept its state');
my $n = () = main::error_log() =~ /is down: /g;
is($n, 1, 'and it was not found down a second time');



=== TEST 4: a server that comes back is marked up again after passes
--- vfs2
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        ninep_check interval=200ms timeout=100ms fails=1 passes=2;
    }
    upstream ten_vfs2 { server 127.0.0.1:$TEST_NGINX_VFS2_PORT; }
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_service vfs2 ten_vfs2;
    }
--- perl
kvfs->stop;
ok(wait_for(sub { main::error_log() =~ /is down: 1 checks failed, the last: (cannot connect|connection refused or reset|closed without an Rversion)/ }, 3),
   'the stopped server is marked down');
my $r = kclient()->attach(0, 'x', $ENV{TEST_NGINX_TICKET});
like($r->{ename} // '', qr/^vfs unavailable: /, 'an attach while it is down: vfs unavailable');
kvfs->start;
ok(wait_for(sub { main::error_log() =~ /is up again: 2 checks passed/ }, 3), 'back: marked up after two passes');
my $ok = wait_for(sub { my $r = kclient()->attach(0, 'x', $ENV{TEST_NGINX_TICKET}); $r->{type} eq 'Rattach' }, 5);
ok($ok, 'and sessions attach again');



=== TEST 5: two workers share the state: one of them finds the server down, both skip it
--- hung
--- main_config
worker_processes 2;
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_HUNG_PORT;
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        ninep_connections 4;
        ninep_check interval=300ms timeout=200ms fails=2 passes=1;
    }
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_backend_timeout 2s;
    }
--- perl
my @workers = Test::Ten::worker_pids();
is(scalar @workers, 2, 'two workers');
# this block's lines: those of its two workers
my $mine = sub { join '', grep { /^\S+ \S+ \[\w+\] (\d+)#/ && grep { $_ == $1 } @workers } split /^/, main::error_log() };
ok(wait_for(sub { $mine->() =~ /is down: 2 checks failed/ }, 3), 'the hung server is found down');
sleep 1;
my $n = () = $mine->() =~ /is down: /g;
is($n, 1, 'by one worker, once: the state is shared');
my %seen;
for my $i (1 .. 12) {
    my $s = time;
    my ($c, $fid, $r) = eval { kattach($ENV{TEST_NGINX_TICKET}) };
    ok($r && $r->{type} eq 'Rattach' && time - $s < 1, "session $i attaches at once");
}
my @pids = $mine->() =~ /(\d+)#\d+: \*\d+ 9p: attached as/g;
$seen{$_}++ for @pids;
diag('sessions per worker: ' . join(', ', map { "$_: $seen{$_}" } sort keys %seen));
