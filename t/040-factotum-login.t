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

__DATA__

=== TEST 1: adm logs in with the first start's password and attaches with the ticket
--- perl
my $c = kbootstrap();
my $pass = kfactotum()->adm_password;
like($pass, qr/^[a-z0-9]{20}$/, 'the first start made a password for adm');
unlike(kfactotum()->log_text, qr/\Q$pass\E/, 'the password is not in the log (stderr is no terminal)');
like(kfactotum()->log_text, qr{first start: user adm; its password is in \S+/adm\.password \(mode 0600\)}, 'the log says where it is');
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



=== TEST 2: a user adm makes logs in, works with that user's permissions, logs out
--- namespace
mount vfs /
mount factotum /dev/factotum
--- perl
use Time::HiRes qw(time);
my $c = kbootstrap();
my ($f, undef, undef, $rd) = main::rpc($c, 'start proto=pass user=adm', 'pass ' . kfactotum()->adm_password);
my ($adm_path) = $rd->{data} =~ /ticket=(\S+)/;
my ($a, $aroot) = kattach($adm_path);
$a->walk($aroot, 1, 'dev', 'factotum', 'ctl');
is_9p($a->open(1, 1), 'Ropen qid=* iounit=*', 'adm opens /dev/factotum/ctl');
is_9p($a->write(1, 0, 'adduser glenda'), 'Rwrite count=14', 'adduser glenda');
is_rerror($a->write(1, 0, 'adduser glenda'), 'user exists', 'not twice');
is_9p($a->write(1, 0, 'setpass glenda s3cret-pw'), 'Rwrite count=24', 'setpass glenda');
is_rerror($a->write(1, 0, 'frob'), 'expected adduser USER, deluser USER, setpass USER PASSWORD, rotate, revoke USER, logout TICKET-PATH, passkeys USER or delpasskey USER ID', 'an unknown command');
$a->walk($aroot, 2, 'dev', 'factotum', 'ctl');
$a->open(2, 0);
like($a->read(2, 0, 4096)->{data}, qr/^users adm glenda\nkey [0-9a-f]{16} current not-before \d+ not-after \d+\n/, 'adm reads the status');

my (undef, $w1, $w2, $r) = main::rpc($c, 'start proto=pass user=glenda', 'pass s3cret-pw');
is_9p($w2, 'Rwrite count=*', 'glenda logs in');
my ($path) = $r->{data} =~ /ticket=(\S+)/;
like($path, qr{^/priv/sessions/glenda/[0-9a-f]{32}$}, "a ticket under glenda's sessions");
my ($g, $root) = kattach($path);
my $home = $g->walk_to($root, 'usr/glenda');
is_9p($g->create($home, 'notes', 0644, 1), 'Rcreate qid=* iounit=*', 'glenda creates in her home');
is_9p($g->write($home, 0, 'mine'), 'Rwrite count=4', 'and writes');
is(Ten::VFS::disk_xattr(kvfs->path('usr/glenda/notes'), 'user.ten.uid'), 'glenda', 'the file is glenda\'s');
my $other = $g->walk_to($root, 'usr/alice');
is_rerror($g->create($other, 'x', 0644, 1), 'permission denied', "not in alice's");

$g->walk($root, 3, 'dev', 'factotum', 'ctl');
is_rerror($g->open(3, 0), 'permission denied', "glenda may not read factotum's status");
$g->walk($root, 4, 'dev', 'factotum', 'ctl');
$g->open(4, 1);
is_rerror($g->write(4, 0, 'adduser eve'), 'permission denied', 'nor add users');
is_rerror($g->write(4, 0, "logout $adm_path"), 'permission denied', "nor log adm out");
is_9p($g->write(4, 0, "logout $path"), 'Rwrite count=*', 'she logs herself out');
ok(!-e kvfs->path(substr $path, 1), 'the ticket is gone from the VFS');
my $t0 = time;
my $gone = wait_for(sub { my $r = kclient()->attach(0, 'x', $path); $r->{type} eq 'Rerror' ? $r : undef }, 8);
is_9p($gone, 'Rerror ename="no such ticket"', 'the ticket no longer attaches');
cmp_ok(time - $t0, '<', 6.5, 'within the ticket cache time');



