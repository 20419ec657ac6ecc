# ten-factotum's /rpc conversations against pipelined writes on one fid
# (issue 16): the steps of a conversation never overlap, "start" cannot
# begin again once a password was accepted, and a step uses the user the
# conversation had when it began.  Before the fix, a user could set adm's
# password: "newpass" hashed for a while, then read the user name that a
# pipelined "start proto=passwd user=adm" had meanwhile put there.  Now
# the server also takes a fid's writes in turn (srv_conf_t's
# ordered_writes), as Plan 9's factotum answers a conversation: pipelined
# writes are answered in the order they were sent, and the conversation's
# own refusal of overlapping steps stays as a second guard.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;

add_block_preprocessor(sub {
    my $b = shift;
    $b->set_value(factotum => '-D 100') unless defined $b->factotum;
    $b->set_value(namespace => "mount vfs /\nmount factotum /dev/factotum\n");
});
kernel_each_block();
run_tests();

# A fid open on /dev/factotum/rpc of bootstrap session $c.
sub rpc_fid {
    my ($c) = @_;
    my $fid = $c->newfid;
    $c->walk(0, $fid, 'dev', 'factotum', 'rpc');
    my $r = $c->open($fid, 2);
    die "open rpc: " . Ten::NineP::format_msg($r) unless $r->{type} eq 'Ropen';
    return $fid;
}

# Whether $user logs in with $pass.
sub login_ok {
    my ($user, $pass) = @_;
    my $c = kbootstrap();
    my $f = rpc_fid($c);
    $c->write($f, 0, "start proto=pass user=$user");
    return $c->write($f, 0, "pass $pass")->{type} eq 'Rwrite';
}

# adm adds glenda with a password.
sub add_glenda {
    my $c = kbootstrap();
    my $f = rpc_fid($c);
    $c->write($f, 0, 'start proto=pass user=adm');
    $c->write($f, 0, 'pass ' . kfactotum()->adm_password);
    my ($path) = $c->read($f, 0, 1024)->{data} =~ /ticket=(\S+)/;
    my ($a, $root) = kattach($path);
    $a->walk($root, 1, 'dev', 'factotum', 'ctl');
    $a->open(1, 1);
    $a->write(1, 0, 'adduser glenda');
    $a->write(1, 0, 'setpass glenda glenda-pw-0');
}

__DATA__

=== TEST 1: "newpass" with a pipelined "start ... user=adm": glenda's password changes, adm's does not
--- timeout: 60
--- perl
main::add_glenda();
my $adm = kfactotum()->adm_password;
my ($hijacked, $refused) = (0, 0);
for my $i (1 .. 5) {
    my $c = kbootstrap();
    my $f = main::rpc_fid($c);
    $c->write($f, 0, 'start proto=passwd user=glenda');
    is_9p($c->write($f, 0, 'pass glenda-pw-' . ($i - 1)), 'Rwrite count=*', "round $i: glenda's old password");
    my ($tn, $ts) = $c->send(qq{Twrite fid=$f offset=0 data="newpass glenda-pw-$i"},
                             qq{Twrite fid=$f offset=0 data="start proto=passwd user=adm"});
    my %r = $c->collect([$tn, $ts], 20);
    is_9p($r{$tn}, 'Rwrite count=*', "round $i: newpass");
    $refused++ if $r{$ts}{type} eq 'Rerror'
                  && $r{$ts}{ename} eq 'the conversation is past its start: open /rpc again';
    $hijacked++ unless main::login_ok('adm', $adm);
}
is($hijacked, 0, "adm's password never changed");
is($refused, 5, 'the pipelined start was refused each time');
ok(main::login_ok('glenda', 'glenda-pw-5'), "glenda's last new password works");



=== TEST 2: writes pipelined behind a password are answered in turn; the conversation goes on as it began
--- perl
main::add_glenda();
my $c = kbootstrap();
my $f = main::rpc_fid($c);
$c->write($f, 0, 'start proto=pass user=glenda');
my ($tp, $ts, $tq) = $c->send(qq{Twrite fid=$f offset=0 data="pass glenda-pw-0"},
                              qq{Twrite fid=$f offset=0 data="start proto=pass user=adm"},
                              qq{Twrite fid=$f offset=0 data="pass x"});
my %r = $c->collect([$tp, $ts, $tq], 20);
is_9p($r{$tp}, 'Rwrite count=*', 'the password, sent first, is taken first');
is_9p($r{$ts}, 'Rerror ename="the conversation is past its start: open /rpc again"',
      'then the start is refused');
is_9p($r{$tq}, 'Rerror ename="the conversation is done: open /rpc again"',
      'and so is a second pass');
like($c->read($f, 0, 1024)->{data}, qr{^done ticket=/priv/sessions/glenda/}, "the ticket is glenda's");
is_rerror($c->write($f, 0, 'start proto=pass user=adm'), 'the conversation is past its start: open /rpc again',
          'a start after the login is refused');
