# The status handler (ninep_status, src/ngx_http_9p_status.c) and the
# counters it shows (src/ngx_http_9p_stats.c), kept in a shared memory
# zone that every worker adds to -- sessions, attaches by kind, result
# and reason, 9P requests and messages by type, bytes, recoveries,
# caches, rescue mode, and per service and server: connections, requests
# in flight, latency, errors, connect failures, lost connections, the
# circuit and the health check -- as text, JSON and Prometheus text
# exposition (checked by a strict parser here), chosen by ?format= or
# Accept; allow/deny as for any location; the counts survive a reload.
# Every metric is seen to move when its event happens.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use HTTP::Tiny;
use JSON::PP;

# a port with nothing behind it
$ENV{TEST_NGINX_DEAD_PORT} = Test::Ten::free_port();

kernel_each_block();
run_tests();

sub prom { parse_prometheus(get('/status?format=prometheus')->{content}) }

sub open_sessions {
    my ($m) = @_;
    my $n = 0;
    $n += $m->{qq{ninep_sessions{transport="websocket",kind="$_"}}} for qw(none bootstrap ticket rescue);
    return $n;
}

# the labels of a server of vfs, by its port
sub server { qq{service="vfs",upstream="ten_vfs",server="127.0.0.1:$_[0]"} }

# the lines of an access log so far
sub log_lines { open my $fh, '<', $_[0] or return (); local $/; split /\n/, <$fh> // '' }

sub bootstrap {
    my $c = kclient();
    my $r = $c->attach(0, 'none', '');
    die "bootstrap attach: " . Ten::NineP::format_msg($r) unless $r->{type} eq 'Rattach';
    return ($c, $r);
}

sub get {
    my ($path, %headers) = @_;
    return HTTP::Tiny->new(timeout => 5)->get(
        'http://127.0.0.1:' . Test::Ten::server_port() . $path, { headers => \%headers });
}

# Prometheus text format 0.0.4, strictly: every sample's family has its
# HELP and TYPE first, names and labels are well formed, values numbers,
# no family twice; a histogram's samples are its _bucket (with le, rising
# to le="+Inf", which equals _count), _sum and _count.
# Returns { 'name{labels}' => value }.
sub parse_prometheus {
    my ($text) = @_;
    my (%help, %type, %seen, %samples, $family, %last);
    for my $line (split /\n/, $text) {
        if ($line =~ /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*$/) {
            die "HELP $1 twice\n" if $help{$1}++;
            $family = $1;
        } elsif ($line =~ /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/) {
            die "TYPE $1 twice\n" if $type{$1};
            $type{$1} = $2;
            die "TYPE $1 without its HELP first\n" unless ($family // '') eq $1;
        } elsif ($line =~ /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,(?!\}))?)*\})? (-?[0-9.e+]+)$/) {
            my ($name, $labels, $v) = ($1, $2 // '', $3);
            if (($type{$family} // '') eq 'histogram') {
                die "sample $name outside the histogram $family\n"
                    unless $name =~ /^\Q$family\E_(bucket|sum|count)$/;
                my $part = $1;
                my $series = $labels =~ s/,?le="[^"]*"//r;
                if ($part eq 'bucket') {
                    die "a bucket without le: $name$labels\n" unless $labels =~ /le="([^"]+)"/;
                    die "buckets fall: $name$labels\n" if $v < ($last{$series} // 0);
                    $last{$series} = $v;
                    $last{"inf $series"} = $v if $1 eq '+Inf';
                } elsif ($part eq 'count') {
                    die "_count $v is not the +Inf bucket for $series\n"
                        unless defined $last{"inf $series"} && $last{"inf $series"} == $v;
                }
            } else {
                die "sample $name outside its family $family\n" unless $type{$name} && $name eq $family;
            }
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
is(main::open_sessions($zero), 0, 'no session yet');

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
is(main::open_sessions($m), 3, 'three sessions open');
is($m->{'ninep_sessions{transport="websocket",kind="ticket"}'}, 1, 'one of them a ticket session');
is($m->{'ninep_sessions{transport="websocket",kind="bootstrap"}'}, 1, 'one bootstrap');
is($m->{'ninep_sessions{transport="websocket",kind="none"}'}, 1, 'one not attached (its attach refused)');
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
        ->{'ninep_sessions{transport="websocket",kind="ticket"}'} == 0 }, 3), 'closed sessions are gone from the gauge');
