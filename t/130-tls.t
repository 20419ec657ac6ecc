# TLS between the kernel and the services: ten-vfs and ten-factotum
# serving TLS 1.3 (-x CERT -y KEY), the kernel dialling them through
# nginx's SSL ("ninep_ssl on" in upstream{}, the certificate verified
# against ninep_ssl_trusted_certificate and ninep_ssl_name), factotum
# dialling ten-vfs with TLS (-a CA -N NAME).  The certificates are made
# here (Ten::TLS, openssl) in a temporary directory: a CA, good ones for
# vfs.ten, factotum.ten and ssr.ten, one for another name, a self-signed
# one.
# A wrong or untrusted certificate, a plain or a silent server is refused
# with a clear line in the error log and the session gets an Rerror; a
# plain client, garbage or silence on a TLS port is refused without harm
# to the other connections; a reconnect resumes the TLS session; health checks and the
# stream module work over TLS; nginx -t refuses contradictory
# directives.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Ten::Client;
use Ten::SSRTest ();
use Ten::TLS;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use Time::HiRes qw(time sleep);

my $DIR = tempdir('ten-tls-XXXXXX', TMPDIR => 1, CLEANUP => 1);
$ENV{TEST_NGINX_TLS} = $DIR;
$ENV{TEST_NGINX_TCP_PORT} = Test::Ten::free_port();

# a server that takes connections (the backlog) but never says a word
our $HUNG = listener();
$ENV{TEST_NGINX_HUNG_PORT} = $HUNG->sockport;

Ten::TLS::make_ca($DIR);
Ten::TLS::make_cert($DIR, $_, "$_.ten") for qw(vfs factotum ssr);
Ten::TLS::make_cert($DIR, 'wrong', 'other.ten');
Ten::TLS::make_cert($DIR, 'self', 'vfs.ten', 1);

# the services' flags name the certificates' directory too
add_block_preprocessor(sub {
    my $b = shift;
    for my $s (qw(vfs_args vfs2_args factotum ssr)) {
        my $v = $b->$s;
        $b->set_value($s => $v =~ s/\$TEST_NGINX_TLS/$DIR/gr) if defined $v;
    }
});
kernel_each_block();
add_block_preprocessor(sub {
    my $b = shift;
    $ENV{TEST_NGINX_FACTOTUM_PORT} = $b->{_kfact} ? $b->{_kfact}->port : 1;
    $ENV{TEST_NGINX_SSR_PORT} = $b->{_kssr} ? $b->{_kssr}->port : 1;
});
run_tests();

# The TLS counts a service logs on SIGUSR1: (handshakes, resumed).
sub tls_counts {
    my ($v) = @_;
    my $before = () = $v->log_text =~ /TLS handshakes \d+/g;
    kill USR1 => $v->pid;
    my $deadline = time + 3;
    while (time < $deadline) {
        my @all = $v->log_text =~ /TLS handshakes (\d+), resumed (\d+)/g;
        return @all[-2, -1] if @all / 2 > $before;
        sleep 0.02;
    }
    die "no TLS counts after SIGUSR1\n";
}

# The replies of a bootstrap session's conversation on /dev/factotum/rpc.
sub login {
    my ($user, $pass) = @_;
    my $c = kclient();
    $c->attach(0, 'none', '');
    my $r = $c->walk(0, 1, 'dev', 'factotum', 'rpc');
    die "walk to rpc: $r->{type}\n" unless $r->{type} eq 'Rwalk';
    $c->open(1, 2);
    $c->write(1, 0, "start proto=pass user=$user");
    $c->write(1, 0, "pass $pass");
    return $c->read(1, 0, 1024)->{data};
}

sub error_log { local $/; open my $fh, '<', Test::Ten::servroot() . '/logs/error.log' or return ''; <$fh> }

__DATA__

=== TEST 1: over TLS: a login through factotum, its ticket on the VFS, files written and read through the kernel
--- vfs_args: -x $TEST_NGINX_TLS/vfs.crt -y $TEST_NGINX_TLS/vfs.key
--- factotum: -D 100 -x $TEST_NGINX_TLS/factotum.crt -y $TEST_NGINX_TLS/factotum.key -a $TEST_NGINX_TLS/ca.crt -N vfs.ten
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        ninep_ssl on;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/ca.crt;
        ninep_ssl_name vfs.ten;
    }
    upstream ten_vfs2 { server 127.0.0.1:$TEST_NGINX_VFS2_PORT; }
    upstream ten_factotum {
        server 127.0.0.1:$TEST_NGINX_FACTOTUM_PORT;
        ninep_ssl on;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/ca.crt;
        ninep_ssl_name factotum.ten;
    }
