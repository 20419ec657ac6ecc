# The status handler (ninep_status, src/ngx_http_9p_stats.c): counters in
# a shared memory zone that every worker adds to -- sessions, attaches by
# kind and result, 9P messages by type, bytes -- as text, JSON and
# Prometheus text exposition (checked by a strict parser here), chosen by
# ?format= or Accept; allow/deny as for any location; the counts survive
# a reload.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use HTTP::Tiny;
use JSON::PP;

kernel_each_block();
run_tests();

sub get {
    my ($path, %headers) = @_;
    return HTTP::Tiny->new(timeout => 5)->get(
        'http://127.0.0.1:' . Test::Ten::server_port() . $path, { headers => \%headers });
}

# Prometheus text format 0.0.4, strictly: every sample's family has its
# HELP and TYPE first, names and labels are well formed, values numbers,
# no family twice.  Returns { 'name{labels}' => value }.
sub parse_prometheus {
    my ($text) = @_;
    my (%help, %type, %seen, %samples, $family);
    for my $line (split /\n/, $text) {
        if ($line =~ /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*$/) {
            die "HELP $1 twice\n" if $help{$1}++;
            $family = $1;
        } elsif ($line =~ /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/) {
            die "TYPE $1 twice\n" if $type{$1}++;
            die "TYPE $1 without its HELP first\n" unless ($family // '') eq $1;
        } elsif ($line =~ /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,(?!\}))?)*\})? (-?[0-9.e+]+)$/) {
            my ($name, $labels, $v) = ($1, $2 // '', $3);
            die "sample $name outside its family $family\n" unless $type{$name} && $name eq $family;
            die "sample $name$labels twice\n" if $seen{"$name$labels"}++;
            $samples{"$name$labels"} = $v;
        } else {
            die "not Prometheus text: \"$line\"\n";
        }
    }
    return \%samples;
}

__DATA__

=== TEST 1: sessions, attaches and messages counted; three forms; allow/deny
--- factotum
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        $TEST_NGINX_FACTOTUM
    }
    location = /status {
        ninep_status;
        allow 127.0.0.1;
        deny all;
    }
    location = /status-closed {
        ninep_status;
        deny all;
    }
--- perl
my $zero = main::parse_prometheus(main::get('/status?format=prometheus')->{content});
is($zero->{'ninep_sessions{transport="websocket"}'}, 0, 'no session yet');

my ($c1) = kattach($ENV{TEST_NGINX_TICKET});
my $c2 = kclient();
is_9p($c2->attach(1, 'none', ''), 'Rattach qid=*', 'a bootstrap attach');
my $c3 = kclient();
is_9p($c3->attach(1, 'x', '/priv/sessions/glenda/00000000000000000000000000000000'), 'Rerror ename=*', 'a ticket refused');
is_9p($c3->clunk(7), 'Rerror ename="unknown fid"', 'an Rerror');

my $r = main::get('/status?format=prometheus');
is($r->{status}, 200, 'Prometheus form');
like($r->{headers}{'content-type'}, qr{^text/plain; version=0\.0\.4}, 'its content type');
my $m = eval { main::parse_prometheus($r->{content}) };
ok($m, 'it parses strictly') or diag($@ . $r->{content});
is($m->{'ninep_sessions{transport="websocket"}'}, 3, 'three sessions open');
is($m->{'ninep_sessions_total{transport="websocket"}'}, 3, 'three begun');
is($m->{'ninep_attaches_total{kind="ticket",result="ok"}'}, 1, 'one ticket attach');
is($m->{'ninep_attaches_total{kind="ticket",result="refused"}'}, 1, 'one refused');
is($m->{'ninep_attaches_total{kind="bootstrap",result="ok"}'}, 1, 'one bootstrap attach');
is($m->{'ninep_messages_total{type="Tversion"}'}, 3, 'three Tversion');
is($m->{'ninep_messages_total{type="Tattach"}'}, 3, 'three Tattach');
is($m->{'ninep_messages_total{type="Rattach"}'}, 2, 'two Rattach');
is($m->{'ninep_messages_total{type="Rerror"}'}, 2, 'two Rerror');
is($m->{'ninep_messages_total{type="Tclunk"}'}, 1, 'one Tclunk');
is($m->{'ninep_requests_total{type="Tversion",result="ok"}'}, 3, 'requests: three Tversion answered');
is($m->{'ninep_requests_total{type="Tattach",result="ok"}'}, 2, 'two Tattach answered Rattach');
is($m->{'ninep_requests_total{type="Tattach",result="error"}'}, 1, 'one Rerror (kept apart from the waiting attach by its tag)');
is($m->{'ninep_requests_total{type="Tclunk",result="error"}'}, 1, 'one Tclunk answered Rerror at once');
is($m->{'ninep_requests_total{type="Tread",result="flushed"}'}, 0, 'no flushed read yet');
cmp_ok($m->{'ninep_bytes_total{direction="in"}'}, '>', 0, 'bytes in');
cmp_ok($m->{'ninep_bytes_total{direction="out"}'}, '>', 0, 'bytes out');
unlike($r->{content}, qr{glenda|priv/sessions}, 'no user or ticket in it');