is(main::open_sessions(main::prom()), 0, 'of every kind');

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
like($t->{content}, qr/^sessions: 0 open\n  websocket: 0 none, 0 bootstrap, 0 ticket, 0 rescue, 3 since start\n  tcp: 0 none, 0 bootstrap, 0 ticket, 0 rescue, 0 since start$/m, 'sessions in words');
like($t->{content}, qr/^  ticket: 1 ok, 1 refused$/m, 'attaches in words');
like($t->{content}, qr/^  Tattach: 3$/m, 'messages in words');
like($t->{content}, qr/^  Tattach: 2 ok, 1 error, 0 flushed, 0 lost$/m, 'requests in words');
like(main::get('/status', Accept => 'text/plain;version=0.0.4')->{content}, qr/^# TYPE ninep_sessions gauge$/m,
    "Prometheus by a scraper's Accept");

is(main::get('/status-closed')->{status}, 403, 'deny all: 403');
is(HTTP::Tiny->new->post('http://127.0.0.1:' . Test::Ten::server_port() . '/status')->{status}, 405, 'POST: 405');

kill HUP => Test::Ten::master_pid();
sleep 1;
my $after = main::parse_prometheus(main::get('/status?format=prometheus')->{content});
is($after->{'ninep_sessions_total{transport="websocket"}'}, 3, 'a reload keeps the counts');

# a read that blocks (a FIFO on ten-vfs), then the session goes: the read
# ends without a reply (the FIFO's writer kept open: without one the read
# would end at once with an empty Rread)
my ($c4, undef, $w4) = kblocked_read(10);
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
ok(wait_for(sub { @lines = main::log_lines($log); @lines >= 3 }, 3),
    'a line for each session and the plain request') or diag(join "\n", @lines);
like($lines[0], qr/^127\.0\.0\.1 session=\d+ user=glenda attach=ticket requests=3 errors=1 in=\d+ out=\d+ duration=1\.\d{3} close="client 1000"$/,
    'the ticket session: user, kind, Tversion + Tattach + Tclunk, the Rerror, its time, the client\'s close');
like($lines[1], qr/ user=- attach=- requests=1 errors=0 .* close="none"$/, 'a session that never attached and left without a close frame');
like($lines[2], qr/ session=- user=- attach=- requests=- /, 'not a session: every value "-"');
--- error_log
without a close frame while serving 9P over WebSocket, client: 127.0.0.1, user: "glenda", server: localhost



=== TEST 4: per server: connections, requests in flight, latency, Rerrors; a health check marks a dead server down
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_VFS_PORT;
        server 127.0.0.1:$TEST_NGINX_DEAD_PORT;
        ninep_check interval=300ms timeout=200ms fails=1 passes=1;
    }
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
    }
    location = /status {
        ninep_status;
    }