--- perl
my $done = main::login('adm', kfactotum()->adm_password);
like($done, qr{^done ticket=/priv/sessions/adm/[0-9a-f]{32} }, 'adm logs in: factotum wrote the ticket on the VFS over TLS');
my ($ticket) = $done =~ /ticket=(\S+)/;
ok(-f kvfs->path(substr $ticket, 1), 'the ticket is on disk');
my ($c, $root) = kattach($ticket);
my $d = $c->walk_to($root, 'tmp');
is_9p($c->create($d, 'secret', 0600, 2), 'Rcreate qid=* iounit=*', 'create a file through the kernel');
is_9p($c->write($d, 0, "inside TLS\n"), 'Rwrite count=11', 'write it');
is_9p($c->read($d, 0, 100), 'Rread data="inside TLS\n"', 'read it back');
open my $fh, '<', kvfs->path('tmp/secret') or die;
is(scalar <$fh>, "inside TLS\n", 'the bytes are on disk');
my ($n, $resumed) = main::tls_counts(kvfs);
cmp_ok($n, '>=', 2, "ten-vfs shook hands with the kernel and factotum ($n)");
($n) = main::tls_counts(kfactotum);
cmp_ok($n, '>=', 1, "ten-factotum shook hands with the kernel ($n)");
unlike(kvfs->log_text, qr/verify failed|timed out/, 'no failed verification on ten-vfs');
--- error_log
ticket signing keys from factotum's /keys



=== TEST 2: a certificate for another name is refused: a clear error in the log, an Rerror for the session
--- vfs_args: -x $TEST_NGINX_TLS/wrong.crt -y $TEST_NGINX_TLS/wrong.key
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        ninep_ssl on;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/ca.crt;
        ninep_ssl_name vfs.ten;
    }
    upstream ten_vfs2 { server 127.0.0.1:$TEST_NGINX_VFS2_PORT; }
--- perl
my $c = kclient();
my $t0 = time;
is_rerror($c->attach(0, 'x', $ENV{TEST_NGINX_TICKET}), 'vfs unavailable: cannot connect', 'the attach fails with an Rerror');
cmp_ok(time - $t0, '<', 3, 'at once, no hang');
--- error_log
qr/9p: service "vfs": TLS certificate does not match "vfs\.ten" to 127\.0\.0\.1:\d+, service: "vfs", upstream: "ten_vfs"/



=== TEST 2b: the kernel with ninep_ssl on before a plain service: a failed handshake, logged, an Rerror
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        ninep_ssl on;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/ca.crt;
        ninep_ssl_name vfs.ten;
    }
    upstream ten_vfs2 { server 127.0.0.1:$TEST_NGINX_VFS2_PORT; }
--- perl
my $c = kclient();
is_rerror($c->attach(0, 'x', $ENV{TEST_NGINX_TICKET}), 'vfs unavailable: cannot connect', 'the attach fails with an Rerror');
like(kvfs->log_text, qr/message size \d+ outside/, 'ten-vfs took the ClientHello for a bad 9P message and closed');
--- error_log
qr/9p: service "vfs": TLS handshake failed to 127\.0\.0\.1:\d+/



=== TEST 2c: a server that never answers the ClientHello: the handshake ends at ninep_connect_timeout
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        ninep_ssl on;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/ca.crt;
        ninep_ssl_name vfs.ten;
    }
    upstream ten_vfs2 {
        server 127.0.0.1:$TEST_NGINX_HUNG_PORT;
        ninep_ssl on;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/ca.crt;
        ninep_ssl_name vfs.ten;
    }
--- vfs_args: -x $TEST_NGINX_TLS/vfs.crt -y $TEST_NGINX_TLS/vfs.key
--- namespace
mount vfs /
mount vfs2 /n/two
--- setup
mkdir -p n/two
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_service vfs2 ten_vfs2;
        ninep_connect_timeout 500ms;
    }
--- perl
my $c = kclient();
my $t0 = time;
is_rerror($c->attach(0, 'x', $ENV{TEST_NGINX_TICKET}), 'vfs2 unavailable: cannot connect', 'the attach fails with an Rerror');
my $took = time - $t0;
ok($took >= 0.4 && $took < 3, sprintf('after the connect timeout (%.1f s)', $took));
--- error_log
qr/9p: service "vfs2": TLS handshake timed out to 127\.0\.0\.1:\d+/



