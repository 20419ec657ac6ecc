# Two ten-factotums on one key store (issue 20): A is the block's factotum,
# B a second one on A's store directory, both in the kernel's upstream
# ten_factotum.  A login works on either; a change made through one (a
# password, users added and removed, a passkey, a rotation) is seen by the
# other at its next request; writes made on both at once are all kept; a
# scheduled rotation due on both happens once; failed logins slow a user
# down on both; a factotum killed while it writes leaves a whole store.
# The tests reach each factotum directly (as the kernel, speaking for a
# user) to know which one answers; tickets attach through the kernel.
# The store is a local directory here; `make test-scale` runs the suite
# with it on GlusterFS: TEN_FACTOTUM_STORES is the directory to make the
# stores in (Ten/Factotum.pm), and TEN_FACTOTUM_STORES2, if set, the same
# directory through a second mount, where B finds the store.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Ten::Passkey;
use Time::HiRes qw(time sleep);

our $ORIGIN = 'http://localhost:8080';
our $B;    # the second factotum

add_block_preprocessor(sub {
    my $b = shift;
    $b->set_value(factotum => "-D 100 -R localhost -O $ORIGIN")
        unless defined $b->factotum;
    $b->set_value(namespace => "mount vfs /\nmount factotum /dev/factotum\n");
});
kernel_each_block();
add_block_preprocessor(sub {
    my $b = shift;
    my $store = $b->{_kfact}->store;
    $store =~ s/^\Q$ENV{TEN_FACTOTUM_STORES}\E/$ENV{TEN_FACTOTUM_STORES2}/
        or die "$store is not in TEN_FACTOTUM_STORES"
        if $ENV{TEN_FACTOTUM_STORES2};
    $b->{_kfactb} = Ten::Factotum->new(store => $store,
        key => kkeys() . '/factotum.key', trust => kkeys() . '/factotum.trust',
        vfs_port => $ENV{TEST_NGINX_VFS_PORT},
        args => [split ' ', $b->factotum]);
    $b->{_kfactb}->command;
    my $pb = $b->{_kfactb}->port;
    $ENV{TEST_NGINX_UPSTREAMS} =~ s/(upstream ten_factotum \{ server [\d.:]+;)/$1 server 127.0.0.1:$pb;/
        or die "no upstream ten_factotum in $ENV{TEST_NGINX_UPSTREAMS}";
});
add_block_wrapper(sub {
    my ($block, $inner) = @_;
    local $B = $block->{_kfactb};
    $B->start;
    my $ok = eval { $inner->(); 1 };
    my $err = $@;
    if ($B->alive) {
        is($B->stop(30), 0, $block->name . ' - the second ten-factotum exits with 0 on SIGTERM');
    } elsif ($B->{exit}) {
        fail($block->name . " - the second ten-factotum died during the block (status $B->{exit})");
        diag($B->log_tail);
    }
    die $err unless $ok;
});
run_tests();

sub A { kfactotum() }
sub B { $B }

# A session on factotum $f as $user: the kernel authenticates, then
# speaks for $user.  ($client, $root fid)
sub fsession {
    my ($f, $user) = @_;
    my $c = Ten::Client->connect(port => $f->port);
    $c->version(8192);
    my $a = $c->auth('kernel', kkeys() . '/kernel.key', server => 'factotum');
    die "ten-auth-1 with factotum: $a->{error}" unless $a->{ok};
    my $r = $c->attach($c->newfid, 'kernel', '', $a->{afid});
    die 'kernel attach: ' . Ten::NineP::format_msg($r) unless $r->{type} eq 'Rattach';
    my $root = $c->newfid;
    $r = $c->attach($root, $user);
    die "attach as $user: " . Ten::NineP::format_msg($r) unless $r->{type} eq 'Rattach';
    return ($c, $root);
}

# A fid of session $c open on $name (rpc, ctl, keys) in $mode.
sub fopen {
    my ($c, $root, $name, $mode) = @_;
    my $fid = $c->walk_to($root, $name) // die "walk to $name";
    my $r = $c->open($fid, $mode);
    die "open $name: " . Ten::NineP::format_msg($r) unless $r->{type} eq 'Ropen';
    return $fid;
}

# A password login on $f: the ticket path, or the Rerror.
sub login {
    my ($f, $user, $pass) = @_;
    my ($c, $root) = fsession($f, 'none');
    my $fid = fopen($c, $root, 'rpc', 2);
    $c->write($fid, 0, "start proto=pass user=$user");
    my $w = $c->write($fid, 0, "pass $pass");
    return $w if $w->{type} eq 'Rerror';
    my ($path) = $c->read($fid, 0, 1024)->{data} =~ /ticket=(\S+)/;
    return $path;
}

sub login_ok { my $r = login(@_); return !ref $r }

# adm's write of $cmd to $f's ctl: the reply.
sub ctl {
    my ($f, $cmd) = @_;
    my ($c, $root) = fsession($f, 'adm');
    return $c->write(fopen($c, $root, 'ctl', 1), 0, $cmd);
}

# What adm reads from $f's ctl, and from its keys.
sub status {
    my ($f) = @_;
    my ($c, $root) = fsession($f, 'adm');
    return $c->read(fopen($c, $root, 'ctl', 0), 0, 8192)->{data};
}

sub keys_of {
    my ($f) = @_;
    my ($c, $root) = fsession($f, 'none');
    return $c->read(fopen($c, $root, 'keys', 0), 0, 8192)->{data};
}

sub users_of {
    my ($s) = status($_[0]) =~ /^users (.*)$/m;
    return sort split ' ', $s =~ s/\(no password\)//gr;
}
sub current_key { my ($k) = status($_[0]) =~ /^key (\S+) current /m; return $k }

# The key id that signed the ticket at $path.
sub ticket_keyid {
    my ($path) = @_;
    open my $fh, '<', kvfs->path(substr $path, 1) or die "$path: $!";
    return (split ' ', scalar <$fh>)[1];
}

sub store_file {
    my ($name) = @_;
    open my $fh, '<', A()->store . "/$name" or return '';
    local $/;
    return <$fh>;
}

__DATA__

=== TEST 1: one store, two factotums: adm made once, a login on either, tickets attach through the kernel, logins through the kernel go on when A stops
--- perl
my $pass = A()->adm_password;
like(A()->log_text, qr/first start: user adm/, 'A made adm at its first start');
unlike(B()->log_text, qr/first start/, 'B, on the same store, found adm there');
my $pa = main::login(A(), 'adm', $pass);
my $pb = main::login(B(), 'adm', $pass);
like($pa, qr{^/priv/sessions/adm/[0-9a-f]{32}$}, "adm logs in on A");
like($pb, qr{^/priv/sessions/adm/[0-9a-f]{32}$}, "and on B");
is(main::ticket_keyid($pa), main::ticket_keyid($pb), 'both sign with the one current key of the store');
is_9p((kattach($pa))[2], 'Rattach qid=*', "A's ticket attaches through the kernel");
is_9p((kattach($pb))[2], 'Rattach qid=*', "so does B's");
is(main::keys_of(A()), main::keys_of(B()), 'A and B serve the same /keys');
my $rpc = sub {
    my $c = kclient();
    $c->attach(0, 'none', '');
    $c->walk(0, 1, 'dev', 'factotum', 'rpc');
    $c->open(1, 2);
    $c->write(1, 0, 'start proto=pass user=adm');
    my $w = $c->write(1, 0, "pass $pass");
    return $w->{type} eq 'Rwrite' ? $c->read(1, 0, 1024)->{data} : "$w->{type} $w->{ename}";
};
like($rpc->(), qr{^done ticket=/priv/sessions/adm/}, 'a login through the kernel');
my $on_b = () = B()->log_text =~ /adm logged in/g;
is(A()->stop, 0, 'A stops');
my $r = wait_for(sub { my $d = $rpc->(); $d =~ /^done/ ? $d : undef }, 10, 0.2);
like($r, qr{^done ticket=/priv/sessions/adm/}, 'with A down, a login through the kernel is served by B');
is(scalar(() = B()->log_text =~ /adm logged in/g), $on_b + 1, 'B logged that login');
my ($path) = $r =~ /ticket=(\S+)/;
is_9p((kattach($path))[2], 'Rattach qid=*', 'its ticket attaches');



=== TEST 2: a password changed on one is refused and its successor accepted on the other at once; users added and removed likewise
--- perl
is_9p(main::ctl(A(), 'adduser glenda'), 'Rwrite count=*', 'A: adduser glenda');
is_9p(main::ctl(B(), 'setpass glenda pw-one'), 'Rwrite count=*', 'B sets her password: B knows glenda at once');
ok(main::login_ok(A(), 'glenda', 'pw-one'), 'A takes the password set on B');
# proto=passwd: glenda changes her own on A; B checks right after
my ($c, $root) = main::fsession(A(), 'none');
my $fid = main::fopen($c, $root, 'rpc', 2);
$c->write($fid, 0, 'start proto=passwd user=glenda');
$c->write($fid, 0, 'pass pw-one');
is_9p($c->write($fid, 0, 'newpass pw-two'), 'Rwrite count=*', 'glenda changes her password on A');
my $t0 = time;
is_rerror(main::login(B(), 'glenda', 'pw-one'), 'authentication failed', 'B refuses the old one right after');
ok(main::login_ok(B(), 'glenda', 'pw-two'), 'and accepts the new one');
cmp_ok(time - $t0, '<', 2, 'with no wait for a poll');
is_9p(main::ctl(B(), 'setpass glenda pw-three'), 'Rwrite count=*', 'adm changes it on B');
ok(!main::login_ok(A(), 'glenda', 'pw-two'), 'A refuses the one before');
ok(main::login_ok(A(), 'glenda', 'pw-three'), 'A takes it');
is_9p(main::ctl(B(), 'deluser glenda'), 'Rwrite count=*', 'B: deluser glenda');
is_deeply([main::users_of(A())], ['adm'], 'A lists adm alone');
ok(!main::login_ok(A(), 'glenda', 'pw-three'), 'glenda logs in on A no more');
is_rerror(main::ctl(A(), 'setpass glenda x'), 'no such user', 'nor has a password to set there');
like(B()->log_text, qr/a failed login as glenda/, 'B logged its failure') ;



=== TEST 3: 20 users added on A and 20 on B at once, all pipelined: every one is on both
--- timeout: 60
--- perl
my @sent;
for my $f (A(), B()) {
    my ($c, $root) = main::fsession($f, 'adm');
    my $tag = $f == A() ? 'a' : 'b';
    my @fids = map { main::fopen($c, $root, 'ctl', 1) } 1 .. 20;
    my @tags = $c->send(map { qq{Twrite fid=$fids[$_ - 1] offset=0 data="adduser $tag$_"} } 1 .. 20);
    push @sent, [$c, \@tags];
}
my @replies;
for my $s (@sent) {
    my ($c, $tags) = @$s;
    my %r = $c->collect($tags, 40);
    push @replies, map { $r{$_}{type} } @$tags;
}
is_deeply(\@replies, [('Rwrite') x 40], 'all 40 adds acknowledged');
my @want = sort 'adm', map { ("a$_", "b$_") } 1 .. 20;
is_deeply([main::users_of(A())], \@want, 'A lists all 41 users');
is_deeply([main::users_of(B())], \@want, 'so does B');
my @lines = split /\n/, main::store_file('users');
is(scalar @lines, 41, 'the users file has 41 lines, none twice');
my @tmp = grep { /\.tmp$/ } glob(A()->store . '/.*');
is("@tmp", '', 'no temporary file is left');
is_9p(main::ctl(B(), 'setpass a7 seven-pw'), 'Rwrite count=*', 'B sets a password of a user A added');
ok(main::login_ok(A(), 'a7', 'seven-pw'), 'which logs in on A');



=== TEST 4: rotate on A: B signs with the new key and lists it in /keys; the kernel accepts B's new tickets, old ones still attach
--- perl
my $pass = A()->adm_password;
my $before = main::login(B(), 'adm', $pass);
my $k1 = main::ticket_keyid($before);
is_9p(main::ctl(A(), 'rotate'), 'Rwrite count=6', 'A: rotate');
my $k2 = main::current_key(A());
isnt($k2, $k1, 'A has a new current key');
is(main::current_key(B()), $k2, "B's current key is A's new one");
like(main::keys_of(B()), qr/^ten-key-1 $k2 /m, "B's /keys certifies it");
my $after = main::login(B(), 'adm', $pass);
is(main::ticket_keyid($after), $k2, "B's next ticket is signed by it");
is_9p((kattach($after))[2], 'Rattach qid=*', 'it attaches through the kernel');
is_9p((kattach($before))[2], 'Rattach qid=*', 'the ticket signed before still does');



=== TEST 5: a scheduled rotation due on both happens once: logins on A and B at the same moment find one new key
--- factotum: -D 100 -K 4 -L 60
--- timeout: 60
--- perl
my $pass = A()->adm_password;
main::login(A(), 'adm', $pass);
is(scalar(() = main::store_file('signing') =~ /\n/g), 1, 'one signing key');
sleep 4.2;
# five logins on each, their passwords sent together once all have started
my @conv;
for my $f ((A(), B()) x 5) {
    my ($c, $root) = main::fsession($f, 'none');
    my $fid = main::fopen($c, $root, 'rpc', 2);
    $c->write($fid, 0, 'start proto=pass user=adm');
    push @conv, [$c, $fid];
}
my @tags = map { [$_->[0]->send(qq{Twrite fid=$_->[1] offset=0 data="pass $pass"})] } @conv;
my @paths;
for my $i (0 .. $#conv) {
    my ($c, $fid) = @{ $conv[$i] };
    my %r = $c->collect($tags[$i], 20);
    my ($path) = $c->read($fid, 0, 1024)->{data} =~ /ticket=(\S+)/;
    push @paths, $path;
}
is(scalar(grep { defined } @paths), 10, 'ten logins, five on each');
my %ids = map { main::ticket_keyid($_) => 1 } grep { defined } @paths;
is(scalar keys %ids, 1, 'all ten tickets are signed by one key');
is(scalar(() = main::store_file('signing') =~ /\n/g), 2, 'the store has the old key and one new one');
is(main::current_key(A()), main::current_key(B()), 'A and B have the same current key');



=== TEST 6: failed logins slow a user down on both: the fourth failure, on B, waits 800 ms; a success on B forgives on A
--- perl
my @took;
for my $f (A(), A(), A(), B()) {
    my $t0 = time;
    is_rerror(main::login($f, 'adm', 'wrong'), 'authentication failed', 'a wrong password');
    push @took, time - $t0;
}
like(A()->log_text, qr/a failed login as adm; answered in 400 ms/, 'the third failure, on A, waits 400 ms');
like(B()->log_text, qr/a failed login as adm; answered in 800 ms/, 'the fourth, on B, counts the three on A');
cmp_ok($took[3], '>', 0.75, 'and it took that long');
ok(main::login_ok(B(), 'adm', A()->adm_password), 'adm logs in on B');
my $t0 = time;
main::login(A(), 'adm', 'wrong');
cmp_ok(time - $t0, '<', 0.6, 'the next failure, on A, is quick again');
my @quick = A()->log_text =~ /a failed login as adm; answered in 100 ms/g;
is(scalar @quick, 2, 'A answered it in 100 ms, as the first');
like(main::store_file('fails'), qr/^adm 1 \d+$/m, 'the store counts one failure of adm');



=== TEST 7: a passkey registered on A logs in on B; its counter is shared, so a clone is caught on A
--- perl
is_9p(main::ctl(A(), 'adduser glenda'), 'Rwrite count=*', 'A: adduser glenda');
my ($c, $root) = main::fsession(A(), 'glenda');
my $pk = Ten::Passkey->new(origin => $main::ORIGIN);
my $fid = main::fopen($c, $root, 'rpc', 2);
$c->write($fid, 0, 'start proto=webauthn role=register user=glenda');
my %opt = $c->read($fid, 0, 8000)->{data} =~ /(\w+)=(\S+)/g;
is_9p($c->write($fid, 0, join ' ', 'attestation', $pk->attestation($opt{challenge})), 'Rwrite count=*', 'glenda registers a passkey on A');
$pk->{userid} = $opt{userid};
my $passkey_login = sub {
    my ($f, $key) = @_;
    my ($c, $root) = main::fsession($f, 'none');
    my $fid = main::fopen($c, $root, 'rpc', 2);
    $c->write($fid, 0, 'start proto=webauthn role=login');
    my %o = $c->read($fid, 0, 8000)->{data} =~ /(\w+)=(\S+)/g;
    my $w = $c->write($fid, 0, join ' ', 'assertion', $key->assertion($o{challenge}, $key->{userid}));
    return $w->{type} eq 'Rerror' ? $w->{ename} : $c->read($fid, 0, 512)->{data};
};
my $clone = bless { %$pk }, ref $pk;
like($passkey_login->(B(), $pk), qr{^done ticket=/priv/sessions/glenda/}, 'the passkey logs in on B');
like($passkey_login->(A(), $pk), qr{^done ticket=/priv/sessions/glenda/}, 'and on A');
is($passkey_login->(A(), $clone), 'authentication failed', 'a copy with the counter of before is refused on A');
my $n = $clone->{counter};    # what the copy sent; the passkey sent one more
like(A()->log_text, qr/the signature counter went from @{[$n + 1]} to $n:/, 'A says why: the counter B raised');



=== TEST 8: A killed while A and B write: every acknowledged user is there, the store is whole, B goes on; A's restart removes what it left
--- timeout: 60
--- perl
my ($ca, $ra) = main::fsession(A(), 'adm');
my ($cb, $rb) = main::fsession(B(), 'adm');
my @fa = map { main::fopen($ca, $ra, 'ctl', 1) } 1 .. 40;
my @fb = map { main::fopen($cb, $rb, 'ctl', 1) } 1 .. 20;
my @ta = $ca->send(map { qq{Twrite fid=$fa[$_ - 1] offset=0 data="adduser ka$_"} } 1 .. 40);
my @tb = $cb->send(map { qq{Twrite fid=$fb[$_ - 1] offset=0 data="adduser kb$_"} } 1 .. 20);
sleep 0.05;
A()->kill9;
my %acked;
while (my $r = $ca->recv(1)) {
    $acked{ $r->{tag} } = 1 if $r->{type} eq 'Rwrite';
}
my @acked_a = map { "ka$_" } grep { $acked{ $ta[$_ - 1] } } 1 .. 40;
my %rb = $cb->collect(\@tb, 40);
is(scalar(grep { $_->{type} eq 'Rwrite' } values %rb), 20, "B's 20 adds are acknowledged, A's death notwithstanding");
Test::More::note(scalar(@acked_a) . ' of A\'s 40 adds were acknowledged before it died');
my @lines = split /\n/, main::store_file('users');
is(scalar(grep { !/^[a-z_][a-z0-9_-]* (-|\$argon2id\$\S+)$/ } @lines), 0, 'every line of the users file is whole');
my %on_b = map { $_ => 1 } main::users_of(B());
is_deeply([grep { !$on_b{$_} } @acked_a, map { "kb$_" } 1 .. 20], [], 'B lists every acknowledged user');
is(scalar keys %on_b, scalar @lines, 'and what the file holds');
is_9p(main::ctl(B(), 'adduser after'), 'Rwrite count=*', 'B writes on: the lock died with A');
ok(main::login_ok(B(), 'adm', A()->adm_password), 'logins on B go on');
A()->start;
my @tmp = grep { /\.tmp$/ } glob(A()->store . '/.*');
is("@tmp", '', 'after A restarts no temporary file is left');
ok(main::login_ok(A(), 'adm', A()->adm_password), 'A serves again');
ok((grep { $_ eq 'after' } main::users_of(A())), 'and knows what B added meanwhile');



=== TEST 9: a passkeys file holding more than 32 passkeys of one user (another build's, a hand's): both list them all and offer them all at a login
--- perl
use MIME::Base64 qw(encode_base64url);
my $uid = encode_base64url('u' x 16);
my $key = encode_base64url("\x04" . ('k' x 64));
my @ids = map { encode_base64url(chr($_) x 1023) } 1 .. 40;
open my $fh, '>', A()->store . '/passkeys' or die;
print $fh "glenda $uid $_ -7 $key 0 1 0 key\n" for @ids;
close $fh;
# as another instance's change would: "lock" one byte longer
my $lock = A()->store . '/lock';
truncate $lock, (-s $lock) + 1 or die "truncate: $!";
my ($c, $root) = main::fsession(A(), 'adm');
my $fid = main::fopen($c, $root, 'ctl', 2);
is_9p($c->write($fid, 0, 'passkeys glenda'), 'Rwrite count=*', 'A: passkeys glenda');
my ($text, $off) = ('', 0);
while (1) {
    my $d = $c->read($fid, $off, 8000)->{data} // '';
    last if $d eq '';
    $text .= $d;
    $off += length $d;
}
is(scalar(() = $text =~ /^id=\S+ alg=es256 /mg), 40, 'A lists the 40');
my ($cb, $rootb) = main::fsession(B(), 'none');
my $rpc = main::fopen($cb, $rootb, 'rpc', 2);
is_9p($cb->write($rpc, 0, 'start proto=webauthn role=login user=glenda'), 'Rwrite count=*', 'B: a passkey login of glenda starts');
my ($opt, $o) = ('', 0);
while (1) {
    my $d = $cb->read($rpc, $o, 8000)->{data} // '';
    last if $d eq '';
    $opt .= $d;
    $o += length $d;
}
my ($allow) = $opt =~ / allow=(\S+)\n\z/;
is_deeply([split /,/, $allow // ''], \@ids, 'its options allow the 40');
ok(A()->alive && B()->alive, 'both are alive');



=== TEST 10: a store where "fails" cannot be written (immutable here; full, or made read-only, in life): a failure is answered after the longest delay, not the first one's again and again
--- perl
my $store = A()->store;
SKIP: {
    skip 'chattr +i is not allowed here', 3 if system("chattr +i '$store' 2>/dev/null") != 0;
    my $ok = eval {
        my ($c, $root) = main::fsession(A(), 'none');
        my $fid = main::fopen($c, $root, 'rpc', 2);
        $c->write($fid, 0, 'start proto=pass user=adm');
        $c->send(qq{Twrite fid=$fid offset=0 data="pass wrong"});
        my $said = wait_for(sub { A()->log_text =~ /a failed login as adm; answered in (\d+) ms/ ? $1 : undef }, 10, 0.1);
        like(A()->log_text, qr{failed logins: \Q$store\E/\.fails\.\w+\.tmp: Operation not permitted}, 'A says why it cannot count the failure');
        is($said, 30000, 'and answers it after the longest delay, 30 s');
        $c->disconnect;
        1;
    };
    system("chattr -i '$store'");
    die $@ unless $ok;
    ok(main::login_ok(A(), 'adm', A()->adm_password), 'with fails writable again, adm logs in');
}



=== TEST 11: a passkey registration begun on B before adm deletes its user on A is refused at its end: the deleted user gets no way back in
--- perl
is_9p(main::ctl(A(), 'adduser glenda'), 'Rwrite count=*', 'A: adduser glenda');
my ($c, $root) = main::fsession(B(), 'glenda');
my $pk = Ten::Passkey->new(origin => $main::ORIGIN);
my $fid = main::fopen($c, $root, 'rpc', 2);
is_9p($c->write($fid, 0, 'start proto=webauthn role=register user=glenda'), 'Rwrite count=*', 'glenda begins to register a passkey on B');
my %opt = $c->read($fid, 0, 8000)->{data} =~ /(\w+)=(\S+)/g;
is_9p(main::ctl(A(), 'deluser glenda'), 'Rwrite count=*', 'A: deluser glenda');
is_rerror($c->write($fid, 0, join ' ', 'attestation', $pk->attestation($opt{challenge})), 'no such user', 'her attestation on B is refused');
unlike(main::store_file('passkeys'), qr/^glenda /m, 'the store holds no passkey of hers');
my ($cl, $rootl) = main::fsession(A(), 'none');
my $rpc = main::fopen($cl, $rootl, 'rpc', 2);
$cl->write($rpc, 0, 'start proto=webauthn role=login');
my %o = $cl->read($rpc, 0, 8000)->{data} =~ /(\w+)=(\S+)/g;
is_rerror($cl->write($rpc, 0, join ' ', 'assertion', $pk->assertion($o{challenge}, $opt{userid})), 'authentication failed', 'the passkey logs nobody in');



=== TEST 12: a login whose password was checked on B just before adm deleted the user on A: the ticket it then made does not outlive the deletion
--- timeout: 60
--- perl
my $ran = 0;
for my $i (1 .. 8) {
    my $u = "gone$i";
    main::ctl(A(), "adduser $u");
    main::ctl(A(), "setpass $u pw-$i");
    my ($c, $root) = main::fsession(B(), 'none');
    my $fid = main::fopen($c, $root, 'rpc', 2);
    $c->write($fid, 0, "start proto=pass user=$u");
    my ($ca, $ra) = main::fsession(A(), 'adm');
    my $ctl = main::fopen($ca, $ra, 'ctl', 1);
    # B copies the hash at once, then spends its Argon2id time: the
    # deletion on A is made meanwhile
    my ($tag) = $c->send(qq{Twrite fid=$fid offset=0 data="pass pw-$i"});
    sleep 0.01;
    is_9p($ca->write($ctl, 0, "deluser $u"), 'Rwrite count=*', "A: deluser $u");
    my %r = $c->collect([$tag], 20);
    next unless $r{$tag}{type} eq 'Rwrite' || $r{$tag}{ename} ne 'authentication failed';
    # the password was taken before the deletion
    $ran++;
    my $w = $r{$tag};
    my ($path) = $w->{type} eq 'Rwrite' ? $c->read($fid, 0, 1024)->{data} =~ /ticket=(\S+)/ : ();
    ok(!($path && -e kvfs->path(substr $path, 1)), "no ticket of $u is left after the deletion")
        or diag("$path is there");
}
Test::More::note("$ran of 8 logins had their password checked before the deletion");
cmp_ok($ran, '>', 0, 'the race was run at least once');



=== TEST 13: a passkey named by spaces alone is refused: saved, it would be a passkeys line no instance reads again, and every change would fail
--- perl
is_9p(main::ctl(A(), 'adduser glenda'), 'Rwrite count=*', 'A: adduser glenda');
my ($c, $root) = main::fsession(A(), 'glenda');
my $pk = Ten::Passkey->new(origin => $main::ORIGIN);
my $fid = main::fopen($c, $root, 'rpc', 2);
$c->write($fid, 0, 'start proto=webauthn role=register user=glenda');
my %opt = $c->read($fid, 0, 8000)->{data} =~ /(\w+)=(\S+)/g;
is_rerror($c->write($fid, 0, 'name    '), 'a passkey\'s name is 1 to 64 bytes of text, the first no space', 'a name of spaces is refused');
$c->write($fid, 0, join ' ', 'attestation', $pk->attestation($opt{challenge}));
is_9p(main::ctl(B(), 'adduser after'), 'Rwrite count=*', 'B adds a user after it');
is_9p(main::ctl(A(), 'adduser after2'), 'Rwrite count=*', 'so does A');
is(A()->stop, 0, 'A stops');
A()->start;
ok(main::login_ok(A(), 'adm', A()->adm_password), 'A starts again and logs adm in');
