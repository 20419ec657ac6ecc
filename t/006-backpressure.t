# Backpressure: a client that sends requests but never reads its replies
# must be stopped (the kernel stops reading once its bounded output
# buffer is full), must not make the worker buffer without limit, and
# gets every reply, in order, once it reads again.

use lib 't/lib';
use Test::Ten;
use Ten::Boot;
use Ten::Load;
use Ten::NineP;
use Ten::WebSocket;
use IO::Select;

add_block_preprocessor(sub {
    my ($block) = @_;
    $block->set_value(log_level => 'warn') unless defined $block->log_level;
    $block->set_value(no_error_log => "[alert]\n[crit]\n[emerg]\nexited on signal\n")
        unless defined $block->no_error_log;
});

boot_each_block();
run_tests();

__DATA__

=== TEST 1: a non-reading client is stopped, its replies are all kept
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_msize 4096; ninep_output_buffer 8k; }
--- timeout: 60
--- perl
my ($worker) = worker_pids();
my $rss0 = Ten::Load::vmrss($worker);

my $ws = ws_connect();
is($ws->handshake_error, '', 'handshake');
my $sock = $ws->{sock};

# Tclunk before any Tversion: each is answered Rerror at once; tags
# 1..4096 in turn, so that the order of the replies can be checked
my @frames = map {
    Ten::WebSocket::build_frame(opcode => 2,
        payload => Ten::NineP::pack_msg({ type => 'Tclunk', tag => $_, fid => 1 }))
} 1 .. 4096;
my $frame = $frames[0];
my $batch = join '', @frames;
my ($sent, $pending, $stalled) = (0, '', 0);
my $limit = 256 * 1024 * 1024;

# write without reading until the kernel stops taking bytes for a second
while ($sent < $limit) {
    $pending = $batch if $pending eq '';
    my $n = syswrite($sock, $pending);
    if (defined $n) {
        $sent += $n;
        substr($pending, 0, $n, '');
        next;
    }
    die "write: $!" unless $!{EAGAIN};
    next if IO::Select->new($sock)->can_write(1);
    $stalled = 1;
    last;
}

ok($stalled, "the kernel stopped reading after $sent bytes");
cmp_ok($sent, '<', $limit, 'before the whole 256 MiB went out');

my $rss1 = Ten::Load::vmrss($worker);
cmp_ok($rss1 - $rss0, '<', 8 * 1024,
       "worker RSS grew by less than 8 MiB while stalled ($rss0 -> $rss1 kB)");

# finish the frame in flight, then read every reply
my $sel = IO::Select->new($sock);
my ($in, $replies, $bad, $wrong) = ('', 0, 0, '');
my $want = ($sent + length $pending) / length $frame;
my $deadline = time + 50;

while ($replies < $want && time < $deadline) {
    if ($pending ne '' && $sel->can_write(0)) {
        my $n = syswrite($sock, $pending);
        substr($pending, 0, $n, '') if defined $n;
    }
    next unless $sel->can_read(0.2);
    my $n = sysread($sock, $in, 1 << 20, length $in);
    last unless $n;
    while (my $f = Ten::WebSocket::parse_frame(\$in)) {
        my $m = Ten::NineP::unpack_msg($f->{payload});
        if ($m->{type} eq 'Rerror' && $m->{tag} == $replies % 4096 + 1
            && $m->{ename} eq 'version not negotiated: send Tversion first')
        {
            $replies++;
        } else {
            $bad++;
            $wrong = Ten::NineP::format_msg($m);
        }
    }
}

is($replies, $want, "all $want requests answered once the client read");
is($bad, 0, 'in order, and nothing else') or diag($wrong);