--- perl
my ($live, $dead) = (main::server($ENV{TEST_NGINX_VFS_PORT}), main::server($ENV{TEST_NGINX_DEAD_PORT}));
# (the live one may be found down once if the first probe comes before
# ten-vfs listens: then it is up again at the next, "up since" a time)
my $m = wait_for(sub { my $m = main::prom();
    ($m->{"ninep_backend_up{$dead}"} // 1) == 0 && $m->{"ninep_backend_up{$live}"} == 1 ? $m : undef }, 3);
ok($m, 'the check marks the dead server down and the live one up');
cmp_ok($m->{"ninep_backend_check_change_time_seconds{$dead}"}, '>', time - 10, 'when the dead one went down');
is($m->{"ninep_backend_connections{$live}"}, 0, 'no connection before a session');

my ($c, $root) = kattach($ENV{TEST_NGINX_TICKET});
my $before = main::prom();
is($before->{"ninep_backend_connections{$live}"}, 1, 'a session: one connection to the live server');
is($before->{"ninep_backend_connections{$dead}"}, 0, 'none to the dead one');
is($before->{"ninep_backend_connect_failures_total{$dead}"}, 0, 'which the balancer never tried');
is_9p($c->stat($root), 'Rstat stat=*', 'a stat');
is_rerror($c->walk($root, 9, 'nonexistent'), 'file does not exist', "and vfs's Rerror");
my $after = main::prom();
is($after->{"ninep_backend_request_duration_seconds_count{$live}"}
    - $before->{"ninep_backend_request_duration_seconds_count{$live}"}, 2, 'two more replies timed');
cmp_ok($after->{"ninep_backend_request_duration_seconds_sum{$live}"}, '>',
    $before->{"ninep_backend_request_duration_seconds_sum{$live}"}, 'their time added up');
is($after->{"ninep_backend_errors_total{$live}"} - $before->{"ninep_backend_errors_total{$live}"}, 1, 'one Rerror from it');
is($after->{"ninep_backend_requests_in_flight{$live}"}, 0, 'nothing in flight');

my ($b, undef, $w) = kblocked_read(10);
is(main::prom()->{"ninep_backend_requests_in_flight{$live}"}, 1, 'a blocked read is in flight');
syswrite $w, "wake\n";
is_9p($b->recv, 'Rread tag=10 data="wake\n"', 'it ends');
is(main::prom()->{"ninep_backend_requests_in_flight{$live}"}, 0, 'and is in flight no more');

my $t = main::get('/status')->{content};
like($t, qr/^  vfs \(upstream ten_vfs\): circuit closed, 0 connect failures with no server to try$/m, 'the service in words');
like($t, qr/^    127\.0\.0\.1:$ENV{TEST_NGINX_VFS_PORT}: 1 connections, 0 in flight, \d+ replies \(p50 <= \d+(\.\d)? [mu]?s, p99 <= \d+(\.\d)? [mu]?s\), \d+ errors, 0 connect failures, 0 lost; circuit closed; check: up( since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC)?$/m,
    'the live server in words') or diag($t);
like($t, qr/^    127\.0\.0\.1:$ENV{TEST_NGINX_DEAD_PORT}: 0 connections, .* check: down since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/m,
    'the dead one');
my $j = JSON::PP->new->decode(main::get('/status?format=json')->{content});
is($j->{services}[0]{name}, 'vfs', 'JSON: the service');
is($j->{services}[0]{servers}[1]{check}{state}, 'down', 'its dead server');
is($j->{services}[0]{servers}[0]{connections}, 1, 'its live one');
is(scalar @{$j->{services}[0]{servers}[0]{latency_us}{buckets}}, 18, 'a histogram of 18 buckets');



=== TEST 5: a service out of reach: connect failures, circuits open, rescue mode; all over when it is back
--- down
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_VFS_PORT max_fails=1 fail_timeout=2s;
        server 127.0.0.1:$TEST_NGINX_DEAD_PORT max_fails=1 fail_timeout=2s;
    }
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
    }
    location = /status {
        ninep_status;
    }
--- perl
my ($live, $dead) = (main::server($ENV{TEST_NGINX_VFS_PORT}), main::server($ENV{TEST_NGINX_DEAD_PORT}));
my $svc = 'service="vfs",upstream="ten_vfs"';
is(main::prom()->{'ninep_worker_rescue{worker="0"}'}, 0, 'no rescue mode at first');
my $open;
for (1 .. 5) {
    main::bootstrap();
    my $m = main::prom();
    $open = $m and last if $m->{"ninep_service_circuit_open{$svc}"} == 1;
}
ok($open, "the service's circuit is open right after it failed");
is($open->{"ninep_backend_connect_failures_total{$live}"}, 1, 'each server failed once');
is($open->{"ninep_backend_connect_failures_total{$dead}"}, 1, 'both of them');
is($open->{"ninep_backend_circuit_open{$live}"}, 1, 'and the balancer skips them (max_fails=1)');
is($open->{"ninep_backend_circuit_open{$dead}"}, 1, 'both');
cmp_ok($open->{'ninep_attaches_total{kind="rescue",result="ok"}'}, '>=', 1, 'a rescue attach');
is($open->{'ninep_worker_rescue{worker="0"}'}, 1, 'the worker is in rescue mode');
like(main::get('/status')->{content}, qr/^  0 \(pid \d+\): rescue mode since \d{4}-/m, 'in words');

kvfs->start;
kernel_prepare();
ok(wait_for(sub { main::bootstrap(); main::prom()->{'ninep_worker_rescue{worker="0"}'} == 0 }, 8, 0.2),
    'with vfs back, rescue mode ends');
my $m = main::prom();
is($m->{"ninep_service_circuit_open{$svc}"}, 0, "the service's circuit closes");
is($m->{"ninep_backend_circuit_open{$live}"}, 0, "the live server's too");
is($m->{"ninep_backend_connections{$live}"}, 1, 'a connection to it');
--- error_log
rescue mode over



=== TEST 6: a connection killed: it counts as lost; a stale fid recovered, a read sent again, then lost for good
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
    }
    location = /status {
        ninep_status;
    }