$c1->close; $c2->close; $c3->close;
ok(wait_for(sub {
    main::parse_prometheus(main::get('/status?format=prometheus')->{content})
        ->{'ninep_sessions{transport="websocket"}'} == 0 }, 3), 'closed sessions are gone from the gauge');

my $j = main::get('/status', Accept => 'application/json');
like($j->{headers}{'content-type'}, qr{^application/json}, 'JSON by Accept');
my $d = eval { JSON::PP->new->decode($j->{content}) };
ok($d, 'it is JSON') or diag($j->{content});
is($d->{sessions}{total}, 3, 'sessions.total');
is($d->{attaches}{ticket}{refused}, 1, 'attaches.ticket.refused');
is($d->{messages}{Rattach}, 2, 'messages.Rattach');
is($d->{requests}{Tattach}{error}, 1, 'requests.Tattach.error');

my $t = main::get('/status');
like($t->{headers}{'content-type'}, qr{^text/plain; charset}, 'text by default');
like($t->{content}, qr/^sessions: 0 open, 3 since start$/m, 'sessions in words');
like($t->{content}, qr/^  ticket: 1 ok, 1 refused$/m, 'attaches in words');
like($t->{content}, qr/^  Tattach: 3$/m, 'messages in words');
like($t->{content}, qr/^  Tattach: 2 ok, 1 error, 0 flushed$/m, 'requests in words');
like(main::get('/status', Accept => 'text/plain;version=0.0.4')->{content}, qr/^# TYPE ninep_sessions gauge$/m,
    "Prometheus by a scraper's Accept");

is(main::get('/status-closed')->{status}, 403, 'deny all: 403');
is(HTTP::Tiny->new->post('http://127.0.0.1:' . Test::Ten::server_port() . '/status')->{status}, 405, 'POST: 405');

kill HUP => Test::Ten::master_pid();
sleep 1;
my $after = main::parse_prometheus(main::get('/status?format=prometheus')->{content});
is($after->{'ninep_sessions_total{transport="websocket"}'}, 3, 'a reload keeps the counts');

# a read that blocks (a FIFO on ten-vfs), then the session goes: the read
# ends without a reply
my ($c4) = kblocked_read(10);
$c4->disconnect;
ok(wait_for(sub {
    main::parse_prometheus(main::get('/status?format=prometheus')->{content})
        ->{'ninep_requests_total{type="Tread",result="flushed"}'} == 1 }, 3),
    'a request abandoned with its session counts as flushed');



=== TEST 2: without ninep_status: sessions work as ever, and there is no status page
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
    }
--- perl
my ($c) = kattach($ENV{TEST_NGINX_TICKET});
is_9p($c->clunk(9), 'Rerror ename="unknown fid"', 'sessions work as ever');
is(main::get('/status')->{status}, 404, 'no status location');



=== TEST 3: one access-log line a session, with the session's numbers
--- factotum
--- http_config
    $TEST_NGINX_UPSTREAMS
    log_format ninep '$remote_addr session=$ninep_session user=$ninep_user '
                     'attach=$ninep_attach requests=$ninep_requests '
                     'errors=$ninep_errors in=$ninep_bytes_in '
                     'out=$ninep_bytes_out duration=$ninep_duration '
                     'close="$ninep_close"';
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        $TEST_NGINX_FACTOTUM
        access_log logs/ninep.log ninep;
    }
    location = /plain {
        return 200 "x";
        access_log logs/ninep.log ninep;
    }
--- perl
my $log = Test::Ten::servroot() . '/logs/ninep.log';
my ($c) = kattach($ENV{TEST_NGINX_TICKET});
is_9p($c->clunk(9), 'Rerror ename="unknown fid"', 'one error');
sleep 1.1;
$c->close;
my $c2 = kclient();
$c2->disconnect;
main::get('/plain');
my ($c5) = kattach($ENV{TEST_NGINX_TICKET});
$c5->disconnect;
my @lines;
ok(wait_for(sub { @lines = split /\n/, (do { local $/; open my $fh, '<', $log; <$fh> } // ''); @lines >= 3 }, 3),
    'a line for each session and the plain request') or diag(join "\n", @lines);
like($lines[0], qr/^127\.0\.0\.1 session=\d+ user=glenda attach=ticket requests=3 errors=1 in=\d+ out=\d+ duration=1\.\d{3} close="client 1000"$/,
    'the ticket session: user, kind, Tversion + Tattach + Tclunk, the Rerror, its time, the client\'s close');
like($lines[1], qr/ user=- attach=- requests=1 errors=0 .* close="none"$/, 'a session that never attached and left without a close frame');
like($lines[2], qr/ session=- user=- attach=- requests=- /, 'not a session: every value "-"');
--- error_log
without a close frame while serving 9P over WebSocket, client: 127.0.0.1, user: "glenda", server: localhost
