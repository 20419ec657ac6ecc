# Reconnects back off: with every server of a service dead, the first
# attach tries to connect; then the circuit is open and attaches fail at
# once without dialing, until the backoff (100 ms doubling to 10 s, with
# jitter) lets one attempt through (half open); a success closes it.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Time::HiRes qw(time sleep);

kernel_each_block();
run_tests();

sub error_log { local $/; open my $fh, '<', Test::Ten::servroot() . '/logs/error.log' or return ''; <$fh> }

__DATA__

=== TEST 1: a dead service is not hammered: few connects for many attaches, each answered at once
--- valgrind
--- down
--- perl
my $t0 = time;
my ($n, $slow, %why) = (0, 0);
my $c = kclient();
while (time < $t0 + 1.6) {
    my $s = time;
    my $r = $c->attach(0, 'x', '/priv/sessions/glenda/' . ('0' x 32));
    $n++;
    $slow++ if time - $s > 0.2;
    $why{$r->{ename} // Ten::NineP::format_msg($r)}++;
}
cmp_ok($n, '>', 100, "$n attaches in 1.6 s");
is($slow, 0, 'each answered at once');
my $dials = () = main::error_log() =~ /9p: service "vfs": connect(ion refused| failed)/g;
cmp_ok($dials, '>=', 3, "the service was tried again as the backoff allowed ($dials times)");
cmp_ok($dials, '<=', 7, 'but not for every attach');
is_deeply([sort keys %why], ['vfs unavailable: cannot connect', 'vfs unavailable: waiting to connect again'],
    'each attach: vfs unavailable, either dialed or while waiting');
cmp_ok($why{'vfs unavailable: waiting to connect again'}, '>', $n - 8, 'almost all while waiting');
kvfs->start;
kernel_prepare();
my $ok = wait_for(sub { kclient()->attach(0, 'x', $ENV{TEST_NGINX_TICKET})->{type} eq 'Rattach' }, 4);
ok($ok, 'once it is back, one attempt closes the circuit and attaches work');
