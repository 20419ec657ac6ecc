# The live network fuzzer (fuzz/live.c, build/ten-livefuzz) against the
# real services and the real kernel: ten-vfs and ten-factotum over TCP
# as an unauthenticated client, the kernel over WebSocket and over raw
# TCP (ngx_stream_9p_module) as a bootstrap session.  After every batch
# each process must be alive and answer a fresh Tversion.
# TEN_LIVEFUZZ_SECONDS (default 15) is shared by the four targets; `make fuzz` gives it five minutes, `make asan` runs it
# against the sanitized builds.  A failure prints the seed: replay it
# with `build/ten-livefuzz -s SEED ...`.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;

$ENV{TEST_NGINX_TCP_PORT} = Test::Ten::free_port();

kernel_each_block();
run_tests();

sub livefuzz {
    my ($name, $target, $secs, @pids) = @_;
    my $bin = Ten::VFS::ten_build() . '/ten-livefuzz';
    my @cmd = ($bin, @$target, '-t', $secs, map { ('-p', $_) } @pids);
    my $out = `@cmd 2>&1`;
    my $rc = $? >> 8;
    is($rc, 0, "$name: " . (split /\n/, $out)[-1]) or diag($out);
}

__DATA__

=== TEST 1: ten-vfs, ten-factotum and the kernel under mutated and pipelined 9P
--- factotum: -D 100
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_service factotum ten_factotum;
    }
--- stream_config
    server {
        listen 127.0.0.1:$TEST_NGINX_TCP_PORT;
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_service factotum ten_factotum;
    }
--- timeout: 600
--- perl
my $secs = $ENV{TEN_LIVEFUZZ_SECONDS} || 15;
my $each = $secs / 4 < 2 ? 2 : int($secs / 4);
my ($worker) = worker_pids();
main::livefuzz('ten-vfs', ['-a', '127.0.0.1:' . kvfs()->port], $each, kvfs()->pid);
main::livefuzz('ten-factotum', ['-a', '127.0.0.1:' . kfactotum()->port], $each, kfactotum()->pid);
main::livefuzz('the kernel', ['-w', "ws://127.0.0.1:$ENV{TEST_NGINX_SERVER_PORT}/9p"], $each,
               $worker, kvfs()->pid, kfactotum()->pid);
main::livefuzz('the kernel over TCP', ['-a', "127.0.0.1:$ENV{TEST_NGINX_TCP_PORT}"], $each,
               $worker, kvfs()->pid, kfactotum()->pid);