--- perl
my $live = main::server($ENV{TEST_NGINX_VFS_PORT});
my ($c, $root) = kattach($ENV{TEST_NGINX_TICKET});
my $f = $c->walk_to($root, 'tmp');
kvfs->kill9;
kvfs->start;
is_9p($c->stat($f), 'Rstat stat=*', 'after a kill -9 and a restart, the fid works again');
my $m = main::prom();
is($m->{"ninep_backend_lost_connections_total{$live}"}, 1, 'the connection counts as lost');
cmp_ok($m->{'ninep_recoveries_total{result="ok"}'}, '>=', 1, 'a stale fid recovered');
is($m->{'ninep_recoveries_total{result="failed"}'}, 0, 'none failed');
is($m->{"ninep_backend_connections{$live}"}, 1, 'one connection now, the new one');

my ($b, undef, $w) = kblocked_read(10);
kvfs->kill9;
is_rerror($b->recv, 'vfs unavailable: cannot connect',
    'a read in flight when vfs dies for good: sent again, it fails');
$m = main::prom();
is($m->{'ninep_resends_total'}, 1, 'one request sent again');
is($m->{'ninep_recoveries_total{result="failed"}'}, 1, 'its fid could not be recovered');
is($m->{'ninep_requests_total{type="Tread",result="lost"}'}, 1, 'so the read counts as lost');
is($m->{"ninep_backend_lost_connections_total{$live}"}, 2, 'two connections lost in all');
is($m->{"ninep_backend_connections{$live}"}, 0, 'none left');
kvfs->start;



=== TEST 7: each reason a ticket attach is refused; the ticket and key caches
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_ticket_cache 10s;
    }
    location = /status {
        ninep_status;
    }
