# ten-factotum end to end: a bootstrap session logs in through
# /dev/factotum/rpc, gets a ticket path, attaches with it as that user,
# logs out; the kernel learns factotum's signing keys from /keys.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;

add_block_preprocessor(sub {
    my $b = shift;
    $b->set_value(factotum => '-D 100') unless defined $b->factotum;
});
kernel_each_block();
run_tests();

# A bootstrap session's conversation on /dev/factotum/rpc: the replies to
# each write, then to a read.
sub rpc {
    my ($c, @msgs) = @_;
    my $fid = $c->newfid;
    my $r = $c->walk(0, $fid, 'dev', 'factotum', 'rpc');
    die "walk to rpc: " . Ten::NineP::format_msg($r) unless $r->{type} eq 'Rwalk' && @{ $r->{wqid} } == 3;
    $r = $c->open($fid, 2);
    die "open rpc: " . Ten::NineP::format_msg($r) unless $r->{type} eq 'Ropen';
    my @replies = map { $c->write($fid, 0, $_) } @msgs;
    push @replies, $c->read($fid, 0, 1024);
    return ($fid, @replies);
}

sub bootstrap {
    my $c = kclient();
    my $r = $c->attach(0, 'none', '');
    die "bootstrap attach: " . Ten::NineP::format_msg($r) unless $r->{type} eq 'Rattach';
    return $c;
}

__DATA__

=== TEST 1: adm logs in with the first start's password and attaches with the ticket
--- perl
my $c = main::bootstrap();
my $pass = kfactotum()->adm_password;
like($pass, qr/^[a-z0-9]{20}$/, 'the first start made a password for adm');
like(kfactotum()->log_text, qr/first start: user adm, password \Q$pass\E/, 'and said it once on stderr');
my ($fid, $w1, $w2, $rd) = main::rpc($c, 'start proto=pass user=adm', "pass $pass");
is_9p($w1, 'Rwrite count=25', 'start');
is_9p($w2, 'Rwrite count=*', 'pass');
like($rd->{data}, qr{^done ticket=/priv/sessions/adm/[0-9a-f]{32} expires=\d+$}, 'read: done with a ticket path');
my ($path) = $rd->{data} =~ /ticket=(\S+)/;
is($c->read($fid, 0, 1024)->{data}, $rd->{data}, 'a second read: the same line, no new ticket');
ok(-f kvfs->path(substr $path, 1), 'the ticket is on the VFS');
my ($c2, $root, $ra) = kattach($path);
is_9p($ra, 'Rattach qid=*', 'a new session attaches with it');
$c2->walk($root, 1, 'dev', 'user');
$c2->open(1, 0);
is($c2->read(1, 0, 100)->{data}, 'adm', 'as adm');
--- error_log
ticket signing keys from factotum's /keys