=== TEST 3: a self-signed certificate is not trusted; without ninep_ssl_name the upstream's name is the one checked
--- vfs_args: -x $TEST_NGINX_TLS/vfs.crt -y $TEST_NGINX_TLS/vfs.key
--- vfs2_args: -x $TEST_NGINX_TLS/self.crt -y $TEST_NGINX_TLS/self.key
--- vfs2
--- namespace
mount vfs /
mount vfs2 /n/two
--- setup
mkdir -p n/two
--- http_config
    upstream vfs.ten {
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        ninep_ssl on;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/ca.crt;
    }
    upstream ten_vfs2 {
        server 127.0.0.1:$TEST_NGINX_VFS2_PORT;
        ninep_ssl on;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/ca.crt;
        ninep_ssl_name vfs.ten;
    }
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs vfs.ten boot;
        ninep_service vfs2 ten_vfs2;
    }
--- perl
my $c = kclient();
is_rerror($c->attach(0, 'x', $ENV{TEST_NGINX_TICKET}), 'vfs2 unavailable: cannot connect', 'the namespace mounts the untrusted one: the attach fails with an Rerror');
my ($n) = main::tls_counts(kvfs);
cmp_ok($n, '>=', 1, 'the boot service, checked by its upstream name vfs.ten, was reached over TLS');
--- error_log
qr/9p: service "vfs2": TLS certificate not trusted \(\d+: self.signed certificate\) to 127\.0\.0\.1:\d+/



=== TEST 4: a plain client, garbage and silence on a TLS port are refused; other connections go on meanwhile
--- vfs_args: -x $TEST_NGINX_TLS/vfs.crt -y $TEST_NGINX_TLS/vfs.key
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        ninep_ssl on;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/ca.crt;
        ninep_ssl_name vfs.ten;
    }
    upstream ten_vfs2 { server 127.0.0.1:$TEST_NGINX_VFS2_PORT; }
--- timeout: 30
--- perl
my $port = kvfs->port;
# a silent client first: its handshake waits on its own thread
my $silent = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port) or die;
my $t0 = time;
# a plain 9P client: its Tversion is no ClientHello
my $plain = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port) or die;
syswrite($plain, pack('VCvVv/a*', 19, 100, 0xffff, 8192, '9P2000'));
my $got = '';
$plain->blocking(1);
my $rin = ''; vec($rin, fileno($plain), 1) = 1;
select(my $r = $rin, undef, undef, 3);
my $n = sysread($plain, $got, 100);
ok(defined $n && $n == 0 || (defined $got && $got !~ /9P2000/), 'the plain client gets no Rversion: it is closed') or diag("read: " . ($n // 'undef') . " $got");
# garbage that looks like a TLS record
my $junk = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port) or die;
syswrite($junk, "\x16\x03\x01\x00\x08" . "\xff" x 8 . "garbage" x 50);
# meanwhile a session through the kernel works at once
my ($c, $root) = kattach($ENV{TEST_NGINX_TICKET});
my $f = $c->walk_to($root, 'adm/users');
ok(defined $f, 'a session walks while a silent client holds a handshake open');
cmp_ok(time - $t0, '<', 3, 'without waiting for it');
ok(wait_for(sub { kvfs->log_text =~ /TLS handshake timed out after 5000 ms, closing/ }, 8), 'the silent client is dropped after 5 s');
my $log = kvfs->log_text;
like($log, qr/127\.0\.0\.1:\d+: TLS handshake failed: (?!peer closed)\S.*, closing/, 'the plain client: a failed handshake, with its address and why');
my @failed = $log =~ /TLS handshake failed/g;
cmp_ok(scalar @failed, '>=', 2, 'the garbage too');
ok(kvfs->alive, 'ten-vfs is still running');
is_9p($c->stat($f), 'Rstat stat=*', 'the session still works');



=== TEST 5: a reconnect resumes the TLS session; ninep_ssl_session_reuse off does not
--- vfs_args: -x $TEST_NGINX_TLS/vfs.crt -y $TEST_NGINX_TLS/vfs.key
--- vfs2_args: -x $TEST_NGINX_TLS/vfs.crt -y $TEST_NGINX_TLS/vfs.key
--- vfs2
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        ninep_ssl on;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/ca.crt;
        ninep_ssl_name vfs.ten;
    }
    upstream ten_vfs2 {
        server 127.0.0.1:$TEST_NGINX_VFS2_PORT;
        ninep_ssl on;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/ca.crt;
        ninep_ssl_name vfs.ten;
        ninep_ssl_session_reuse off;
    }
