package Test::Ten;

# Test::Ten: a Test::Nginx::Socket-style harness on Debian's Test::Base.
#
#   use lib 't/lib';
#   use Test::Ten;
#   run_tests();
#   __DATA__
#   === TEST 1: handshake
#   --- config
#       location = /9p { ninep; $TEST_NGINX_BOOT }    # see Ten::Boot
#   --- request
#   GET /9p
#   --- more_headers
#   Upgrade: websocket
#   ...
#   --- error_code: 101
#
# Each block gets a fresh nginx (the real binary, `daemon off`, one worker)
# under t/servroot/<test file>/, listening on a free loopback port shared
# by the file's blocks ($TEST_NGINX_SERVER_PORT).  Any $TEST_NGINX_NAME in
# a section is replaced by $ENV{TEST_NGINX_NAME}.
#
# Sections: main_config http_config config stream_config (a stream{}
# block, with the stream modules loaded) request more_headers http2
# error_code response_headers response_body response_body_like ws ninep
# perl error_log no_error_log must_die log_level timeout valgrind.
# t/README.md documents them, the conversation language (Ten::Script)
# and helpers.
#
# `use Test::Ten 'no_nginx';` runs the blocks without nginx (and without
# needing TEN_MODULE): for suites that talk to a backend service directly.
# add_block_wrapper(sub { my ($block, $inner) = @_; ...; $inner->() })
# runs code around each block's client side (its sections and `--- perl`),
# e.g. to start a fresh service for every block.

use Test::Base -base;    # lower-case -base: no Spiffy source filter
use strict;
use warnings;

use Test::More ();
use Cwd qw(abs_path);
use File::Basename qw(basename dirname);
use File::Path qw(make_path remove_tree);
use IO::Socket::INET;
use IO::Select;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);

use Ten::WebSocket;
use Ten::Script;

our @EXPORT = qw(run_tests repeat_each log_level add_helper free_port listener
    server_port servroot master_pid worker_pids ws_connect
    add_block_preprocessor add_block_wrapper);

my $BINARY   = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my $MODULE   = $ENV{TEN_MODULE};
# the raw 9P module beside it, and Debian's stream module it needs
my $STREAM_MODULE = defined $MODULE ? $MODULE =~ s{ngx_http_9p_module\.so$}{ngx_stream_9p_module.so}r : undef;
my $NGX_STREAM = $ENV{TEN_NGX_STREAM} // '/usr/lib/nginx/modules/ngx_stream_module.so';
my $REPEAT   = 1;
my $LOG_LEVEL = 'debug';
my $STOP_TIMEOUT = 5;        # seconds between SIGQUIT and SIGKILL
my ($SERVROOT, $PORT);
my %NGINX;                   # the running nginx: pid, log_offset
my @HELPERS;
my @PREPROCESSORS;           # subs called with each block before it runs
my @WRAPPERS;                # subs run around each block's client side
my $NO_NGINX = 0;            # `use Test::Ten 'no_nginx'`

# `use Test::Ten` skips the whole file when the module is not available,
# then sets up the server root and port before Test::Base's own import.
sub import {
    my $n = @_;
    @_ = grep { $_ ne 'no_nginx' } @_;
    $NO_NGINX = 1 if @_ < $n;
    my $skip = $NO_NGINX ? ''
             : !$MODULE ? 'TEN_MODULE is not set (run `make prove`)'
             : !-f $MODULE ? "TEN_MODULE $MODULE does not exist (run `make`)"
             : !-x $BINARY ? "nginx binary $BINARY not found"
             : '';
    if ($skip) {
        Test::More::plan(skip_all => $skip);    # exits
    }
    _setup_servroot();
    goto &Test::Base::import;
}

