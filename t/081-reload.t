# nginx -s reload with live sessions: the old worker keeps serving them
# while they have requests in flight -- a read sent before the reload is
# answered after it -- then closes each with 1001 (going away); new
# sessions go to the new workers at once and see the new configuration
# (here a changed /lib/namespace); a client that reconnects with its
# ticket gets its namespace.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Time::HiRes qw(sleep);

kernel_each_block();
run_tests();

sub workers {
    my $master = Test::Ten::master_pid();
    return grep { length } split /\s+/, `pgrep -P $master`;
}

__DATA__

=== TEST 1: a read in flight across a reload is answered; new sessions see the new config
--- namespace
mount vfs /
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
    }
--- perl
my ($c, $root, $w) = kblocked_read(10);
my @before = main::workers();

# the namespace file changes, then the reload
open my $ns, '>', kvfs->path('lib/namespace') or die;
print $ns "mount vfs /\nbind /usr/glenda /home\n";
close $ns;
kill HUP => Test::Ten::master_pid();
my %old = map { $_ => 1 } @before;
ok(wait_for(sub { grep { !$old{$_} } main::workers() }, 5), 'a new worker starts');
ok((grep { $old{$_} } main::workers()), 'the old one stays while its session does');

is_9p($c->walk($root, 20, 'home'), 'Rerror ename="file does not exist"', 'the old session goes on, with the namespace it had');
syswrite $w, "across\n";
is_9p($c->recv(3), 'Rread tag=10 data="across\n"', 'the read sent before the reload is answered after it');
is($c->recv(3), undef, 'then, with nothing in flight, the old worker closes the session');
is($c->{close_code}, 1001, 'with 1001, going away');

my ($n, $nroot) = kattach($ENV{TEST_NGINX_TICKET});
is_9p($n->walk($nroot, 21, 'home'), 'Rwalk wqid=[(0x80 * *)]', 'a new session (same ticket) gets the new namespace');

my ($again, $aroot) = kattach($ENV{TEST_NGINX_TICKET});
is_9p($again->walk($aroot, 22, 'home'), 'Rwalk wqid=[(0x80 * *)]', 'the client reconnects with its ticket, to the new namespace');
ok(wait_for(sub { !grep { $old{$_} } main::workers() }, 5), 'and the old worker is gone');
--- error_log
9p: the worker is exiting: session closed with 1001



=== TEST 2: an idle session is closed with 1001 at once by a reload
--- namespace
mount vfs /
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
    }
--- perl
my ($c, $root) = kattach($ENV{TEST_NGINX_TICKET});
is_9p($c->stat($root), 'Rstat stat=*', 'a session, idle now');
kill HUP => Test::Ten::master_pid();
is($c->recv(3), undef, 'the reload closes it');
is($c->{close_code}, 1001, 'with 1001');
is($c->{close_reason}, 'server restarting', 'and why');
--- no_error_log
without a close frame
