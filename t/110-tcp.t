# Raw 9P over TCP and TLS (ngx_stream_9p_module): a stream server with
# "ninep;" gives byte-stream 9P clients the same sessions as WebSocket --
# bootstrap and ticket attaches, the namespace, file operations as the
# ticket's user, flush, recovery after a killed service -- with the
# stream cut into messages by 9P's size field (partial and coalesced
# messages, oversize refused), backpressure, an idle timeout for
# connections that never attach, TLS through nginx's "listen ... ssl",
# $ninep_* in the stream access log, and nginx -t refusing what cannot
# work in stream{}.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Ten::Client;
use Fcntl qw(O_RDWR O_NONBLOCK);
use Cwd ();
use HTTP::Tiny;

$ENV{TEST_NGINX_TCP_PORT} = Test::Ten::free_port();

# a certificate for localhost, made here, for the TLS block
$ENV{TEST_NGINX_TLS_DIR} = "t/servroot/tls-110";
system('mkdir', '-p', $ENV{TEST_NGINX_TLS_DIR});
system("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
     . "-subj /CN=localhost -addext subjectAltName=DNS:localhost "
     . "-keyout $ENV{TEST_NGINX_TLS_DIR}/tls.key -out $ENV{TEST_NGINX_TLS_DIR}/tls.crt 2>/dev/null") == 0
    or die "openssl req failed\n";
$ENV{TEST_NGINX_TLS_DIR} = Cwd::abs_path($ENV{TEST_NGINX_TLS_DIR});

add_block_preprocessor(sub {
    my $b = shift;
    $b->set_value(stream_config => <<'CONF') unless defined $b->stream_config;
    server {
        listen 127.0.0.1:$TEST_NGINX_TCP_PORT;
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
    }
CONF
});
kernel_each_block();
run_tests();

sub tcp {
    my (%o) = @_;
    my $c = Ten::Client->connect(port => $ENV{TEST_NGINX_TCP_PORT}, %o);
    my $r = $c->version($o{msize} || 8192);
    die "Tversion: $r->{type}\n" unless $r->{type} eq 'Rversion';
    return $c;
}

sub error_log { local $/; open my $fh, '<', Test::Ten::servroot() . '/logs/error.log' or return ''; <$fh> }

__DATA__

=== TEST 1: over TCP: a bootstrap attach, a ticket attach, and every file operation as the ticket's user
--- perl
my $c = Ten::Client->connect(port => $ENV{TEST_NGINX_TCP_PORT});
is_9p($c->version(8192), 'Rversion msize=8192 version=9P2000', 'Tversion');
is_9p($c->attach(0, 'none', ''), 'Rattach qid=(0x80 * *)', 'a bootstrap attach');
is_9p($c->walk(0, 1, 'dev', 'user'), 'Rwalk wqid=[* *]', "a walk into the kernel's /dev");
$c->open(1, 0);
is($c->read(1, 0, 100)->{data}, 'none', 'read /dev/user: none');

my $t = main::tcp();
is_9p($t->attach(0, 'glenda', $ENV{TEST_NGINX_TICKET}), 'Rattach qid=(0x80 * *)', 'a ticket attach');
my $d = $t->walk_to(0, 'usr/glenda');
ok(defined $d, 'walk to her home');
is_9p($t->create($d, 'notes', 0644, 1), 'Rcreate qid=(0 * *) iounit=*', 'create a file');
is_9p($t->write($d, 0, "over tcp\n"), 'Rwrite count=9', 'write it');
$t->clunk($d);
is(main::slurp_vfs('usr/glenda/notes'), "over tcp\n", 'the bytes are on disk');
my $f = $t->walk_to(0, 'usr/glenda/notes');
is($t->stat($f)->{stat}{uid}, 'glenda', 'made as glenda');
is_9p($t->wstat($f, name => 'renamed'), 'Rwstat', 'wstat: rename');
$t->open($f, 0);
is($t->read($f, 0, 100)->{data}, "over tcp\n", 'read it back');
is_9p($t->remove($f), 'Rremove', 'remove it');
ok(!-e kvfs->path('usr/glenda/renamed'), 'gone from disk');
my $adm = $t->walk_to(0, 'adm');
is_rerror($t->create($adm, 'x', 0644, 1), 'permission denied', "the services still decide: glenda may not write /adm");
is_rerror($t->attach(5, 'x', '/priv/sessions/glenda/' . ('0' x 32)), 'no such ticket', 'a ticket that is not there');

sub slurp_vfs { local $/; open my $fh, '<', kvfs->path($_[0]) or return undef; <$fh> }



=== TEST 2: a union, and a namespace across two mounts, as over WebSocket
--- vfs2
--- namespace
mount vfs /
mount -a vfs2 /tmp
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_service vfs2 ten_vfs2;
    }
--- stream_config
    server {
        listen 127.0.0.1:$TEST_NGINX_TCP_PORT;
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_service vfs2 ten_vfs2;
    }