sub _setup_servroot {
    return if $SERVROOT;
    (my $name = basename($0)) =~ s/\.t$//;
    my $tdir = dirname(dirname(dirname(abs_path(__FILE__))));    # t/lib/Test/.. -> t
    $SERVROOT = "$tdir/servroot/$name";
    remove_tree($SERVROOT);
    make_path(map { "$SERVROOT/$_" } qw(conf logs tmp html));
    $PORT = free_port();
    $ENV{TEST_NGINX_SERVER_PORT} = $PORT;
    $ENV{TEST_NGINX_SERVROOT} = $SERVROOT;
}

# ------------------------------------------------------------- exports

# As in Test::Nginx: e.g. to give every block a default config,
#   add_block_preprocessor(sub { my $b = shift;
#       $b->set_value(config => '...') unless defined $b->config });
sub add_block_preprocessor { push @PREPROCESSORS, @_ }

# add_block_wrapper(sub { my ($block, $inner) = @_; ... $inner->() ... }):
# the sub runs around the client side of every block (with or without
# nginx) and must call $inner exactly once.  Wrappers nest in the order
# they were added (the first is outermost).
sub add_block_wrapper { push @WRAPPERS, @_ }

sub _wrapped {
    my ($block, $inner) = @_;
    for my $w (reverse @WRAPPERS) {
        my $next = $inner;
        $inner = sub { $w->($block, $next) };
    }
    $inner->();
}

sub repeat_each { $REPEAT = $_[0] if @_; return $REPEAT }
sub log_level   { $LOG_LEVEL = $_[0] if @_; return $LOG_LEVEL }
sub server_port { $PORT }
sub servroot    { $SERVROOT }
sub master_pid  { $NGINX{pid} }
sub nginx_binary { $BINARY }

# A loopback TCP port that is free right now.
my %GIVEN;    # ports handed out: never twice, though some wait unbound

# A socket listening on 127.0.0.1:$port (0: a free one) that nobody
# accepts on: connects succeed and then wait, as to a hung server.
sub listener {
    my ($port) = @_;
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port // 0,
        Proto => 'tcp', Listen => 64, ReuseAddr => 1)
        or die 'listen on port ' . ($port // 0) . ": $!";
    return $s;
}

sub free_port {
    for (1 .. 100) {
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
            Proto => 'tcp', Listen => 1, ReuseAddr => 1) or die "free_port: $!";
        my $port = $s->sockport;
        close $s;
        return $port unless $GIVEN{$port}++;
    }
    die "free_port: no port not given out already\n";
}

# The pids of the running nginx master's children (its workers).
sub worker_pids {
    my $master = $NGINX{pid} or return ();
    my @pids;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $fh, '<', $stat or next;
        my $line = <$fh> // next;
        my ($pid) = $line =~ /^(\d+)/;
        my ($ppid) = substr($line, rindex($line, ')') + 2) =~ /^\S+ (\d+)/;
        push @pids, $pid if defined $ppid && $ppid == $master;
    }
    @pids = sort { $a <=> $b } @pids;
    return @pids;
}

# A WebSocket to the running nginx; %opt as Ten::WebSocket->connect.
sub ws_connect {
    my (%opt) = @_;
    return Ten::WebSocket->connect(port => $PORT, path => '/9p', %opt);
}

# ------------------------------------------------------------- helpers

# Starts a helper process (e.g. a backend service) now; it is stopped at
# the end of the test file.  %h: name, cmd => [argv], port (wait until it
# accepts), env => {}, timeout (10).  stdout/stderr go to
# servroot/logs/<name>.log.  Dies if it exits or never listens.
sub add_helper {
    my (%h) = @_;
    die "add_helper: name and cmd are required" unless $h{name} && $h{cmd};
    my $log = "$SERVROOT/logs/$h{name}.log";
    my $pid = _spawn($h{cmd}, $log, $h{env});
    my $helper = { %h, pid => $pid, log => $log };
    push @HELPERS, $helper;
    if ($h{port}) {
        my $err = _wait_for_port($h{port}, $h{timeout} || 10, $pid);
        die "helper $h{name} ($h{cmd}[0]): $err\n" . _tail($log) if $err;
    }
    return $pid;
}

