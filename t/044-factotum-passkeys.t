# ten-factotum's passkeys (proto=webauthn) through the kernel, with a
# software authenticator (t/lib/Ten/Passkey.pm, ES256 and EdDSA): a user
# registers a passkey on a session of their own, logs in with it on a
# bootstrap session (with and without a user name), lists and removes
# it through /ctl; every refusal -- another origin, a spent challenge, a
# counter that does not go up, another user's passkey -- is the same
# "authentication failed" as a wrong password, after the same delay.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Ten::Passkey;
use MIME::Base64 qw(encode_base64url);

our $ORIGIN = 'http://localhost:8080';

add_block_preprocessor(sub {
    my $b = shift;
    $b->set_value(factotum => "-D 100 -R localhost -O $ORIGIN")
        unless defined $b->factotum;
    $b->set_value(namespace => "mount vfs /\nmount factotum /dev/factotum\n")
        unless defined $b->namespace;
});
kernel_each_block();
run_tests();

# An open of /dev/factotum/rpc on session $c: a fid to write and read.
sub rpc_fid {
    my ($c, $root) = @_;
    my $fid = $c->newfid;
    $c->walk($root // 0, $fid, 'dev', 'factotum', 'rpc');
    my $r = $c->open($fid, 2);
    die "open rpc: " . Ten::NineP::format_msg($r) unless $r->{type} eq 'Ropen';
    return $fid;
}

# A password login: the ticket path.
sub password_login {
    my ($user, $pass) = @_;
    my $c = kbootstrap();
    my $fid = rpc_fid($c);
    $c->write($fid, 0, "start proto=pass user=$user");
    $c->write($fid, 0, "pass $pass");
    my ($path) = $c->read($fid, 0, 512)->{data} =~ /ticket=(\S+)/ or die 'no ticket';
    return $path;
}

# adm's session, and glenda made with a password: (adm's client, root)
sub with_glenda {
    my ($a, $root) = kattach(password_login('adm', kfactotum()->adm_password));
    my $ctl = $a->newfid;
    $a->walk($root, $ctl, 'dev', 'factotum', 'ctl');
    $a->open($ctl, 1);
    $a->write($ctl, 0, 'adduser glenda');
    $a->write($ctl, 0, 'setpass glenda s3cret-pw');
    return ($a, $root);
}

sub options {
    my ($c, $fid) = @_;
    my $text = $c->read($fid, 0, 8000)->{data};
    my %o = $text =~ /(\w+)=(\S+)/g;
    $o{text} = $text;
    return \%o;
}

# A passkey registered on session $c (as its user, or for $user): the
# authenticator, and the reply to the attestation.
sub register {
    my ($c, $root, $user, %o) = @_;
    my $pk = Ten::Passkey->new(origin => $ORIGIN, %o);
    my $fid = rpc_fid($c, $root);
    my $w = $c->write($fid, 0, "start proto=webauthn role=register user=$user");
    return (undef, $w) if $w->{type} eq 'Rerror';
    my $opt = options($c, $fid);
    $c->write($fid, 0, "name $o{name}") if defined $o{name};
    $w = $c->write($fid, 0, join ' ', 'attestation', $pk->attestation($opt->{challenge}));
    $pk->{userid} = $opt->{userid};
    return ($pk, $w, $c->read($fid, 0, 512), $opt);
}

# A passkey login on a bootstrap session: (write reply, read reply, options)
sub passkey_login {
    my ($pk, %o) = @_;
    my $c = kbootstrap();
    my $fid = rpc_fid($c);
    $c->write($fid, 0, 'start proto=webauthn role=login' . ($o{user} ? " user=$o{user}" : ''));
    my $opt = options($c, $fid);
    my @a = $pk->assertion($o{challenge} // $opt->{challenge}, $o{nohandle} ? undef : $pk->{userid});
    my $w = $c->write($fid, 0, join ' ', 'assertion', @a);
    return ($w, $c->read($fid, 0, 512), $opt, \@a, $c, $fid);
}

# /ctl's passkeys USER, as session $c sees it
sub listing {
    my ($c, $root, $user) = @_;
    my $fid = $c->newfid;
    $c->walk($root, $fid, 'dev', 'factotum', 'ctl');
    $c->open($fid, 2);
    my $w = $c->write($fid, 0, "passkeys $user");
    return $w if $w->{type} eq 'Rerror';
    return $c->read($fid, 0, 8000)->{data};
}

__DATA__

=== TEST 1: /proto offers webauthn only with -R and -O
--- perl
my $c = kbootstrap();
$c->walk(0, 1, 'dev', 'factotum', 'proto');
$c->open(1, 0);
is($c->read(1, 0, 100)->{data}, "pass\npasswd\nwebauthn\n", 'with -R and -O');



=== TEST 2: without -R: no webauthn, and a start says why
--- factotum: -D 100
--- perl
my $c = kbootstrap();
$c->walk(0, 1, 'dev', 'factotum', 'proto');
$c->open(1, 0);
is($c->read(1, 0, 100)->{data}, "pass\npasswd\n", 'pass and passwd');
my $fid = main::rpc_fid($c);
is_rerror($c->write($fid, 0, 'start proto=webauthn role=login'), 'passkeys are off: ten-factotum runs without -R and -O', 'start');



=== TEST 3: glenda registers an ES256 passkey and logs in with it, with and without her name
--- perl
main::with_glenda();
my ($g, $groot) = kattach(main::password_login('glenda', 's3cret-pw'));
my ($pk, $w, $done, $opt) = main::register($g, $groot, 'glenda', name => 'my laptop');
like($opt->{text}, qr/^options challenge=[\w-]{43} rp=localhost user=glenda userid=[\w-]{22} alg=-7,-8 uv=required\n$/, 'the options');
is_9p($w, 'Rwrite count=*', 'the attestation is taken');
is($done->{data}, 'done credential=' . $pk->id, 'done: the credential id');
like(main::listing($g, $groot, 'glenda'), qr/^id=\Q${\ $pk->id}\E alg=es256 created=\d+ used=0 counter=1 name=my laptop\n$/, 'glenda lists her passkey');
my $f = kfactotum();
is((stat $f->store . '/passkeys')[2] & 07777, 0600, 'the passkeys file is 0600');

my ($lw, $lr, $lopt) = main::passkey_login($pk);
like($lopt->{text}, qr/^options challenge=[\w-]{43} rp=localhost uv=required\n$/, 'no user: no allow list (a discoverable passkey)');
is_9p($lw, 'Rwrite count=*', 'the assertion is taken');
like($lr->{data}, qr{^done ticket=/priv/sessions/glenda/[0-9a-f]{32} expires=\d+$}, "a ticket of glenda's");
my ($path) = $lr->{data} =~ /ticket=(\S+)/;
my ($c2, $root2, $ra) = kattach($path);
is_9p($ra, 'Rattach qid=*', 'which attaches');
$c2->walk($root2, 1, 'dev', 'user');
$c2->open(1, 0);
is($c2->read(1, 0, 100)->{data}, 'glenda', 'as glenda');

($lw, $lr, $lopt) = main::passkey_login($pk, user => 'glenda', nohandle => 1);
is($lopt->{allow}, $pk->id, "with her name: her passkey in the allow list");
like($lr->{data}, qr{^done ticket=/priv/sessions/glenda/}, 'and a ticket, without a user handle');
like(main::listing($g, $groot, 'glenda'), qr/ used=\d{9,} counter=3 /, 'its counter and last use are kept');
like($f->log_text, qr/glenda logged in with a passkey/, 'the log says how');



=== TEST 4: an EdDSA passkey; adm registers one for glenda; a restart keeps them
--- perl
my ($a, $aroot) = main::with_glenda();
my ($pk, $w, $done) = main::register($a, $aroot, 'glenda', alg => -8);
is($done->{data}, 'done credential=' . $pk->id, 'adm registers an EdDSA passkey for glenda');
like(main::listing($a, $aroot, 'glenda'), qr/alg=ed25519 .* name=passkey\n$/, 'named "passkey" when no name is given');
my $f = kfactotum();
$f->stop;
$f->start;
my (undef, $lr) = main::passkey_login($pk);
like($lr->{data}, qr{^done ticket=/priv/sessions/glenda/}, 'after a restart it logs glenda in');
$f->stop;
open my $fh, '>>', $f->store . '/passkeys' or die;
print $fh "glenda AAAA " . ('A' x 5000) . " -7 x 1 2 3 name\n";
close $fh;
eval { $f->start };
like($@, qr{/passkeys:2: expected "user userid id alg key counter created used name"}, 'a damaged line: factotum says where, and does not start');
for my $file (qw(users signing)) {
    my $path = $f->store . "/$file";
    open my $in, '<', $path or die;
    my $was = do { local $/; <$in> };
    close $in;
    open my $out, '>>', $path or die;
    print $out "\nnot a line\n";
    close $out;
    eval { $f->start };
    like($@, qr{/$file:\d+: expected "}, "a damaged line of $file too");
    open $out, '>', $path or die;
    print $out $was;
    close $out;
}



=== TEST 5: who may register
--- perl
main::with_glenda();
my $c = kbootstrap();
my $fid = main::rpc_fid($c);
is_rerror($c->write($fid, 0, 'start proto=webauthn role=register user=glenda'), 'log in first: a passkey is registered on a session of its user', 'not on a bootstrap session');
my ($g, $groot) = kattach(main::password_login('glenda', 's3cret-pw'));
my (undef, $w) = main::register($g, $groot, 'adm');
is_rerror($w, 'permission denied', 'glenda cannot register one for adm');
my ($a, $aroot) = kattach(main::password_login('adm', kfactotum()->adm_password));
(undef, $w) = main::register($a, $aroot, 'nobody');
is_rerror($w, 'no such user', 'adm: not for a user factotum does not know');
$fid = main::rpc_fid($g, $groot);
is_rerror($c->write(main::rpc_fid($c), 0, 'start proto=webauthn role=register'), 'expected "start proto=pass user=NAME" (or proto=passwd, or proto=webauthn role=register|login)', 'register needs a user');
is(main::listing($g, $groot, 'glenda'), '', 'glenda has no passkeys');
is_rerror(main::listing($g, $groot, 'adm'), 'permission denied', "nor sees adm's");



=== TEST 6: refused registrations say why
--- perl
main::with_glenda();
my ($g, $groot) = kattach(main::password_login('glenda', 's3cret-pw'));
my (undef, $w) = main::register($g, $groot, 'glenda', origin => 'https://evil.example');
is_rerror($w, 'origin https://evil.example is not allowed', 'another origin');
(undef, $w) = main::register($g, $groot, 'glenda', rp => 'evil.example');
is_rerror($w, 'the authenticator data is for another rp id', 'another rp id');
(undef, $w) = main::register($g, $groot, 'glenda', flags => 0x01);
is_rerror($w, 'the user was not verified', 'no user verification');
my ($pk) = main::register($g, $groot, 'glenda');
(undef, $w) = main::register($g, $groot, 'glenda', id => $pk->{id});
is_rerror($w, 'this passkey is registered already', 'the same credential twice');

my $fid = main::rpc_fid($g, $groot);
$g->write($fid, 0, 'start proto=webauthn role=register user=glenda');
my $opt = main::options($g, $fid);
is_rerror($g->write($fid, 0, "name bad\x01name"), "a passkey's name is 1 to 64 bytes of text, the first no space", 'a name with a control character');
is_rerror($g->write($fid, 0, 'attestation !!! ???'), 'the attestation object and client data are base64url', 'not base64url');
is_rerror($g->write($fid, 0, 'attestation AAAA AAAA'), 'expected "start proto=pass user=NAME" (or proto=passwd, or proto=webauthn role=register|login)', 'the challenge is spent: the conversation starts over');
is_rerror($g->read($fid, 0, 100), 'expected "start proto=pass user=NAME" (or proto=passwd, or proto=webauthn role=register|login)', 'no options to read');
$g->write($fid, 0, 'start proto=webauthn role=register user=glenda');
isnt(main::options($g, $fid)->{challenge}, $opt->{challenge}, 'a new start: a new challenge');



=== TEST 7: refused logins: the same answer as a wrong password, after the delay
--- perl
use Time::HiRes qw(time);
main::with_glenda();
my ($g, $groot) = kattach(main::password_login('glenda', 's3cret-pw'));
my ($pk) = main::register($g, $groot, 'glenda');

my $t0 = time;
my $evil = Ten::Passkey->new(origin => 'https://evil.example', id => $pk->{id});
$evil->{key} = $pk->{key};
$evil->{counter} = 100;
my ($w) = main::passkey_login($evil);
is_rerror($w, 'authentication failed', 'another origin');
cmp_ok(time - $t0, '>', 0.09, 'after the delay');

my ($ok, $lr, $opt, $a) = main::passkey_login($pk);
like($lr->{data}, qr/^done ticket=/, 'the real one logs in');
my $c = kbootstrap();
my $fid = main::rpc_fid($c);
$c->write($fid, 0, 'start proto=webauthn role=login');
main::options($c, $fid);
is_rerror($c->write($fid, 0, join ' ', 'assertion', @$a), 'authentication failed', 'a replayed assertion (its challenge was another)');

($w) = main::passkey_login($pk, challenge => 'AAAA');
is_rerror($w, 'authentication failed', 'an answer to another challenge');

my $clone = Ten::Passkey->new(origin => $main::ORIGIN, id => $pk->{id});
$clone->{key} = $pk->{key};
$clone->{userid} = $pk->{userid};
($w) = main::passkey_login($clone);
is_rerror($w, 'authentication failed', 'a counter that went back (a clone)');
like(kfactotum()->log_text, qr/passkey of glenda: the signature counter went from \d+ to 1: the authenticator may have been cloned; the login is refused/, 'the log warns of a clone');

($w) = main::passkey_login($pk, user => 'adm');
is_rerror($w, 'authentication failed', "glenda's passkey for adm");
my $stranger = Ten::Passkey->new(origin => $main::ORIGIN);
($w) = main::passkey_login($stranger);
is_rerror($w, 'authentication failed', 'an unknown passkey');
my ($w2, $r2) = main::passkey_login($pk);
like($r2->{data}, qr/^done ticket=/, 'after all that the real one still logs in');



=== TEST 8: a removed passkey, or a deleted user's, logs in no more
--- perl
my ($a, $aroot) = main::with_glenda();
my ($g, $groot) = kattach(main::password_login('glenda', 's3cret-pw'));
my ($pk) = main::register($g, $groot, 'glenda', name => 'one');
my ($pk2) = main::register($g, $groot, 'glenda', name => 'two');
my $ctl = $g->newfid;
$g->walk($groot, $ctl, 'dev', 'factotum', 'ctl');
$g->open($ctl, 1);
is_rerror($g->write($ctl, 0, 'delpasskey glenda AAAA'), 'glenda has no such passkey', 'an id she does not have');
is_rerror($g->write($ctl, 0, 'delpasskey adm ' . $pk->id), 'permission denied', "not adm's");
is_rerror($g->write($ctl, 0, 'passkeys glenda'), 'passkeys: open ctl for reading and writing, then read the list', 'the list needs a fid open for reading');
is_9p($g->write($ctl, 0, 'delpasskey glenda ' . $pk->id), 'Rwrite count=*', 'glenda removes one');
my ($w) = main::passkey_login($pk);
is_rerror($w, 'authentication failed', 'it logs in no more');
like(main::listing($g, $groot, 'glenda'), qr/^id=\S+ alg=es256 .* name=two\n$/, 'the other is left');

my $actl = $a->newfid;
$a->walk($aroot, $actl, 'dev', 'factotum', 'ctl');
$a->open($actl, 1);
is_9p($a->write($actl, 0, 'deluser glenda'), 'Rwrite count=*', 'adm deletes glenda');
($w) = main::passkey_login($pk2);
is_rerror($w, 'authentication failed', "her passkeys went with her");
unlike(main::listing($a, $aroot, 'glenda'), qr/id=/, 'none is listed');