--- namespace
mount vfs /
mount vfs2 /n/vfs2
--- setup
mkdir -p n/vfs2
--- perl
for my $round (1 .. 3) {
    my ($c, $root) = kattach($ENV{TEST_NGINX_TICKET});
    ok(defined $c->walk_to($root, 'n/vfs2/adm'), "round $round: both services answer");
    $c->close;
    # the kernel's connections to both are cut (the services' side stays)
    for my $v (kvfs, kvfs2) {
        system("ss -K dst 127.0.0.1 dport = :" . $v->port . " > /dev/null 2>&1");
    }
    wait_for(sub { main::error_log() =~ /connection lost/ }, 2);
}
my ($n, $resumed) = main::tls_counts(kvfs);
cmp_ok($n, '>=', 3, "vfs: a handshake for each connection ($n)");
cmp_ok($resumed, '>=', 1, "vfs: the reconnects resumed the session ($resumed)");
my ($n2, $resumed2) = main::tls_counts(kvfs2);
cmp_ok($n2, '>=', 3, "vfs2: a handshake for each connection ($n2)");
is($resumed2, 0, 'vfs2, without session reuse: none resumed');



=== TEST 5b: factotum's redial to ten-vfs resumes its TLS session
--- vfs_args: -x $TEST_NGINX_TLS/vfs.crt -y $TEST_NGINX_TLS/vfs.key
--- factotum: -D 100 -a $TEST_NGINX_TLS/ca.crt -N vfs.ten
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        ninep_ssl on;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/ca.crt;
        ninep_ssl_name vfs.ten;
        ninep_ssl_session_reuse off;
    }
    upstream ten_vfs2 { server 127.0.0.1:$TEST_NGINX_VFS2_PORT; }
    upstream ten_factotum { server 127.0.0.1:$TEST_NGINX_FACTOTUM_PORT; }