# fork+exec in a new process group, output appended to $log.
sub _spawn {
    my ($cmd, $log, $env) = @_;
    my $pid = fork // die "fork: $!";
    return $pid if $pid;
    setpgrp(0, 0);
    @ENV{ keys %$env } = values %$env if $env;
    open STDIN, '<', '/dev/null';
    open STDOUT, '>>', $log or POSIX::_exit(126);
    open STDERR, '>&', \*STDOUT;
    { no warnings "exec"; exec @$cmd; }
    print STDERR "exec $cmd->[0]: $!\n";
    POSIX::_exit(127);
}

# '' once $port accepts connections, else why not ($pid exited, timeout).
sub _wait_for_port {
    my ($port, $timeout, $pid) = @_;
    my $deadline = time + $timeout;
    while (time < $deadline) {
        if ($pid && waitpid($pid, WNOHANG) == $pid) {
            return "exited with status " . ($? >> 8) . ($? & 127 ? " signal " . ($? & 127) : '');
        }
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
            Proto => 'tcp', Timeout => 0.5);
        if ($s) { close $s; return '' }
        sleep 0.02;
    }
    return "port $port not accepting after ${timeout}s";
}

# Signals process group $pid, then SIGKILLs it if it outlives $timeout.
# Returns 1 if it exited in time.
sub _stop_group {
    my ($pid, $signal, $timeout) = @_;
    kill $signal => $pid;
    my $deadline = time + $timeout;
    while (time < $deadline) {
        return 1 if waitpid($pid, WNOHANG) == $pid;
        sleep 0.01;
    }
    kill KILL => -$pid;
    waitpid($pid, 0);
    return 0;
}

sub _tail {
    my ($file, $lines) = @_;
    open my $fh, '<', $file or return '';
    my @all = <$fh>;
    splice @all, 0, @all - ($lines || 20) if @all > ($lines || 20);
    return join '', map { "    $_" } @all;
}

END {
    local $?;
    _stop_nginx() if $NGINX{pid};
    for my $h (reverse @HELPERS) {
        _stop_group($h->{pid}, 'TERM', 3) if $h->{pid};
    }
}

# --------------------------------------------------------------- nginx

sub _substitute {
    my ($text) = @_;
    return $text unless defined $text;
    $text =~ s/\$(TEST_NGINX_\w+)/defined $ENV{$1} ? $ENV{$1} : "\$$1"/ge;
    return $text;
}

sub _section {
    my ($block, $name) = @_;
    my $v = $block->$name;
    return defined $v ? _substitute($v) : undef;
}

sub _nginx_conf {
    my ($block) = @_;
    my $level = $block->log_level || $LOG_LEVEL;
    my $listen = "127.0.0.1:$PORT" . (defined $block->http2 ? ' http2' : '');
    my $user = $> == 0 ? "user root;\n" : '';
    my $main = _section($block, 'main_config') // '';
    # one worker, unless the block's main_config says how many
    my $workers = $main =~ /^\s*worker_processes\b/m ? '' : "worker_processes 1;\n";
    my $http = _section($block, 'http_config') // '';
    my $server = _section($block, 'config') // '';
    my $stream = _section($block, 'stream_config');
    my ($stream_load, $stream_block) = ('', '');
    if (defined $stream) {
        $stream_load = "load_module $NGX_STREAM;\nload_module $STREAM_MODULE;\n";
        $stream_block = "stream {\n$stream\n}\n";
    }
    return <<"CONF";
# generated by Test::Ten for $0: ${\ $block->name}
daemon off;
master_process on;
${workers}${user}pid logs/nginx.pid;
error_log logs/error.log $level;
load_module $MODULE;
$stream_load$main
events {
    worker_connections 1024;
}

http {
    access_log logs/access.log;
    default_type text/plain;
    client_body_temp_path tmp/client_body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
$http
    server {
        listen $listen;
        server_name localhost;
$server
    }
}
$stream_block
CONF
}