=== TEST 3: wrong passwords and unknown users get the same answer; failures slow down
--- perl
use Time::HiRes qw(time);
my $c = kbootstrap();
my @took;
for my $i (1 .. 4) {
    my $t0 = time;
    my (undef, undef, $w) = main::rpc($c, 'start proto=pass user=adm', 'pass wrong');
    push @took, time - $t0;
    is_rerror($w, 'authentication failed', "wrong password $i");
}
cmp_ok($took[3] - $took[0], '>', 0.5, 'the fourth failure is answered later than the first (100 ms doubling)');
my (undef, undef, $u) = main::rpc($c, 'start proto=pass user=nobody', 'pass wrong');
is_rerror($u, 'authentication failed', 'an unknown user: the same answer');
my (undef, undef, $ok, $rd) = main::rpc($c, 'start proto=pass user=adm', 'pass ' . kfactotum()->adm_password);
is_9p($ok, 'Rwrite count=*', 'the right password still works');
like($rd->{data}, qr/^done ticket=/, 'and gives a ticket');
my $t0 = time;
main::rpc($c, 'start proto=pass user=adm', 'pass wrong');
cmp_ok(time - $t0, '<', 0.6, 'a success forgives the earlier failures');
like(kfactotum()->log_text, qr/a failed login as adm; answered in 800 ms/, 'factotum logs the failures and their delays');
unlike(kfactotum()->log_text, qr/wrong/, 'but never a password');



=== TEST 4: the conversation says what it expects; a read before done is an error
--- perl
my $c = kbootstrap();
my ($fid, $w1, $w2, $rd) = main::rpc($c, 'pass early', 'start proto=nonsense user=adm');
is_rerror($w1, 'expected "start proto=pass user=NAME" (or proto=passwd, or proto=webauthn role=register|login)', 'pass before start');
is_rerror($w2, 'expected "start proto=pass user=NAME" (or proto=passwd, or proto=webauthn role=register|login)', 'an unknown proto');
is_rerror($rd, 'expected "start proto=pass user=NAME" (or proto=passwd, or proto=webauthn role=register|login)', 'a read before anything');
is_9p($c->write($fid, 0, 'start proto=pass user=adm'), 'Rwrite count=*', 'start');
is_rerror($c->read($fid, 0, 100), 'expected "pass PASSWORD"', 'a read before pass');
is_rerror($c->write($fid, 0, 'newpass x'), 'expected "pass PASSWORD"', 'newpass in proto=pass');
is_rerror($c->write($fid, 0, "pass a\nb"), 'one message of at most 8191 bytes a write', 'two lines at once');



=== TEST 5: proto=passwd changes one's own password
--- perl
my $c = kbootstrap();
my $old = kfactotum()->adm_password;
my (undef, $w1, $w2, $w3, $rd) = main::rpc($c, 'start proto=passwd user=adm', "pass $old", 'newpass n3w-password');
is_9p($w2, 'Rwrite count=*', 'the old password is right');
is_9p($w3, 'Rwrite count=*', 'newpass');
is($rd->{data}, 'done', 'read: done');
my (undef, undef, $bad) = main::rpc($c, 'start proto=pass user=adm', "pass $old");
is_rerror($bad, 'authentication failed', 'the old password no longer works');
my (undef, undef, $good) = main::rpc($c, 'start proto=pass user=adm', 'pass n3w-password');
is_9p($good, 'Rwrite count=*', 'the new one does');
my (undef, undef, $wrong) = main::rpc($c, 'start proto=passwd user=adm', 'pass wrong');
is_rerror($wrong, 'authentication failed', 'passwd with a wrong old password');



=== TEST 6: two logins at once on one shared connection never see each other's
--- perl
my ($a, $b) = (kbootstrap(), kbootstrap());
my $pass = kfactotum()->adm_password;
my ($fa) = main::rpc($a, 'start proto=pass user=adm');
my ($fb) = main::rpc($b, 'start proto=pass user=glenda');
is_rerror($b->write($fb, 0, "pass $pass"), 'authentication failed', "B's conversation is glenda's, whatever A did");
is_9p($a->write($fa, 0, "pass $pass"), 'Rwrite count=*', "A's is adm's");
like($a->read($fa, 0, 1024)->{data}, qr{ticket=/priv/sessions/adm/}, "A's ticket is adm's");
is_rerror($b->read($fb, 0, 1024), 'expected "pass PASSWORD"', 'B has none');
my $k = kfactotum()->counts;
is($k->{connections}, 1, 'both went over one kernel connection to factotum');



