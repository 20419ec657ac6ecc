# Load and leak checks: 200 simultaneous sessions, and the worker's RSS
# across 10,000 handshake+Tversion+close cycles.

use lib 't/lib';
use Test::Ten;
use Ten::Boot;
use Ten::Load;

add_block_preprocessor(sub {
    my ($block) = @_;
    $block->set_value(config => "    location = /9p { ninep; \$TEST_NGINX_BOOT }\n")
        unless defined $block->config;
    # debug logging of thousands of connections would dominate the run
    $block->set_value(log_level => 'warn') unless defined $block->log_level;
    $block->set_value(no_error_log => "[alert]\n[crit]\n[emerg]\nexited on signal\n")
        unless defined $block->no_error_log;
});

boot_each_block();
run_tests();

__DATA__

=== TEST 1: 200 concurrent connections, each answered with its own msize
--- perl
my $r = Ten::Load::concurrent_versions(port => server_port(), count => 200);
is($r->{open}, 200, '200 handshakes completed while all connections are open');
is($r->{done}, 200, '200 Rversions with the right tag and msize');
is_deeply($r->{errors}, [], 'no errors') or diag(join "\n", @{ $r->{errors} });



=== TEST 2: worker RSS stays flat over 10,000 sessions
--- timeout: 120
--- perl
# a sanitizer's quarantine holds freed memory on purpose
if ($ENV{TEN_SANITIZED}) {
    Test::More::pass('RSS is not measured under sanitizers');
    return;
}
my ($worker) = worker_pids();
my $warm = Ten::Load::cycles(port => server_port(), total => 2000, parallel => 20);
is($warm->{done}, 2000, 'warm-up: 2,000 cycles') or diag(join "\n", @{ $warm->{errors} });
my $before = Ten::Load::vmrss($worker);
my $run = Ten::Load::cycles(port => server_port(), total => 10_000, parallel => 20);
is($run->{done}, 10_000, '10,000 cycles completed') or diag(join "\n", @{ $run->{errors} });
my $after = Ten::Load::vmrss($worker);
my @now = worker_pids();
is_deeply(\@now, [$worker], 'the same worker served them all');
cmp_ok($after - $before, '<=', 2048, "RSS grew by at most 2 MiB ($before kB -> $after kB)");