--- perl
my $c = kclient();
my $fid = 1;
my $refuse = sub { my ($path, $why) = @_; is_rerror($c->attach($fid++, 'x', $path), $why, "refused: $why") };
$refuse->(plant_ticket(text => "hello\n", nonce => 'd' x 32), 'not a ticket');
$refuse->(plant_ticket(text => make_ticket(key => 'rogue')), 'ticket signed by an unknown key');
$refuse->(plant_ticket(text => make_ticket(key => 'old')), 'ticket signing key expired');
$refuse->(plant_ticket(text => make_ticket(expires => time - 5, issued => time - 100)), 'ticket expired');
$refuse->('/priv/sessions/glenda/' . ('0' x 32), 'no such ticket');
my $good = Ten::Kernel::ten_key_ticket('glenda');
$refuse->(plant_ticket(text => $good, at => 'alice'), 'ticket path mismatch');
my $text = make_ticket();
$text =~ s/ (\S+)$/ ' ' . ('A' x length $1)/e;
$refuse->(plant_ticket(text => $text), 'bad ticket signature');
my $m = main::prom();
is($m->{"ninep_attach_refusals_total{reason=\"$_\"}"}, 1, "one refusal: $_")
    for qw(not_a_ticket unknown_key key_expired expired no_ticket path_mismatch bad_signature);
is($m->{'ninep_attach_refusals_total{reason="other"}'}, 0, 'none for another reason');
is($m->{'ninep_attaches_total{kind="ticket",result="refused"}'}, 7, 'seven ticket attaches refused');
my $hits = $m->{'ninep_cache_lookups_total{cache="tickets",result="hit"}'};
my $t = $ENV{TEST_NGINX_TICKET};
is_9p($c->attach($fid++, 'x', $t), 'Rattach qid=*', 'a good ticket');
is_9p($c->attach($fid++, 'x', $t), 'Rattach qid=*', 'and again');
$m = main::prom();
is($m->{'ninep_cache_lookups_total{cache="tickets",result="hit"}'} - $hits, 1, 'the second from the ticket cache');
cmp_ok($m->{'ninep_cache_lookups_total{cache="keys",result="hit"}'}, '>=', 1, 'the signing key known');
cmp_ok($m->{'ninep_cache_lookups_total{cache="keys",result="miss"}'}, '>=', 1, 'the rogue one not');



=== TEST 8: ninep_status sessions: a line a session, no ticket path; ?session=ID shows its namespace as its /dev/ns reads
--- http_config
    $TEST_NGINX_UPSTREAMS
    ninep_status_zone 2m;
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
    }
    location = /status {
        ninep_status sessions;
    }
    location = /status-counts {
        ninep_status;
    }
--- perl
my ($c, $root) = kattach($ENV{TEST_NGINX_TICKET});
my $idle = kclient();
my $ctl = $c->walk_to($root, 'dev/nsctl');
$c->open($ctl, 1);
is_9p($c->write($ctl, 0, 'bind /dev /d'), 'Rwrite count=12', 'an nsctl change');
my $nsf = $c->walk_to($root, 'dev/ns');
$c->open($nsf, 0);
my $ns = $c->read_all($nsf);

my $t = main::get('/status')->{content};
my ($id, $entries) = $t =~ /^  (\d+) glenda from 127\.0\.0\.1 since \d{4}-\d\d-\d\d \S+ UTC \(worker pid \d+\): \d+ requests, \d+ bytes in, \d+ out, (\d+) namespace entries$/m;
ok($id, "glenda's session is listed") or diag($t);
is($entries, () = $ns =~ /\n/g, 'with as many entries as its /dev/ns has lines');
like($t, qr/^  \d+ - from 127\.0\.0\.1 since .* 0 namespace entries$/m, 'a session not attached yet: no user');
unlike($t, qr{priv/sessions}, 'no ticket path');
my $r = main::get("/status?session=$id");
is($r->{status}, 200, '?session=ID');
is($r->{content}, $ns, 'its namespace, the nsctl change too, as its /dev/ns reads');
like($ns, qr{^bind /dev /d$}m, '(which has the bind)');
my $j = JSON::PP->new->decode(main::get('/status?format=json')->{content});
is(scalar @{$j->{listed}}, 2, 'JSON: two sessions listed');
my ($g) = grep { $_->{user} eq 'glenda' } @{$j->{listed}};
is($g->{id}, $id, "glenda's, by the same id");
cmp_ok($g->{requests}, '>=', 8, 'its requests');
is(main::get('/status?session=99999999')->{status}, 404, 'an unknown session: 404');
is(main::get('/status?session=x1')->{status}, 400, 'not a number: 400');
is(main::get("/status-counts?session=$id")->{status}, 404, 'where sessions are not listed: 404');
unlike(main::get('/status-counts')->{content}, qr/sessions listed/, 'and no list');
$c->close;
ok(wait_for(sub { main::get('/status')->{content} !~ / glenda from / }, 3), 'a closed session leaves the list');
--- error_log
sessions are not listed here



