# Several kernels: two nginx instances with the module, each with its own
# workers and its own health-check zone, in front of the same services.
# Any kernel checks any ticket (the signature, and the ticket file on the
# VFS), so a login through one attaches through the other.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;

add_block_preprocessor(sub {
    my $b = shift;
    $b->set_value(factotum => '-D 100') unless defined $b->factotum;
    $b->set_value(namespace => "mount vfs /\nmount factotum /dev/factotum\n")
        unless defined $b->namespace;
});
kernel_each_block();
run_tests();

sub user_of {
    my ($c, $root) = @_;
    my $f = $c->walk_to($root, 'dev/user');
    $c->open($f, 0);
    return $c->read($f, 0, 64)->{data};
}

__DATA__

=== TEST 1: a ticket from one kernel attaches through the other; a logout through either ends it on both within ninep_ticket_cache
--- main_config
worker_processes 2;
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        $TEST_NGINX_FACTOTUM
        ninep_ticket_cache 500ms;
    }
--- perl
my $port2 = kernel2();
my $path = klogin('adm', kfactotum()->adm_password);
my ($b, $broot, $r) = kattach($path, port => $port2);
is_9p($r, 'Rattach qid=*', 'the ticket made through the first kernel attaches through the second');
is(main::user_of($b, $broot), 'adm', 'as adm');
my $f = $b->walk_to($broot, 'tmp');
$b->create($f, 'from-2', 0644, 1);
is_9p($b->write($f, 0, 'hello'), 'Rwrite count=5', 'a file written through the second kernel');
my ($a, $aroot) = kattach($path);
my $g = $a->walk_to($aroot, 'tmp/from-2');
$a->open($g, 0);
is($a->read($g, 0, 10)->{data}, 'hello', 'is read through the first');
my $path2 = klogin('adm', kfactotum()->adm_password, port => $port2);
my ($c, $croot, $r2) = kattach($path2);
is_9p($r2, 'Rattach qid=*', 'and a login through the second attaches through the first');
my (undef, undef, $r4) = kattach($path2, port => $port2);
is_9p($r4, 'Rattach qid=*', 'and through the second (which has checked it now)');
my $ctl = $c->walk_to($croot, 'dev/factotum/ctl');
$c->open($ctl, 1);
is_9p($c->write($ctl, 0, "logout $path2"), 'Rwrite count=*', 'logout through the first kernel');
select undef, undef, undef, 0.6;
my $r3 = kclient(port => $port2)->attach(1, 'x', $path2);
is_rerror($r3, 'no such ticket', 'once ninep_ticket_cache has passed the ticket is refused by the second kernel too');
ok(!-e kvfs->path(substr $path2, 1), 'its file is gone from the VFS');
