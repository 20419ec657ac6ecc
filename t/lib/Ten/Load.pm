package Ten::Load;

# Many WebSocket+9P connections at once, driven by one select() loop, for
# the load and leak tests.
#
#   my $r = Ten::Load::cycles(port => $p, total => 10_000, parallel => 20);
#       # each cycle: connect, handshake, Tversion/Rversion, close
#       # $r = { done => n, errors => [first few error texts], failed => n }
#   my $r = Ten::Load::concurrent_versions(port => $p, count => 200);
#       # all connections open at once, each answering its own msize
#   my $kb = Ten::Load::vmrss($pid);

use strict;
use warnings;
use IO::Select;
use Time::HiRes qw(time);
use Ten::WebSocket;
use Ten::NineP qw(pack_msg unpack_msg);

# One connection's state: {ws, key, state, msize, tag, started}.
sub _open {
    my ($port, $path, $msize, $tag) = @_;
    my $ws = Ten::WebSocket->open_socket(port => $port);
    my $key = Ten::WebSocket::new_key();
    $ws->{key} = $key;
    $ws->send_raw(Ten::WebSocket::handshake_request(path => $path, key => $key));
    return { ws => $ws, state => 'handshake', msize => $msize, tag => $tag,
             started => time };
}

sub _tversion_frame {
    my ($c) = @_;
    return Ten::WebSocket::build_frame(opcode => 2, payload => pack_msg({
        type => 'Tversion', tag => $c->{tag}, msize => $c->{msize},
        version => '9P2000' }));
}

# Advances a connection with whatever bytes have arrived.  Returns
# 'again' (needs more input), 'done', or an error text.
sub _step {
    my ($c, $send_tversion) = @_;
    my $ws = $c->{ws};
    if ($c->{state} eq 'handshake') {
        my $head = Ten::WebSocket::parse_response_head(\$ws->{rbuf});
        return $ws->{eof} ? 'closed during the handshake' : 'again' unless $head;
        $ws->{response} = $head;
        my $err = $ws->handshake_error;
        return "handshake: $err" if $err;
        $c->{state} = 'open';
        return 'open' unless $send_tversion;
    }
    if ($c->{state} eq 'open') {
        $ws->send_raw(_tversion_frame($c));
        $c->{state} = 'rversion';
    }
    if ($c->{state} eq 'rversion') {
        my $f = Ten::WebSocket::parse_frame(\$ws->{rbuf});
        return $ws->{eof} ? 'closed before Rversion' : 'again' unless $f;
        return 'expected a binary frame, got opcode ' . $f->{opcode} if $f->{opcode} != 2;
        my $m = eval { unpack_msg($f->{payload}) } or return "bad Rversion: $@";
        return "got $m->{type} tag=$m->{tag} msize=" . ($m->{msize} // '-')
            . " version=" . ($m->{version} // '-') . ", expected Rversion tag=$c->{tag} msize=$c->{msize} version=9P2000"
            unless $m->{type} eq 'Rversion' && $m->{tag} == $c->{tag}
                && $m->{msize} == $c->{msize} && $m->{version} eq '9P2000';
        $ws->send_close(1000);
        $c->{state} = 'closing';
    }
    if ($c->{state} eq 'closing') {
        while (my $f = Ten::WebSocket::parse_frame(\$ws->{rbuf})) {
            return 'done' if $f->{opcode} == 8;
        }
        return 'done' if $ws->{eof};
        return 'again';
    }
    return 'again';
}

# Runs $total connect/handshake/Tversion/close cycles, $parallel at a
# time.  %opt: port, total, parallel (10), path ('/9p'), msize (8192),
# timeout (per cycle, 10 s).
sub cycles {
    my (%opt) = @_;
    my $parallel = $opt{parallel} || 10;
    my $path = $opt{path} || '/9p';
    my $msize = $opt{msize} || 8192;
    my $timeout = $opt{timeout} || 10;
    my ($started, $done, $failed, @errors) = (0, 0, 0);
    my %live;    # fileno => connection
    while ($done + $failed < $opt{total}) {
        while (keys %live < $parallel && $started < $opt{total}) {
            my $c = _open($opt{port}, $path, $msize, $started % 0xffff);
            $live{ fileno $c->{ws}{sock} } = $c;
            $started++;
        }
        my $sel = IO::Select->new(map { $_->{ws}{sock} } values %live);
        for my $sock ($sel->can_read(1)) {
            my $c = $live{ fileno $sock };
            $c->{ws}->_fill(0);
            my $r = _step($c, 1);
            next if $r eq 'again';
            delete $live{ fileno $sock };
            $c->{ws}->disconnect;
            if ($r eq 'done') { $done++ }
            else { $failed++; push @errors, $r if @errors < 5 }
        }
        for my $fd (keys %live) {    # give up on stuck connections
            next if time - $live{$fd}{started} < $timeout;
            $live{$fd}{ws}->disconnect;
            delete $live{$fd};
            $failed++;
            push @errors, "no progress within ${timeout}s" if @errors < 5;
        }
    }
    return { done => $done, failed => $failed, errors => \@errors };
}

# Opens $count WebSockets, completes every handshake, then sends all the
# Tversions (msize 4096+i, tag i) before reading any Rversion.
sub concurrent_versions {
    my (%opt) = @_;
    my $count = $opt{count};
    my @conns = map { _open($opt{port}, $opt{path} || '/9p', 4096 + $_, $_) } 0 .. $count - 1;
    my @errors;
    my $wait_all = sub {    # runs _step on every connection until none says 'again'
        my ($send) = @_;
        my %pending = map { fileno($_->{ws}{sock}) => $_ } @conns;
        my $deadline = time + ($opt{timeout} || 20);
        while (%pending && time < $deadline) {
            my $sel = IO::Select->new(map { $_->{ws}{sock} } values %pending);
            for my $sock ($sel->can_read(1)) {
                my $c = $pending{ fileno $sock };
                $c->{ws}->_fill(0);
                my $r = _step($c, $send);
                next if $r eq 'again';
                delete $pending{ fileno $sock };
                push @errors, "connection $c->{tag}: $r" unless $r eq 'open' || $r eq 'done';
            }
        }
        push @errors, scalar(keys %pending) . " connections timed out" if %pending;
    };
    $wait_all->(0);                     # every handshake answered
    my $open = grep { $_->{state} eq 'open' } @conns;
    $_->{ws}->send_raw(_tversion_frame($_)), $_->{state} = 'rversion'
        for grep { $_->{state} eq 'open' } @conns;
    $wait_all->(1);                     # every Rversion read, close echoed
    my $done = grep { $_->{state} eq 'closing' } @conns;
    $_->{ws}->disconnect for @conns;
    return { open => $open, done => $done, errors => \@errors };
}

# VmRSS of a process in kB.
sub vmrss {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/status" or die "/proc/$pid/status: $!";
    while (<$fh>) { return $1 if /^VmRSS:\s+(\d+)\s+kB/ }
    die "no VmRSS for $pid";
}

1;