=== TEST 7: rotate while sessions are live: old tickets attach until they expire
--- namespace
mount vfs /
mount factotum /dev/factotum
--- perl
my $c = kbootstrap();
my $pass = kfactotum()->adm_password;
my (undef, undef, undef, $r1) = main::rpc($c, 'start proto=pass user=adm', "pass $pass");
my ($p1) = $r1->{data} =~ /ticket=(\S+)/;
my $t1 = do { local $/; open my $fh, '<', kvfs->path(substr $p1, 1) or die; <$fh> };
my ($a, $aroot) = kattach($p1);
$a->walk($aroot, 1, 'dev', 'factotum', 'ctl');
$a->open(1, 1);
is_9p($a->write(1, 0, 'rotate'), 'Rwrite count=6', 'rotate');
my (undef, undef, undef, $r2) = main::rpc($c, 'start proto=pass user=adm', "pass $pass");
my ($p2) = $r2->{data} =~ /ticket=(\S+)/;
my $t2 = do { local $/; open my $fh, '<', kvfs->path(substr $p2, 1) or die; <$fh> };
isnt((split ' ', $t2)[1], (split ' ', $t1)[1], 'the new ticket is signed by the new key');
$c->walk(0, 9, 'dev', 'factotum', 'keys');
$c->open(9, 0);
my @certs = split /\n/, $c->read(9, 0, 8192)->{data};
is(scalar @certs, 2, '/keys lists both keys');
$a->walk($aroot, 3, 'dev', 'factotum', 'ctl');
$a->open(3, 0);
my ($k1, $k2) = ((split ' ', $t1)[1], (split ' ', $t2)[1]);
like($a->read(3, 0, 4096)->{data},
    qr/^key $k1 old not-before \d+ not-after \d+\nkey $k2 current not-before \d+ not-after \d+\nticket-lifetime \d+\nrotate \d+\n\z/m,
    "/ctl's status: the old key, then the current one, each with its expiry");
is_9p((kattach($p2))[2], 'Rattach qid=*', 'the new ticket attaches (the kernel reads /keys again)');
is_9p((kattach($p1))[2], 'Rattach qid=*', 'the old one still does');
is_9p($a->stat($aroot), 'Rstat stat=*', 'the live session goes on');
my $rogue = make_ticket(user => 'adm', key => 'rogue');
my $rp = plant_ticket(user => 'adm', text => $rogue);
is_rerror(kclient()->attach(0, 'x', $rp), 'ticket signed by an unknown key',
    'a ticket signed by a key factotum never certified');
my $expired = make_ticket(user => 'adm', key => 'signer', expires => int(time) - 10);
is_rerror(kclient()->attach(0, 'x', plant_ticket(user => 'adm', text => $expired)), 'ticket expired', 'an expired one');



=== TEST 7b: after a rotation, many attaches at once with a new key's ticket all succeed while /keys is read
--- namespace
mount vfs /
mount factotum /dev/factotum
--- perl
my $c = kbootstrap();
my $pass = kfactotum()->adm_password;
my (undef, undef, undef, $r1) = main::rpc($c, 'start proto=pass user=adm', "pass $pass");
my ($p1) = $r1->{data} =~ /ticket=(\S+)/;
my ($a, $aroot) = kattach($p1);
$a->walk($aroot, 1, 'dev', 'factotum', 'ctl');
$a->open(1, 1);
is_9p($a->write(1, 0, 'rotate'), 'Rwrite count=6', 'rotate');
my (undef, undef, undef, $r2) = main::rpc($c, 'start proto=pass user=adm', "pass $pass");
my ($p2) = $r2->{data} =~ /ticket=(\S+)/;
my @clients = map { kclient() } 1 .. 20;
$_->send(qq{Tattach tag=1 fid=0 afid=NOFID uname=adm aname="$p2"}) for @clients;
my @types = map { my $r = $_->recv(10); $r ? "$r->{type}" . ($r->{ename} ? " $r->{ename}" : '') : 'nothing' } @clients;
is_deeply(\@types, [('Rattach') x 20], '20 attaches sent together with a key the worker did not know: all attach');



=== TEST 8: factotum down: bootstrap still attaches and says why login cannot happen
--- perl
kfactotum()->stop;
my $c = kbootstrap();
$c->walk(0, 1, 'dev');
is_rerror($c->walk(1, 3, 'factotum', 'rpc'), 'factotum unavailable: cannot connect',
    'the walk to /dev/factotum says factotum is unavailable');
$c->walk(0, 2, 'dev');
$c->open(2, 0);
my @names = sort map { $_->{name} } $c->read_dir(2);
is("@names", 'factotum ns nsctl sysname user', '/dev still lists it');
is_9p((kattach('glenda'))[2], 'Rattach qid=*', 'a ticket signed by a known key still attaches');
my $t = kclient()->attach(0, 'x', plant_ticket(user => 'glenda', text => make_ticket(key => 'rogue')));
like($t->{ename}, qr/^ticket signed by an unknown key; factotum unavailable: /, 'an unknown key: says factotum is down');
--- error_log
/dev/factotum: factotum unavailable