sub _write_file {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "write $path: $!";
    print $fh $text;
    close $fh;
}

sub _error_log_path { "$SERVROOT/logs/error.log" }

# `--- valgrind`: master and workers run under memcheck (through
# tools/nginx-valgrind.sh, its reports in logs/memcheck/), which also sees
# nginx's own code read what the module freed (ASan sees only the module).
# Not under the sanitizers, whose nginx cannot run under valgrind too,
# nor when the whole file runs under it already (TEST_NGINX_BINARY).
my $MEMCHECK = dirname(dirname(dirname(dirname(abs_path(__FILE__)))))
    . '/tools/nginx-valgrind.sh';

sub _memcheck {
    my ($block) = @_;
    return defined $block->valgrind && !$ENV{TEN_SANITIZED}
        && (abs_path($BINARY) // '') ne $MEMCHECK;
}

# The command that starts nginx for the block, and its environment.
sub _nginx_command {
    my ($block) = @_;
    my @args = ('-p', "$SERVROOT/", '-c', 'conf/nginx.conf');
    return ([$BINARY, @args], undef) unless _memcheck($block);
    remove_tree("$SERVROOT/logs/memcheck");
    return ([$MEMCHECK, @args], { TEN_NGINX => $BINARY,
                                  TEN_VALGRIND_LOGS => "$SERVROOT/logs/memcheck" });
}

# After the block: anything memcheck said fails it, with its first lines.
sub _check_memcheck {
    my ($block) = @_;
    return unless _memcheck($block);
    my $said = '';
    for my $log (grep { -s } glob "$SERVROOT/logs/memcheck/*") {
        open my $fh, '<', $log or next;
        $said .= join '', grep { defined } map { scalar <$fh> } 1 .. 30;
    }
    Test::More::ok($said eq '', $block->name . ' - memcheck reports nothing')
        or Test::More::diag($said);
}

# Starts nginx; returns '' or an error text.
sub _start_nginx {
    my ($block) = @_;
    my $stderr = "$SERVROOT/logs/nginx.stderr";
    my $pidfile = "$SERVROOT/logs/nginx.pid";
    unlink $pidfile;
    $NGINX{log_offset} = -s _error_log_path() || 0;
    my ($cmd, $env) = _nginx_command($block);
    my $pid = _spawn($cmd, $stderr, $env);
    $NGINX{pid} = $pid;
    # nginx listens before it writes its pid file and forks the worker, so
    # a pid file and a worker mean it is ready (no probe connection needed)
    my $deadline = time + 10;
    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            delete $NGINX{pid};
            return "nginx exited at startup (status " . ($? >> 8) . ")\n"
                . _tail($stderr, 10) . _tail(_error_log_path(), 10);
        }
        return '' if _read_pidfile($pidfile) == $pid && worker_pids();
        sleep 0.01;
    }
    _stop_nginx();
    return "nginx did not become ready within 10s\n" . _tail(_error_log_path(), 10);
}

sub _read_pidfile {
    my ($file) = @_;
    open my $fh, '<', $file or return 0;
    my $line = <$fh> // return 0;
    return $line =~ /^(\d+)/ ? $1 : 0;
}

# Stops nginx with SIGQUIT (SIGKILL after a timeout); returns 1 if it
# shut down gracefully in time.
sub _stop_nginx {
    my $pid = delete $NGINX{pid} or return 1;
    return _stop_group($pid, 'QUIT', $STOP_TIMEOUT);
}

# The error log lines written since nginx was started for this block.
sub _new_log_lines {
    open my $fh, '<', _error_log_path() or return ();
    seek $fh, $NGINX{log_offset} || 0, 0;
    local $/;
    my $text = <$fh> // '';
    return split /\n/, $text;
}

# ----------------------------------------------------------- the blocks