--- perl
plant_file(kvfs, 'tmp/one', "1\n", mode => 0644);
plant_file(kvfs2, 'two', "2\n", mode => 0644);
my $t = main::tcp();
$t->attach(0, 'glenda', $ENV{TEST_NGINX_TICKET});
my $d = $t->walk_to(0, 'tmp');
$t->open($d, 0);
my @names = sort map { $_->{name} } $t->read_dir($d);
ok((grep { $_ eq 'one' } @names) && (grep { $_ eq 'two' } @names), 'the union lists both members') or diag("@names");
my $two = $t->walk_to(0, 'tmp/two');
$t->open($two, 0);
is($t->read($two, 0, 10)->{data}, "2\n", 'a file of the second service through the union');
my $ns = $t->walk_to(0, 'dev/ns');
$t->open($ns, 0);
like($t->read($ns, 0, 1000)->{data}, qr{^mount -a vfs2 /tmp$}m, '/dev/ns says so');



=== TEST 3: the byte stream: a message one byte at a time, three in one write, one over msize
--- perl
my $c = Ten::Client->connect(port => $ENV{TEST_NGINX_TCP_PORT});
my $msg = Ten::NineP::pack_msg({ type => 'Tversion', tag => 0xffff, msize => 8192, version => '9P2000' });
for my $byte (split //, $msg) {
    $c->send_raw($byte);
    select(undef, undef, undef, 0.01);
}
is_9p($c->recv(3), 'Rversion msize=8192 version=9P2000', 'a Tversion sent one byte at a time');
is_9p($c->attach(0, 'none', ''), 'Rattach qid=*', 'attach');
my @tags = $c->send('Tstat tag=1 fid=0', 'Twalk tag=2 fid=0 newfid=1 wname=[dev]',
                    'Tstat tag=3 fid=0');
my %r = $c->collect(\@tags, 5);
is(join(' ', map { $r{$_}{type} } sort keys %r), 'Rstat Rwalk Rstat', 'three messages in one write: three replies');
my $big = pack('V', 9000) . 'x' x 20;
$c->send_raw($big);
ok($c->closed(3), 'a message over msize ends the connection');
like(main::error_log(), qr/client sent a message of 9000 bytes, over msize: closing/, 'and the log says why');
my $d = Ten::Client->connect(port => $ENV{TEST_NGINX_TCP_PORT});
$d->send_raw(pack('V', 3) . 'xyz');
ok($d->closed(3), 'a size shorter than a header too');



=== TEST 4: flush of a blocked read; a killed service and its stale fids recovered
--- perl
my $path = kvfs->path('tmp/fifo');
system('mkfifo', '-m', '0666', $path) == 0 or die "mkfifo";
sysopen(my $w, $path, O_RDWR | O_NONBLOCK) or die "$path: $!";
my $t = main::tcp();
$t->attach(0, 'glenda', $ENV{TEST_NGINX_TICKET});
my $f = $t->walk_to(0, 'tmp/fifo');
$t->open($f, 0);
$t->send("Tread tag=7 fid=$f offset=0 count=100");
ok($t->quiet(0.3), 'the read of the FIFO waits');
$t->send('Tflush tag=8 oldtag=7');
my %r = $t->collect([7, 8], 3);
is($r{8}{type}, 'Rflush', 'Tflush answers it (after the read, if that was answered first, as flush(5) says)');

my $a = $t->walk_to(0, 'adm');
kvfs->kill9;
kvfs->start;
is_9p($t->stat($a), 'Rstat stat=*', 'after kill -9 and a restart, a stale fid works again');
like(main::error_log(), qr/fid \d+ \(\/adm\) recovered on a new connection to "vfs"/, 'recovered, the log says');



=== TEST 5: many TCP sessions share the kernel's one connection to the service; the status page counts them
--- config
    location = /status {
        ninep_status;
    }
--- perl
my @c = map { my $t = main::tcp(); $t->attach(0, 'glenda', $ENV{TEST_NGINX_TICKET}); $t } 1 .. 20;
my $ok = grep { $_->stat(0)->{type} eq 'Rstat' } @c;
is($ok, 20, 'twenty sessions stat their root');
is(kvfs->counts->{connections}, 1, "all on the kernel's one connection to ten-vfs");
my $st = HTTP::Tiny->new->get("http://127.0.0.1:" . Test::Ten::server_port() . "/status?format=prometheus")->{content};
like($st, qr/^ninep_sessions\{transport="tcp",kind="ticket"\} 20$/m, 'ninep_sessions counts them as tcp');
like($st, qr/^ninep_sessions_total\{transport="tcp"\} 20$/m, 'and begun');
like($st, qr/^ninep_backend_connections\{service="vfs",upstream="ten_vfs",server="127\.0\.0\.1:\d+"\} 1$/m,
    "a stream server's service has its rows too");



=== TEST 6: a connection that never attaches is closed after ninep_idle_timeout; one that attached stays
--- stream_config
    server {
        listen 127.0.0.1:$TEST_NGINX_TCP_PORT;
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_idle_timeout 1s;
    }