--- perl
# the kernel never resumes here (session reuse off): what resumes is factotum
my $pass = kfactotum()->adm_password;
like(main::login('adm', $pass), qr/^done ticket=/, 'a login: factotum dials ten-vfs over TLS');
my ($n1, $r1) = main::tls_counts(kvfs);
my $vport = kvfs->port;
my $fpid = kfactotum()->pid;
my ($lport) = `ss -tnpH state established dport = :$vport` =~ /127\.0\.0\.1:(\d+)\s+127\.0\.0\.1:$vport\s+users:\(\("ten-factotum",pid=$fpid,/;
ok($lport, "factotum's connection to ten-vfs found (port " . ($lport // '?') . ')');
system("ss -K sport = :$lport dport = :$vport > /dev/null 2>&1");
like(main::login('adm', $pass), qr/^done ticket=/, 'the next login: factotum dials again');
my ($n2, $r2) = main::tls_counts(kvfs);
is($n2 - $n1, 1, 'one more handshake on ten-vfs');
is($r2 - $r1, 1, 'and it resumed the session factotum had');



=== TEST 6: health checks probe with Tversion inside TLS; a server whose certificate is swapped for a wrong one is found down
--- vfs_args: -x $TEST_NGINX_TLS/vfs.crt -y $TEST_NGINX_TLS/vfs.key
--- vfs2_args: -x $TEST_NGINX_TLS/vfs.crt -y $TEST_NGINX_TLS/vfs.key
--- vfs2
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        server 127.0.0.1:$TEST_NGINX_VFS2_PORT;
        ninep_ssl on;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/ca.crt;
        ninep_ssl_name vfs.ten;
        ninep_check interval=500ms timeout=400ms fails=2;
    }
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
    }
--- timeout: 30
--- perl
ok(wait_for(sub { (main::tls_counts(kvfs2))[0] >= 2 }, 5, 0.2), 'the probes reach vfs2 over TLS');
# its certificate replaced by one for another name
my $v2 = kvfs2;
$v2->stop;
s/\bvfs\.(crt|key)$/wrong.$1/ for @{ $v2->{args} };
$v2->start;
my $p2 = $v2->port;
ok(wait_for(sub { main::error_log() =~ /server 127\.0\.0\.1:$p2 is down: 2 checks failed, the last: TLS certificate does not match "vfs\.ten"/ }, 5),
   'vfs2 is found down, and the log says why')
    or diag(join "\n", grep { /is down|is up/ } split /\n/, main::error_log());
my $p1 = kvfs->port;
unlike(main::error_log(), qr/:$p1 is down/, 'vfs passes its probes');
my ($n) = main::tls_counts(kvfs);
cmp_ok($n, '>=', 2, "the probes shook hands with it ($n)");
for (1 .. 4) {
    my (undef, undef, $r) = kattach($ENV{TEST_NGINX_TICKET});
    is_9p($r, 'Rattach qid=*', "session $_ attaches");
}



=== TEST 7: the stream module's raw 9P sessions reach a TLS service the same way
--- vfs_args: -x $TEST_NGINX_TLS/vfs.crt -y $TEST_NGINX_TLS/vfs.key
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        ninep_ssl on;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/ca.crt;
        ninep_ssl_name vfs.ten;
    }
--- config
--- stream_config
    server {
        listen 127.0.0.1:$TEST_NGINX_TCP_PORT;
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
    }
--- perl
my $t = Ten::Client->connect(port => $ENV{TEST_NGINX_TCP_PORT});
$t->version(8192);
is_9p($t->attach(0, 'glenda', $ENV{TEST_NGINX_TICKET}), 'Rattach qid=*', 'a ticket attach over raw TCP');
my $f = $t->walk_to(0, 'adm/users');
$t->open($f, 0);
like($t->read($f, 0, 8192)->{data}, qr/^glenda:/m, 'read /adm/users through TLS');
my ($n) = main::tls_counts(kvfs);
cmp_ok($n, '>=', 1, 'over TLS');



=== TEST 8: factotum refuses a VFS whose certificate has another name
--- vfs_args: -x $TEST_NGINX_TLS/vfs.crt -y $TEST_NGINX_TLS/vfs.key
--- factotum: -D 100 -a $TEST_NGINX_TLS/ca.crt -N other.ten
--- perl
my $done = main::login('adm', kfactotum()->adm_password);
unlike($done // '', qr/^done/, 'no login without the VFS');
ok(wait_for(sub { kfactotum()->log_text =~ /TLS certificate verify failed: hostname mismatch/ }, 3), "factotum's log says why")
    or diag(kfactotum()->log_tail);



=== TEST 8b: ten-ssr over TLS both ways: the kernel to it, it to ten-vfs
--- vfs_args: -x $TEST_NGINX_TLS/vfs.crt -y $TEST_NGINX_TLS/vfs.key
--- ssr: -x $TEST_NGINX_TLS/ssr.crt -y $TEST_NGINX_TLS/ssr.key -a $TEST_NGINX_TLS/ca.crt -N vfs.ten
--- namespace
mount -c vfs /
mount ssr /view
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        ninep_ssl on;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/ca.crt;
        ninep_ssl_name vfs.ten;
    }
    upstream ten_vfs2 { server 127.0.0.1:$TEST_NGINX_VFS2_PORT; }
    upstream ten_ssr {
        server 127.0.0.1:$TEST_NGINX_SSR_PORT;
        ninep_ssl on;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/ca.crt;
        ninep_ssl_name ssr.ten;
    }
--- perl
plant_file(kvfs, 'usr/glenda/notes.md', "# Over TLS\n", uid => 'glenda', gid => 'glenda');
my ($c, $root) = kattach($ENV{TEST_NGINX_TICKET});
my $page = Ten::SSRTest::view($c, $root, 'usr/glenda/notes.md');
like(ref $page ? Ten::NineP::format_msg($page) : $page, qr{<h1>Over TLS</h1>}, 'the view of a Markdown file, rendered from the VFS');
my ($n) = main::tls_counts(kssr);
cmp_ok($n, '>=', 1, "ten-ssr: the kernel came over TLS ($n)");
($n) = main::tls_counts(kvfs);
cmp_ok($n, '>=', 2, "ten-vfs: the kernel and ten-ssr came over TLS ($n)");



=== TEST 9: the services' TLS flags: halves of a pair, and files that are not there, are refused
--- down
--- perl
my $b = Ten::VFS::ten_build();
my $keys = kkeys();
my @base = ("$b/ten-vfs", '-r', Test::Ten::servroot() . '/flags', '-l', '127.0.0.1:1', '-k', "$keys/vfs.key", '-t', "$keys/vfs.trust");
mkdir Test::Ten::servroot() . '/flags';
sub run_out { my $out = `@_ 2>&1`; return ($? >> 8, $out) }
my ($rc, $out) = run_out(@base, '-x', "$ENV{TEST_NGINX_TLS}/vfs.crt");
is($rc, 1, '-x alone: exit 1');
like($out, qr/-x CERT and -y KEY go together/, 'it says so');
($rc, $out) = run_out(@base, '-x', "$ENV{TEST_NGINX_TLS}/none.crt", '-y', "$ENV{TEST_NGINX_TLS}/vfs.key");
like($out, qr{cannot use certificate "\S+/none\.crt"}, 'a missing certificate, named');
($rc, $out) = run_out(@base, '-x', "$ENV{TEST_NGINX_TLS}/vfs.crt", '-y', "$ENV{TEST_NGINX_TLS}/wrong.key");
like($out, qr{cannot use key "\S+/wrong\.key"}, "another certificate's key, named");
system('cp', "$ENV{TEST_NGINX_TLS}/vfs.key", "$ENV{TEST_NGINX_TLS}/open.key") == 0 or die;
chmod 0644, "$ENV{TEST_NGINX_TLS}/open.key";
($rc, $out) = run_out("timeout 10", @base, "-x", "$ENV{TEST_NGINX_TLS}/vfs.crt", "-y", "$ENV{TEST_NGINX_TLS}/open.key");
is($rc, 1, 'a TLS key others can read: exit 1');
like($out, qr{key file \S+/open\.key is accessible by group or others \(mode 0644\); chmod 600 it}, 'it says so, as for the Ed25519 keys');
($rc, $out) = run_out("$b/ten-factotum", '-s', '/nonexistent', '-l', '127.0.0.1:1', '-k', "$keys/factotum.key", '-t', "$keys/factotum.trust", '-v', '127.0.0.1:1', '-a', "$ENV{TEST_NGINX_TLS}/ca.crt");
like($out, qr/-a CA and -N NAME go together/, 'factotum: -a without -N');
($rc, $out) = run_out("$b/ten-vfs", '-a', 'x');
is($rc, 2, 'ten-vfs has no client side: -a is a usage error');



=== TEST 10: nginx -t: ninep_ssl without a certificate to verify with
--- http_config
    upstream ten_vfs { server 127.0.0.1:1; ninep_ssl on; }
--- config
--- must_die
--- error_log
"ninep_ssl_verify" is on (the default) in upstream "ten_vfs", but it has no "ninep_ssl_trusted_certificate"



=== TEST 11: nginx -t: TLS directives without ninep_ssl on
--- http_config
    upstream ten_vfs { server 127.0.0.1:1; ninep_ssl_name vfs.ten; }
--- config
--- must_die
--- error_log
"ninep_ssl_name" in upstream "ten_vfs" without "ninep_ssl on" does nothing



=== TEST 12: nginx -t: a trusted certificate with verification off
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:1;
        ninep_ssl on;
        ninep_ssl_verify off;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/ca.crt;
    }