sub run_tests {
    for my $block (Test::Base::blocks()) {
        $_->($block) for @PREPROCESSORS;
        _run_block($block) for 1 .. $REPEAT;
    }
    # like done_testing(), but through plan() so Test::Base's END knows
    my $tb = Test::More->builder;
    return if $tb->has_plan;
    $tb->current_test ? $tb->plan(tests => $tb->current_test)
                      : $tb->plan(skip_all => 'no blocks to run');
}

sub _run_block {
    my ($block) = @_;
    my $name = $block->name;
    return _run_block_without_nginx($block) if $NO_NGINX;
    _write_file("$SERVROOT/conf/nginx.conf", _nginx_conf($block));
    return _run_must_die($block) if defined $block->must_die;

    if (my $err = _start_nginx($block)) {
        Test::More::fail("$name - nginx starts");
        Test::More::diag($err);
        return;
    }
    my $ok = eval { _wrapped($block, sub { _run_client($block) }); 1 };
    my $died = $@;
    my $graceful = _stop_nginx();
    Test::More::fail("$name - died: $died") unless $ok;
    Test::More::fail("$name - nginx exits within ${STOP_TIMEOUT}s of SIGQUIT")
        unless $graceful;
    _check_log($block, [_new_log_lines()], 'error_log');
    _check_memcheck($block);
}

# `no_nginx` files: only the client side; error_log and no_error_log are
# left to the block wrappers (e.g. to match a service's log).
sub _run_block_without_nginx {
    my ($block) = @_;
    my $ok = eval { _wrapped($block, sub { _run_client($block) }); 1 };
    Test::More::fail($block->name . " - died: $@") unless $ok;
}

sub _run_client {
    my ($block) = @_;
    if (defined $block->ws || defined $block->ninep) {
        _run_websocket($block);
    } elsif (defined $block->request) {
        _check_response($block, _http_request($block));
    }
    _run_perl($block) if defined $block->perl;
}

# `--- must_die`: nginx -t must fail; error_log lines refer to its output.
sub _run_must_die {
    my ($block) = @_;
    my $name = $block->name;
    my $cmd = "'$BINARY' -t -p '$SERVROOT/' -c conf/nginx.conf 2>&1";
    my $out = `$cmd`;
    my $status = $?;
    Test::More::ok($status != 0, "$name - nginx -t fails")
        or Test::More::diag("nginx -t output:\n$out");
    _check_log($block, [split /\n/, $out], 'nginx -t output');
}