--- perl
my $idle = main::tcp();
my $busy = main::tcp();
$busy->attach(0, 'glenda', $ENV{TEST_NGINX_TICKET});
ok($idle->closed(3), 'the one that did not attach is closed');
sleep 1.5;
is_9p($busy->stat(0), 'Rstat stat=*', 'the attached one is not');
--- error_log
no attach within 1000 ms: closing



=== TEST 7: TLS with nginx's own listen ... ssl: a certificate made here; a client that does not trust it is refused
--- stream_config
    server {
        listen 127.0.0.1:$TEST_NGINX_TCP_PORT ssl;
        ssl_certificate $TEST_NGINX_TLS_DIR/tls.crt;
        ssl_certificate_key $TEST_NGINX_TLS_DIR/tls.key;
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
    }
--- perl
my $t = main::tcp(tls => "$ENV{TEST_NGINX_TLS_DIR}/tls.crt");
is_9p($t->attach(0, 'glenda', $ENV{TEST_NGINX_TICKET}), 'Rattach qid=*', 'a ticket attach over TLS');
my $f = $t->walk_to(0, 'adm/users');
$t->open($f, 0);
like($t->read_all($f, 8000), qr/^glenda:/m, 'a file read over TLS');
ok(!eval { Ten::Client->connect(port => $ENV{TEST_NGINX_TCP_PORT}, tls => '/etc/ssl/certs/ca-certificates.crt') },
    'a client that does not trust the certificate does not connect');



=== TEST 8: the stream access log: one line a session with $ninep_user and the rest
--- stream_config
    log_format ninep '$remote_addr session=$ninep_session user=$ninep_user '
                     'attach=$ninep_attach requests=$ninep_requests '
                     'errors=$ninep_errors in=$ninep_bytes_in '
                     'close=$ninep_close';
    server {
        listen 127.0.0.1:$TEST_NGINX_TCP_PORT;
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        access_log logs/tcp.log ninep;
    }
--- perl
my $t = main::tcp();
$t->attach(0, 'glenda', $ENV{TEST_NGINX_TICKET});
$t->clunk(99);
$t->disconnect;
my $log = Test::Ten::servroot() . '/logs/tcp.log';
my $line;
ok(wait_for(sub { $line = do { local $/; open my $fh, '<', $log; <$fh> }; $line }, 3), 'a line');
like($line, qr/^127\.0\.0\.1 session=\d+ user=glenda attach=ticket requests=3 errors=1 in=\d+ close=client$/m,
    'the session: its user, attach, Tversion + Tattach + Tclunk, the Rerror, the client closed');



=== TEST 9: nginx -t: WebSocket's directives are refused in stream{}, and so are balancers that need an HTTP request
--- stream_config
    server {
        listen 127.0.0.1:$TEST_NGINX_TCP_PORT;
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_allowed_origins https://ten.example.org;
    }
--- must_die
--- error_log
"ninep_allowed_origins" is not for raw 9P in stream{}: a raw 9P client sends no Origin



=== TEST 10: nginx -t: an upstream with hash cannot serve raw 9P sessions
--- http_config
    upstream ten_vfs { hash $remote_addr; server 127.0.0.1:$TEST_NGINX_VFS_PORT; }
    upstream ten_vfs2 { server 127.0.0.1:$TEST_NGINX_VFS2_PORT; }
--- must_die
--- error_log
upstream "ten_vfs" chooses its servers by HTTP request



=== TEST 11: nginx -t: a stream server with ninep needs a boot service
--- stream_config
    server {
        listen 127.0.0.1:$TEST_NGINX_TCP_PORT;
        ninep;
        $TEST_NGINX_KERNEL
    }
--- must_die
--- error_log
"ninep" in this location has no "ninep_service" with "boot"



=== TEST 12: backpressure: a client that sends without reading is not read further; every reply comes once it reads
--- config
    location = /status {
        ninep_status;
    }
--- perl
my $c = main::tcp();
$c->attach(0, 'none', '');
my $dev = $c->walk_to(0, 'dev');
# stats the kernel answers at once, each reply ~6 times its request
my $n = 200000;
my $bytes = join '', map { Ten::NineP::pack_msg({ type => 'Tstat', tag => $_ % 50000 + 1, fid => $dev }) } 1 .. $n;
my $sock = $c->{sock};
my $written = 0;
my $until = time + 3;
while ($written < length $bytes && time < $until) {
    my $w = syswrite($sock, $bytes, 65536, $written);
    $written += $w if defined $w;
    select(undef, undef, undef, 0.01) unless defined $w;
}
my $st = HTTP::Tiny->new->get("http://127.0.0.1:" . Test::Ten::server_port() . "/status?format=prometheus")->{content};
my ($read) = $st =~ /^ninep_messages_total\{type="Tstat"\} (\d+)$/m;
cmp_ok($read, '<', $n, "while the client reads nothing the kernel stops reading its requests ($read of $n)");
$c->send_raw(substr $bytes, $written);
my $got = 0;
while (my $r = $c->recv(5)) {
    last unless $r->{type} eq 'Rstat';
    $got++;
    last if $got == $n;
}
is($got, $n, 'then every request is answered once the client reads');