--- config
--- must_die
--- error_log
"ninep_ssl_trusted_certificate" in upstream "ten_vfs" does nothing with "ninep_ssl_verify off"



=== TEST 13: nginx -t: a trusted certificate file that is not there, named with its directive
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:1;
        ninep_ssl on;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/nonexistent.crt;
    }
--- config
--- must_die
--- error_log
cannot load the "ninep_ssl_trusted_certificate" of upstream "ten_vfs", in



=== TEST 14: nginx -t: ninep_ssl twice, and a value that is not on or off
--- http_config
    upstream ten_vfs { server 127.0.0.1:1; ninep_ssl on; ninep_ssl off; }
--- config
--- must_die
--- error_log
"ninep_ssl" directive is duplicate



=== TEST 15: nginx -t: verification off is allowed (confidentiality only)
--- vfs_args: -x $TEST_NGINX_TLS/self.crt -y $TEST_NGINX_TLS/self.key
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        ninep_ssl on;
        ninep_ssl_verify off;
    }
    upstream ten_vfs2 { server 127.0.0.1:$TEST_NGINX_VFS2_PORT; }
--- perl
my (undef, undef, $r) = kattach($ENV{TEST_NGINX_TICKET});
is_9p($r, 'Rattach qid=*', 'a self-signed server is used when nothing is verified');
my ($n) = main::tls_counts(kvfs);
cmp_ok($n, '>=', 1, 'over TLS');