=== TEST 9: ninep_status and ninep_status_zone refuse what they do not know
--- http_config
    $TEST_NGINX_UPSTREAMS
    ninep_status_zone 10k;
--- config
    location = /status {
        ninep_status;
    }
--- must_die
--- error_log
"ninep_status_zone": "10k" is not a size of 64k or more



=== TEST 10: ninep_status takes "sessions" and nothing else
--- config
    location = /status {
        ninep_status all;
    }
--- must_die
--- error_log
"ninep_status": unknown parameter "all" (the one there is: "sessions")



=== TEST 11: the access-log line of a session still has its request's values, long headers too
--- factotum
--- http_config
    $TEST_NGINX_UPSTREAMS
    log_format req 'req="$request" uri=$uri args=$args host=$host '
                   'status=$status ua="$http_user_agent" a=$cookie_a '
                   'big=$cookie_big xff="$proxy_add_x_forwarded_for" '
                   'proto=$sent_http_sec_websocket_protocol '
                   'up=$sent_http_upgrade user=$ninep_user';
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        $TEST_NGINX_FACTOTUM
        access_log logs/req.log req;
    }
--- perl
my $log = Test::Ten::servroot() . '/logs/req.log';
# after the 101 the kernel copies the request into less memory and frees
# the header buffers: what the log line reads at the end comes from the
# copy.  The second session's Cookie does not fit the 1 KiB client header
# buffer: nginx moved its headers into a large header buffer.
my $big = 'b' x 3000;
my @sessions = (
    [['User-Agent' => 'ten-test/1.0'], ['Cookie' => 'z=0; a=one'],
     ['X-Forwarded-For' => '10.0.0.1'], ['Sec-WebSocket-Protocol' => '9p']],
    [['User-Agent' => 'ten-test/2.0'], ['Cookie' => "a=two; big=$big"]],
);
for my $h (@sessions) {
    my $c = Ten::WS9P->connect(port => server_port(), path => '/9p?x=y',
                               headers => $h);
    is($c->version(8192)->{type}, 'Rversion', 'a session');
    kattach($ENV{TEST_NGINX_TICKET}, client => $c);
    sleep 0.2;
    is_9p($c->clunk(9), 'Rerror ename="unknown fid"', 'it is served after the copy');
    $c->close;
}
my @lines;
ok(wait_for(sub { @lines = main::log_lines($log); @lines >= 2 }, 3),
    'a line for each session') or diag(join "\n", @lines);
is($lines[0], 'req="GET /9p?x=y HTTP/1.1" uri=/9p args=x=y host=localhost '
    . 'status=101 ua="ten-test/1.0" a=one big=- xff="10.0.0.1, 127.0.0.1" '
    . 'proto=9p up=websocket user=glenda', 'the request line, its headers and the 101\'s');
is($lines[1], 'req="GET /9p?x=y HTTP/1.1" uri=/9p args=x=y host=localhost '
    . "status=101 ua=\"ten-test/2.0\" a=two big=$big xff=\"127.0.0.1\" "
    . 'proto=- up=websocket user=glenda', 'and those of headers in a large buffer');