# error_log / no_error_log: one substring (or qr/.../) per line.
sub _check_log {
    my ($block, $lines, $what) = @_;
    my $name = $block->name;
    for my $want (_lines(_section($block, 'error_log'))) {
        my $re = _pattern($want);
        Test::More::ok(scalar(grep { /$re/ } @$lines), "$name - $what contains: $want")
            or Test::More::diag("$what of this block:\n" . _last_lines($lines));
    }
    for my $unwanted (_lines(_section($block, 'no_error_log'))) {
        my $re = _pattern($unwanted);
        my @hits = grep { /$re/ } @$lines;
        Test::More::ok(!@hits, "$name - $what lacks: $unwanted")
            or Test::More::diag("found:\n" . join("\n", map { "    $_" } @hits[0 .. ($#hits < 4 ? $#hits : 4)]));
    }
}

sub _lines { my ($text) = @_; return defined $text ? grep { /\S/ } split /\n/, $text : () }

sub _pattern {
    my ($line) = @_;
    return qr/$1/ if $line =~ m{^qr/(.*)/$};
    return qr/\Q$line\E/;
}

sub _last_lines {
    my ($lines) = @_;
    my @tail = grep { !/\[debug\]/ } @$lines;
    @tail = @tail[-20 .. -1] if @tail > 20;
    return join '', map { "    $_\n" } @tail;
}

# ------------------------------------------------------------ HTTP side

# more_headers -> [[Name, value]]; "!Name" gives [Name, undef] (remove).
sub _more_headers {
    my ($block) = @_;
    my @headers;
    for (_lines(_section($block, 'more_headers'))) {
        if (/^!\s*(\S+)\s*$/) { push @headers, [$1, undef]; next }
        /^([^:\s]+)\s*:\s*(.*?)\s*$/ or die "bad more_headers line: $_\n";
        push @headers, [$1, $2];
    }
    return \@headers;
}

# The request line parts and body of `--- request`.
sub _request_parts {
    my ($block) = @_;
    my $text = _section($block, 'request') // "GET /9p\n";
    my ($line, @body) = split /\n/, $text, -1;
    my ($method, $uri, $version) = $line =~ m{^\s*(\S+)\s+(\S+)(?:\s+(HTTP/\d\.\d))?\s*$}
        or die "bad request line: $line\n";
    my $body = join "\n", @body;
    # the section's own final newline is not part of the body, unless the
    # section was computed (`--- request eval`)
    my $filters = $block->{_section_map}[0]{request}{filters} // '';
    $body =~ s/\n\z// unless $filters =~ /\beval\b/;
    return ($method, $uri, $version || 'HTTP/1.1', $body);
}

sub _http_request {
    my ($block) = @_;
    return _http2_request($block) if defined $block->http2;
    my ($method, $uri, $version, $body) = _request_parts($block);
    # defaults, unless more_headers has the same header (or !Name)
    my @defaults = ([Host => 'localhost'],
        $version eq 'HTTP/1.1' ? [Connection => 'close'] : ());
    my $more = _more_headers($block);
    my %given = map { lc $_->[0] => 1 } @$more;
    my @headers = ((grep { !$given{ lc $_->[0] } } @defaults), @$more);
    my $has_length = grep { $_->[0] =~ /^(content-length|transfer-encoding)$/i } @headers;
    push @headers, ['Content-Length' => length $body] if length $body && !$has_length;
    my $raw = "$method $uri $version\r\n"
        . join('', map { "$_->[0]: $_->[1]\r\n" } grep { defined $_->[1] } @headers)
        . "\r\n$body";
    return _send_and_read($raw, $method, _timeout($block));
}

sub _timeout { my ($block) = @_; return $block->timeout || 5 }

# Sends a raw HTTP/1.x request; returns { status, headers, body } or
# { error => text }.
sub _send_and_read {
    my ($raw, $method, $timeout) = @_;
    my $conn = eval { Ten::WebSocket->open_socket(port => $PORT, timeout => $timeout) }
        or return { error => "connect: $@" };
    $conn->send_raw($raw, $timeout);
    my $deadline = time + $timeout;
    my $resp;
    until ($resp = Ten::WebSocket::parse_response_head(\$conn->{rbuf})) {
        return { error => 'connection closed before a response' } if $conn->{eof};
        return { error => "no response within ${timeout}s" } if time > $deadline;
        $conn->_fill($deadline - time);
    }
    $resp->{body} = _read_body($conn, $resp, $method, $deadline);
    $conn->disconnect;
    return $resp;
}

sub _read_body {
    my ($conn, $resp, $method, $deadline) = @_;
    my $s = $resp->{status};
    return '' if $method eq 'HEAD' || $s < 200 || $s == 204 || $s == 304;
    my $h = $resp->{headers};
    my $fill = sub { $conn->_fill($deadline - time) || !$conn->{eof} && time < $deadline };
    if (($h->{'transfer-encoding'} || [''])->[0] =~ /chunked/i) {
        my $body = '';
        while (1) {
            if ($conn->{rbuf} =~ /^([0-9a-fA-F]+)[^\r\n]*\r\n/) {
                my ($size, $hdr) = (hex $1, length($&));
                if ($size == 0) { return $body }
                if (length $conn->{rbuf} >= $hdr + $size + 2) {
                    $body .= substr($conn->{rbuf}, $hdr, $size);
                    substr($conn->{rbuf}, 0, $hdr + $size + 2, '');
                    next;
                }
            }
            $fill->() or return $body;
        }
    }
    if (my $len = ($h->{'content-length'} || [])->[0]) {
        while (length $conn->{rbuf} < $len) { $fill->() or last }
        return substr($conn->{rbuf}, 0, $len);
    }
    return '' if defined $h->{'content-length'};
    1 while $fill->();
    return $conn->{rbuf};
}

# Checks error_code (or $default_code), response_headers and the body.
sub _check_response {
    my ($block, $resp, $default_code) = @_;
    my $name = $block->name;
    if ($resp->{error}) {
        Test::More::fail("$name - response: $resp->{error}");
        return;
    }
    my $code = defined $block->error_code ? $block->error_code : $default_code;
    Test::More::is($resp->{status}, $code, "$name - status code") if defined $code;
    for my $line (_lines(_section($block, 'response_headers'))) {
        _check_header($name, $resp->{headers}, $line);
    }
    if (defined $block->response_body) {
        Test::More::is($resp->{body}, _section($block, 'response_body'), "$name - response body");
    }
    if (defined $block->response_body_like) {
        my $re = _section($block, 'response_body_like');
        chomp $re;
        Test::More::like($resp->{body}, qr/$re/s, "$name - response body like");
    }
}

# "Name: value" (exact; several values are joined with ", "), "!Name"
# (absent) or "Name ~ regex".
sub _check_header {
    my ($name, $headers, $line) = @_;
    if ($line =~ /^!\s*(\S+)\s*$/) {
        Test::More::ok(!exists $headers->{lc $1}, "$name - header $1 absent")
            or Test::More::diag("$1: " . join(', ', @{ $headers->{lc $1} }));
    } elsif ($line =~ /^([^:~\s]+)\s*~\s*(.*?)\s*$/) {
        my ($h, $re) = ($1, $2);
        my $got = $headers->{lc $h};
        Test::More::like(defined $got ? join(', ', @$got) : "<header $h missing>",
            qr/$re/, "$name - header $h ~ $re");
    } elsif ($line =~ /^([^:\s]+)\s*:\s*(.*?)\s*$/) {
        my ($h, $want) = ($1, $2);
        my $got = $headers->{lc $h};
        Test::More::is(defined $got ? join(', ', @$got) : undef, $want, "$name - header $h");
    } else {
        die "bad response_headers line: $line\n";
    }
}

# A GET over cleartext HTTP/2 (prior knowledge).  Only the :status of the
# response is decoded (HPACK as nginx sends it); good enough to check
# how a location answers HTTP/2.
sub _http2_request {
    my ($block) = @_;
    my ($method, $uri) = _request_parts($block);
    my @fields = ([':method' => $method], [':path' => $uri],
        [':scheme' => 'http'], [':authority' => 'localhost'],
        map { [lc $_->[0] => $_->[1]] } grep { defined $_->[1] } @{ _more_headers($block) });
    my $hpack = join '', map { "\0" . _hpack_str($_->[0]) . _hpack_str($_->[1]) } @fields;
    my $raw = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
        . _h2_frame(4, 0, 0, '')                   # SETTINGS
        . _h2_frame(1, 0x5, 1, $hpack);            # HEADERS, END_STREAM|END_HEADERS
    my $timeout = _timeout($block);
    my $conn = eval { Ten::WebSocket->open_socket(port => $PORT, timeout => $timeout) }
        or return { error => "connect: $@" };
    $conn->send_raw($raw, $timeout);
    my $deadline = time + $timeout;
    while (time < $deadline) {
        while (length $conn->{rbuf} >= 9) {
            my ($len_hi, $len_lo, $type, $flags, $stream) = unpack('C n C C N', $conn->{rbuf});
            my $len = ($len_hi << 16) | $len_lo;
            last if length $conn->{rbuf} < 9 + $len;
            my $payload = substr($conn->{rbuf}, 9, $len);
            substr($conn->{rbuf}, 0, 9 + $len, '');
            return { error => 'HTTP/2 GOAWAY' } if $type == 7;
            return { error => 'HTTP/2 RST_STREAM' } if $type == 3 && $stream == 1;
            next unless $type == 1 && ($stream & 0x7fffffff) == 1;
            my $status = _hpack_status($payload)
                // return { error => 'cannot decode :status: ' . unpack('H*', $payload) };
            $conn->disconnect;
            return { status => $status, headers => {}, body => '' };
        }
        last if $conn->{eof};
        $conn->_fill($deadline - time);
    }
    $conn->disconnect;
    return { error => 'no HTTP/2 response headers' };
}

sub _h2_frame {
    my ($type, $flags, $stream, $payload) = @_;
    my $len = length $payload;
    return pack('C n C C N', $len >> 16, $len & 0xffff, $type, $flags, $stream) . $payload;
}

# An HPACK string literal (no Huffman) with a 7-bit prefix length.
sub _hpack_str {
    my ($s) = @_;
    my $len = length $s;
    return chr($len) . $s if $len < 127;
    my $out = chr(127);
    $len -= 127;
    while ($len >= 128) { $out .= chr(($len & 0x7f) | 0x80); $len >>= 7 }
    return $out . chr($len) . $s;
}

# :status from the first field of a header block, as nginx encodes it:
# an indexed static entry or a literal with :status's name index (8).
sub _hpack_status {
    my ($block) = @_;
    my %static = (8 => 200, 9 => 204, 10 => 206, 11 => 304, 12 => 400,
                  13 => 404, 14 => 500);
    my ($b, $len) = unpack('C C', $block);
    return $static{ $b & 0x7f } if $b & 0x80;
    my $index = ($b & 0xc0) == 0x40 ? $b & 0x3f : $b & 0x0f;
    return undef unless $index == 8 && !($len & 0x80);
    return substr($block, 2, $len);
}

# ------------------------------------------------------- WebSocket side

sub _run_websocket {
    my ($block) = @_;
    my $name = $block->name;
    my $is_ninep = defined $block->ninep;
    my $text = _section($block, $is_ninep ? 'ninep' : 'ws');
    my $steps = eval { Ten::Script::parse($text, ninep => $is_ninep) };
    if (!$steps) {
        Test::More::fail("$name - script parses");
        Test::More::diag($@);
        return;
    }
    my (undef, $path) = _request_parts($block);
    my $timeout = _timeout($block);
    my %conn = (port => $PORT, path => $path, timeout => $timeout,
                headers => _more_headers($block));
    my $ws = eval { Ten::WebSocket->connect(%conn) };
    if (!$ws) {
        Test::More::fail("$name - websocket handshake: $@");
        return;
    }
    # the handshake response answers error_code (default 101) and
    # response_headers
    _check_response($block, { %{ $ws->{response} }, body => '' }, 101);
    my $hs_error = $ws->handshake_error;
    Test::More::ok(!$hs_error, "$name - websocket handshake")
        or Test::More::diag($hs_error);
    if ($hs_error) { $ws->disconnect; return }

    my $first = $ws;
    my $connect = sub {    # the first call gets the handshaken socket
        if ($first) { my $w = $first; undef $first; return $w }
        my $w = Ten::WebSocket->connect(%conn);
        my $e = $w->handshake_error;
        die "reconnect: handshake failed: $e\n" if $e;
        return $w;
    };
    my $result = Ten::Script::run($steps, connect => $connect, timeout => $timeout);
    Test::More::ok($result->{ok}, "$name - " . ($is_ninep ? 'ninep' : 'ws') . ' conversation')
        or Test::More::diag("$result->{error}\ntranscript:\n"
            . join('', map { "    $_\n" } @{ $result->{transcript} }));
}

# `--- perl`: code run in package main while nginx is up; it gets the
# block as $block and may use Test::More and the exported helpers.
sub _run_perl {
    my ($block) = @_;
    my $code = $block->perl;
    my $sub = eval "package main; use strict; use warnings;\n"
        . "sub { my (\$block) = \@_;\n$code\n}";
    die "perl section does not compile: $@" unless $sub;
    $sub->($block);
}

1;