=== TEST 9: the key store: 0700, 0600 files; a restart keeps users, keys and passwords
--- perl
my $f = kfactotum();
my $store = $f->store;
is((stat $store)[2] & 07777, 0700, 'the store is 0700');
is((stat "$store/$_")[2] & 07777, 0600, "$_ is 0600") for qw(users adm.password);
my $c = kbootstrap();
main::rpc($c, 'start proto=pass user=adm', 'pass ' . $f->adm_password);
is((stat "$store/signing")[2] & 07777, 0600, 'signing is 0600');
$c->walk(0, 9, 'dev', 'factotum', 'keys');
$c->open(9, 0);
my $keys = $c->read(9, 0, 8192)->{data};
open my $fh, '>', "$store/.users.tmp"; print $fh "half a write"; close $fh;
is($f->stop, 0, 'factotum stops');
$f->start;
unlike($f->log_text =~ s/.*stopped//sr, qr/first start/, 'no new adm at the second start');
ok(!-e "$store/.users.tmp", 'the start removed the temporary file a dead writer left');
like($f->log_text, qr/key store: removed \.users\.tmp, left by a writer that died/, 'and says so');
my $c2 = kbootstrap();
my (undef, undef, $w) = main::rpc($c2, 'start proto=pass user=adm', 'pass ' . $f->adm_password);
is_9p($w, 'Rwrite count=*', 'the same password after the restart');
$c2->walk(0, 9, 'dev', 'factotum', 'keys');
$c2->open(9, 0);
is($c2->read(9, 0, 8192)->{data}, $keys, 'the same keys');
chmod 0755, $store;
$f->stop;
eval { $f->start };
like($@, qr/key store .* is mode 0755; it must be 0700/, 'a store others can read is refused');
chmod 0700, $store;
$f->start;



=== TEST 10: revoke removes every ticket of a user; deluser too, and the user cannot log in
--- perl
my $c = kbootstrap();
my $pass = kfactotum()->adm_password;
my @paths;
for (1 .. 3) {
    my (undef, undef, undef, $r) = main::rpc($c, 'start proto=pass user=adm', "pass $pass");
    push @paths, $r->{data} =~ /ticket=(\S+)/;
}
is(scalar(grep { -e kvfs->path(substr $_, 1) } @paths), 3, 'three tickets of adm');
my ($a, $root) = kattach($paths[0]);
$c->walk(0, 5, 'dev', 'factotum', 'ctl');
$c->open(5, 1);
is_rerror($c->write(5, 0, 'revoke adm'), 'permission denied', 'none may not revoke');
# adm's own session works through a namespace with factotum in it
open my $fh, '>', kvfs->path('lib/namespace'); print $fh "mount vfs /\nmount factotum /dev/factotum\n"; close $fh;
my ($s, $sroot) = kattach($paths[1]);
$s->walk($sroot, 1, 'dev', 'factotum', 'ctl');
$s->open(1, 1);
is_9p($s->write(1, 0, 'adduser bob'), 'Rwrite count=*', 'adduser bob');
is_9p($s->write(1, 0, 'setpass bob b0b-pass'), 'Rwrite count=*', 'setpass bob');
my (undef, undef, undef, $rb) = main::rpc($c, 'start proto=pass user=bob', 'pass b0b-pass');
my ($bob) = $rb->{data} =~ /ticket=(\S+)/;
ok($bob && -e kvfs->path(substr $bob, 1), 'bob has a ticket');
is_9p($s->write(1, 0, 'revoke adm'), 'Rwrite count=10', 'revoke adm');
is(scalar(grep { -e kvfs->path(substr $_, 1) } @paths), 0, "none of adm's tickets is left");
is_9p($a->stat($root), 'Rstat stat=*', 'a live session goes on until its next attach');
is_9p($s->write(1, 0, 'deluser bob'), 'Rwrite count=11', 'deluser bob');
ok(!-e kvfs->path(substr $bob, 1), "bob's ticket went with him");
my (undef, undef, $w) = main::rpc($c, 'start proto=pass user=bob', 'pass b0b-pass');
is_rerror($w, 'authentication failed', 'bob cannot log in');



=== TEST 11: -P (for a container's log): the first start prints adm's password on stderr, once
--- factotum: -D 100 -P
--- perl
my $f = kfactotum();
my $pass = $f->adm_password;
like($f->log_text, qr{ten-factotum: first start: user adm, password \Q$pass\E \(also in \S+/adm\.password\)}, "the log has adm's password");
$f->stop;
$f->start;
my @seen = $f->log_text =~ /\Q$pass\E/g;
is(scalar @seen, 1, 'a restart does not print it again');
my $c = kbootstrap();
my (undef, undef, $w) = main::rpc($c, 'start proto=pass user=adm', "pass $pass");
is_9p($w, 'Rwrite count=*', 'and it is the password');