=== TEST 12: the access-log line after a long idle: variables read before the copy and after it, a large request line, a keepalive request before the upgrade
--- factotum
--- http_config
    $TEST_NGINX_UPSTREAMS
    log_format many 'ru=$request_uri u=$uri a=$args x=$arg_x h=$host '
                    'c=$cookie_a hc="$http_cookie" ru2=$remote_user '
                    'rl="$request" m=$request_method p=$server_protocol '
                    'sn=$server_name up=$sent_http_upgrade '
                    'pre=$sent_http_x_pre long=$http_x_long '
                    'xff="$http_x_forwarded_for" s=$status '
                    'rlen=$request_length sent=$bytes_sent '
                    'n=$connection_requests t=[$time_local] '
                    'user=$ninep_user';
--- config
    location = /plain {
        return 200 "ok";
    }
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        $TEST_NGINX_FACTOTUM
        ninep_ping_interval 200ms;
        # evaluated by the header filter, before the kernel copies the
        # request: these variables' cached values are copied with it
        add_header X-Pre "$host|$uri|$args|$arg_x|$cookie_a|$remote_user|$http_cookie|$http_x_forwarded_for" always;
        access_log logs/many.log many;
    }
--- perl
my $log = Test::Ten::servroot() . '/logs/many.log';
my $long = 'L' x 3000;
my $q = 'q' x 1500;
my @h = (['Cookie' => 'z=0; a=one; b=2'],
         ['X-Forwarded-For' => '10.0.0.1, 10.0.0.2'],
         ['Authorization' => 'Basic Z2xlbmRhOnNlY3JldA=='],
         ['X-Long' => $long]);
my $path = "/x/../9p?x=$q&y=1";
my $pre = "localhost|/9p|x=$q&y=1|$q|one|glenda|z=0; a=one; b=2|10.0.0.1, 10.0.0.2";

sub served {
    my ($c, $what) = @_;
    is($c->version(8192)->{type}, 'Rversion', "$what: a session");
    kattach($ENV{TEST_NGINX_TICKET}, client => $c);
    # pings go out and come back while it is idle, long after the copy
    sleep 1;
    is_9p($c->clunk(9), 'Rerror ename="unknown fid"', "$what: served after the copy");
    $c->close;
}

# 1: the request line (1.5 KiB) and a header (3 KiB) are in large header
# buffers, the URI is not the request line's (/x/../9p)
my $c = Ten::WS9P->connect(port => server_port(), path => $path, headers => \@h);
is($c->{ws}{response}{headers}{'x-pre'}[0], $pre, 'the values before the copy');
served($c, 'large buffers');

# 2: a keepalive request first, then the upgrade behind it in the same
# write (nginx reads it as a pipelined request)
my $ws = Ten::WebSocket->open_socket(port => server_port());
$ws->{key} = Ten::WebSocket::new_key();
my $up = Ten::WebSocket::handshake_request(path => $path, headers => \@h, key => $ws->{key});
$ws->send_raw("GET /plain HTTP/1.1\r\nHost: localhost\r\n\r\n" . $up);
my $deadline = time + 5;
my ($first, $second);
until ($first = Ten::WebSocket::parse_response_head(\$ws->{rbuf})) {
    $ws->_fill($deadline - time) or $ws->{eof} || time < $deadline or last;
    last if $ws->{eof};
}
is($first && $first->{status}, 200, 'the keepalive request');
$ws->_fill($deadline - time) while length($ws->{rbuf}) < 2 && !$ws->{eof} && time < $deadline;
is(substr($ws->{rbuf}, 0, 2, ''), 'ok', 'its body');
until ($second = Ten::WebSocket::parse_response_head(\$ws->{rbuf})) {
    last if $ws->{eof} || time > $deadline;
    $ws->_fill($deadline - time);
}
$ws->{response} = $second;
is($ws->handshake_error, '', 'the upgrade behind it');
$c = bless { ws => $ws, eof => 0, tag => 1, fid => 100, timeout => 5 }, 'Ten::WS9P';
served($c, 'pipelined');

my @lines;
ok(wait_for(sub { @lines = main::log_lines($log); @lines >= 2 }, 3),
    'a line for each session') or diag(join "\n", @lines);
my $want = "ru=$path u=/9p a=x=$q&y=1 x=$q h=localhost c=one "
    . 'hc="z=0; a=one; b=2" ru2=glenda '
    . "rl=\"GET $path HTTP/1.1\" m=GET p=HTTP/1.1 sn=localhost up=websocket "
    . "pre=$pre long=$long "
    . 'xff="10.0.0.1, 10.0.0.2" s=101 rlen=' . length($up);
for my $i (0, 1) {
    my $l = $lines[$i] // '';
    my ($head, $sent, $n) = $l =~ /^(.*) sent=(\d+) n=(\d+) t=\[\d\d\/\w\w\w\/\d{4}:\d\d:\d\d:\d\d [-+]\d{4}\] user=glenda$/;
    is($head, $want, "session " . ($i + 1) . ": its request's values at the end");
    ok(($sent // 0) > 200, "session " . ($i + 1) . ": bytes sent counted");
    is($n, $i + 1, "session " . ($i + 1) . ": the connection's requests");
}



=== TEST 13: a variable the upstream's hash read while the session was served: its log line after the connection it went to is gone
--- http_config
    upstream ten_vfs { hash $remote_port; server 127.0.0.1:$TEST_NGINX_VFS_PORT; }
    upstream ten_vfs2 { server 127.0.0.1:$TEST_NGINX_VFS2_PORT; }
    log_format port 'port=$remote_port user=$ninep_user';
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        access_log logs/port.log port;
    }
--- perl
my $log = Test::Ten::servroot() . '/logs/port.log';
# the attach opens the connection to vfs: the hash reads $remote_port
# through the session's request (the copy by then)
my ($c, $root) = kattach($ENV{TEST_NGINX_TICKET});
my $port = $c->{ws}{sock}->sockport;
is_9p($c->clunk($root), 'Rclunk', 'its fid clunked: the connection is not the session\'s');
kvfs->kill9;
# the connection goes, and with it what it allocated
sleep 0.5;
$c->close;
my @lines;
ok(wait_for(sub { @lines = main::log_lines($log); @lines >= 1 }, 3),
    'a line for the session');
is($lines[0], "port=$port user=glenda", 'the client\'s port, read again or kept');
kvfs->start;



=== TEST 14: a request the kernel does not copy (realip's pool cleanup, userid's context) is served and logged as it was
--- factotum
--- http_config
    $TEST_NGINX_UPSTREAMS
    log_format kept 'ra=$remote_addr uid=$uid_set ua="$http_user_agent" '
                    'sc=$sent_http_set_cookie user=$ninep_user';
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        $TEST_NGINX_FACTOTUM
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Real-IP;
        userid on;
        userid_name uid;
        access_log logs/kept.log kept;
    }
--- perl
my $log = Test::Ten::servroot() . '/logs/kept.log';
my $c = Ten::WS9P->connect(port => server_port(), path => '/9p',
    headers => [['X-Real-IP' => '192.0.2.7'], ['User-Agent' => 'ten-test/3.0']]);
my $sc = $c->{ws}{response}{headers}{'set-cookie'}[0] // '';
like($sc, qr/^uid=\S+; path=\/$/, 'userid set its cookie on the 101');
is($c->version(8192)->{type}, 'Rversion', 'a session');
kattach($ENV{TEST_NGINX_TICKET}, client => $c);
sleep 0.3;
is_9p($c->clunk(9), 'Rerror ename="unknown fid"', 'it is served');
$c->close;
my @lines;
ok(wait_for(sub { @lines = main::log_lines($log); @lines >= 1 }, 3),
    'a line for the session');
my ($uid) = $sc =~ /^uid=([^;]+)/;
like($lines[0] // '', qr/^ra=192\.0\.2\.7 uid=uid=\S+ ua="ten-test\/3\.0" sc=\Q$sc\E user=glenda$/,
    'its values, the real IP, the cookie set');
