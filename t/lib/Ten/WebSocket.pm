package Ten::WebSocket;

# A small RFC 6455 WebSocket client for the tests: the opening handshake,
# masked (or deliberately broken) frames, reading frames with a timeout,
# and close handling.  Core Perl only.
#
#   my $ws = Ten::WebSocket->connect(port => $port, path => '/9p');
#   $ws->send_binary($bytes);
#   my $f = $ws->read_frame(5);     # {opcode, payload, fin, rsv, masked}
#                                   # or {eof => 1} or undef on timeout
#   $ws->send_frame(opcode => 2, payload => $p, mask => 0, rsv => 4);
#
# The socket is non-blocking; writes are pumped with select() and bytes
# that arrive meanwhile are kept, so writing a large message to a server
# that has stopped reading never deadlocks.

use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use Socket qw(MSG_NOSIGNAL);
use Errno qw(EAGAIN EWOULDBLOCK EINTR);
use Digest::SHA qw(sha1);
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(time);
use Carp qw(croak);

use constant {
    OP_CONT   => 0x0,
    OP_TEXT   => 0x1,
    OP_BINARY => 0x2,
    OP_CLOSE  => 0x8,
    OP_PING   => 0x9,
    OP_PONG   => 0xa,
    GUID      => '258EAFA5-E914-47DA-95CA-C5AB0DC85B11',
};

our %OPCODE = (cont => OP_CONT, text => OP_TEXT, binary => OP_BINARY,
    close => OP_CLOSE, ping => OP_PING, pong => OP_PONG);
our %OPNAME = reverse %OPCODE;

sub opcode_name { my $n = $OPNAME{ $_[0] }; defined $n ? $n : "op$_[0]" }

# ------------------------------------------------------------- handshake

sub new_key { encode_base64(join('', map { chr int rand 256 } 1 .. 16), '') }

sub accept_for { encode_base64(sha1($_[0] . GUID), '') }

# The client's opening handshake.  %opt: path, host, key, version
# ('HTTP/1.1'), method ('GET'), headers => [[Name => value], ...] which
# replace the default header of the same name (value undef: drop it).
sub handshake_request {
    my (%opt) = @_;
    my @headers = (
        [Host                    => $opt{host} || 'localhost'],
        [Upgrade                 => 'websocket'],
        [Connection              => 'Upgrade'],
        ['Sec-WebSocket-Version' => 13],
        ['Sec-WebSocket-Key'     => $opt{key}],
    );
    for my $h (@{ $opt{headers} || [] }) {
        my ($name, $value) = @$h;
        my ($slot) = grep { lc $_->[0] eq lc $name } @headers;
        if ($slot) { $slot->[1] = $value }
        else       { push @headers, [$name, $value] }
    }
    my $req = sprintf "%s %s %s\r\n", $opt{method} || 'GET', $opt{path} || '/9p',
        $opt{version} || 'HTTP/1.1';
    $req .= "$_->[0]: $_->[1]\r\n" for grep { defined $_->[1] } @headers;
    return "$req\r\n";
}

# Parses an HTTP response head at the start of $$buf and removes it.
# Returns undef when the head is incomplete, else
# { status, reason, protocol, headers => { lc name => [values] } }.
sub parse_response_head {
    my ($buf) = @_;
    my $end = index($$buf, "\r\n\r\n");
    return undef if $end < 0;
    my $head = substr($$buf, 0, $end + 4, '');
    my ($status_line, @lines) = split /\r\n/, $head;
    my ($proto, $status, $reason) = $status_line =~ m{^(HTTP/\d\.\d) (\d{3}) ?(.*)$}
        or croak "bad status line: $status_line";
    my %headers;
    for (@lines) {
        my ($name, $value) = /^([^:]+):\s*(.*?)\s*$/ or next;
        push @{ $headers{lc $name} }, $value;
    }
    return { protocol => $proto, status => $status, reason => $reason,
             headers => \%headers };
}

# Opens a TCP connection and performs the handshake.  Dies if the server
# cannot be reached; otherwise returns the object whatever the status
# (check $ws->{response}{status} or handshake_error()).
sub connect {
    my ($class, %opt) = @_;
    my $self = $class->open_socket(%opt);
    $self->{key} = $opt{key} || new_key();
    $self->send_raw(handshake_request(%opt, key => $self->{key}));
    my $deadline = time + ($opt{timeout} || 5);
    until ($self->{response} = parse_response_head(\$self->{rbuf})) {
        croak "connection closed during the handshake" if $self->{eof};
        my $left = $deadline - time;
        croak "no handshake response within the timeout" if $left <= 0;
        $self->_fill($left);
    }
    return $self;
}

# A connected, non-blocking socket wrapped in the object (no handshake).
sub open_socket {
    my ($class, %opt) = @_;
    my $sock = IO::Socket::INET->new(
        PeerAddr => $opt{host} || '127.0.0.1',
        PeerPort => $opt{port},
        Proto    => 'tcp',
        Timeout  => $opt{timeout} || 5,
    ) or croak "connect to port $opt{port}: $!";
    $sock->blocking(0);
    return bless { sock => $sock, rbuf => '', eof => 0 }, $class;
}

# '' when the handshake succeeded (101, correct Sec-WebSocket-Accept),
# else the reason.
sub handshake_error {
    my ($self) = @_;
    my $r = $self->{response};
    return "status $r->{status}, not 101" if $r->{status} != 101;
    my $accept = ($r->{headers}{'sec-websocket-accept'} || [])->[0];
    return "Sec-WebSocket-Accept missing" unless defined $accept;
    my $want = accept_for($self->{key});
    return "Sec-WebSocket-Accept is $accept, want $want" if $accept ne $want;
    return '';
}

# ---------------------------------------------------------------- frames

# Builds one frame.  %f: opcode, payload (''), fin (1), rsv (0..7: RSV1 is
# 4), mask (1), mask_key (4 random bytes), len ('min', 7, 16 or 64: the
# length encoding; 16/64 on short payloads make a non-minimal encoding).
sub build_frame {
    my (%f) = @_;
    my $payload = defined $f{payload} ? $f{payload} : '';
    my $fin  = defined $f{fin}  ? $f{fin}  : 1;
    my $mask = defined $f{mask} ? $f{mask} : 1;
    my $rsv  = $f{rsv} || 0;
    my $len  = length $payload;
    my $enc  = $f{len} || 'min';
    $enc = $len < 126 ? 7 : $len < 65536 ? 16 : 64 if $enc eq 'min';
    croak "payload of $len bytes does not fit a 7-bit length" if $enc == 7 && $len > 125;

    my $frame = chr(($fin ? 0x80 : 0) | (($rsv & 7) << 4) | ($f{opcode} & 0xf));
    my $mbit = $mask ? 0x80 : 0;
    if    ($enc == 7)  { $frame .= chr($mbit | $len) }
    elsif ($enc == 16) { $frame .= chr($mbit | 126) . pack('n', $len) }
    else               { $frame .= chr($mbit | 127) . pack('Q>', $len) }
    if ($mask) {
        my $key = defined $f{mask_key} ? $f{mask_key}
                : pack('N', int rand 2**32);
        $frame .= $key . mask_bytes($payload, $key);
    } else {
        $frame .= $payload;
    }
    return $frame;
}

sub mask_bytes {
    my ($data, $key) = @_;
    my $n = length $data;
    my $stream = substr($key x (int($n / 4) + 1), 0, $n);
    return $data ^ $stream;
}

# Removes one complete frame from the front of $$buf and returns it as
# { fin, rsv, opcode, masked, payload, len_bytes }, or undef if incomplete.
sub parse_frame {
    my ($buf) = @_;
    return undef if length $$buf < 2;
    my ($b0, $b1) = unpack('C C', $$buf);
    my $len = $b1 & 0x7f;
    my $pos = 2;
    my $len_bytes = 0;
    if ($len == 126) {
        return undef if length $$buf < 4;
        $len = unpack('n', substr($$buf, 2, 2)); $pos = 4; $len_bytes = 2;
    } elsif ($len == 127) {
        return undef if length $$buf < 10;
        $len = unpack('Q>', substr($$buf, 2, 8)); $pos = 10; $len_bytes = 8;
    }
    my $masked = $b1 & 0x80;
    my $key = '';
    if ($masked) {
        return undef if length $$buf < $pos + 4;
        $key = substr($$buf, $pos, 4);
        $pos += 4;
    }
    return undef if length $$buf < $pos + $len;
    my $payload = substr($$buf, $pos, $len);
    substr($$buf, 0, $pos + $len, '');
    $payload = mask_bytes($payload, $key) if $masked;
    return { fin => ($b0 >> 7) & 1, rsv => ($b0 >> 4) & 7, opcode => $b0 & 0xf,
             masked => $masked ? 1 : 0, payload => $payload,
             len_bytes => $len_bytes };
}

# (code, reason) of a close frame; code undef for an empty payload.
sub close_status {
    my ($frame) = @_;
    my $p = $frame->{payload};
    return (undef, '') if length $p < 2;
    return (unpack('n', $p), substr($p, 2));
}

# Human-readable one-line description of a frame (for diagnostics).
sub describe_frame {
    my ($f) = @_;
    return 'TCP closed' . ($f->{error} ? " ($f->{error})" : '') if $f->{eof};
    my $d = opcode_name($f->{opcode});
    $d .= ' (not FIN)' unless $f->{fin};
    $d .= " rsv=$f->{rsv}" if $f->{rsv};
    $d .= ' masked' if $f->{masked};
    if ($f->{opcode} == OP_CLOSE) {
        my ($code, $reason) = close_status($f);
        return "$d (empty)" unless defined $code;
        return "$d $code" . (length $reason ? qq( "$reason") : '');
    }
    my $p = $f->{payload};
    return "$d " . length($p) . ' bytes: '
        . (length $p > 32 ? unpack('H64', $p) . '...' : unpack('H*', $p));
}

# ------------------------------------------------------------------- I/O

# Reads whatever is available within $timeout seconds into rbuf.
# Returns the number of bytes read (0 at EOF or on timeout).
sub _fill {
    my ($self, $timeout) = @_;
    return 0 if $self->{eof};
    my $sel = IO::Select->new($self->{sock});
    return 0 unless $sel->can_read($timeout > 0 ? $timeout : 0);
    my $n = sysread($self->{sock}, my $chunk, 65536);
    if (!defined $n) {
        return 0 if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
        $self->{eof} = 1;
        $self->{read_error} = "$!";
        return 0;
    }
    if ($n == 0) { $self->{eof} = 1; return 0 }
    $self->{rbuf} .= $chunk;
    return $n;
}

# Writes all of $bytes (giving up after $timeout seconds, default 10),
# reading incoming bytes meanwhile.  Returns 1, or 0 if the peer closed
# or reset the connection first ($self->{write_error} says why).
sub send_raw {
    my ($self, $bytes, $timeout) = @_;
    my $deadline = time + ($timeout || 10);
    my $sock = $self->{sock};
    my $sel = IO::Select->new($sock);
    while (length $bytes) {
        my $left = $deadline - time;
        if ($left <= 0) { $self->{write_error} = 'write timed out'; return 0 }
        my ($rd, $wr) = IO::Select->select($self->{eof} ? undef : $sel, $sel, undef, $left);
        $self->_fill(0) if $rd && @$rd;
        next unless $wr && @$wr;
        my $n = send($sock, $bytes, MSG_NOSIGNAL);
        if (!defined $n) {
            next if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
            $self->{write_error} = "$!";
            return 0;
        }
        substr($bytes, 0, $n, '');
    }
    return 1;
}

sub send_frame { my ($self, %f) = @_; return $self->send_raw(build_frame(%f)) }

sub send_binary { $_[0]->send_frame(opcode => OP_BINARY, payload => $_[1]) }
sub send_text   { $_[0]->send_frame(opcode => OP_TEXT,   payload => $_[1]) }
sub send_ping   { $_[0]->send_frame(opcode => OP_PING,   payload => $_[1]) }
sub send_pong   { $_[0]->send_frame(opcode => OP_PONG,   payload => $_[1]) }

sub send_close {
    my ($self, $code, $reason) = @_;
    my $payload = defined $code ? pack('n', $code) . ($reason // '') : '';
    return $self->send_frame(opcode => OP_CLOSE, payload => $payload);
}

# The next frame within $timeout seconds (default 5): a frame hash,
# { eof => 1, error => ... } once the server has closed TCP, or undef.
sub read_frame {
    my ($self, $timeout) = @_;
    my $deadline = time + (defined $timeout ? $timeout : 5);
    while (1) {
        my $f = parse_frame(\$self->{rbuf});
        return $f if $f;
        return { eof => 1, error => $self->{read_error},
                 partial => length $self->{rbuf} } if $self->{eof};
        my $left = $deadline - time;
        return undef if $left <= 0;
        $self->_fill($left);
    }
}

# Sends close 1000 (unless already closed) and waits briefly for the
# server's close and EOF; then drops the socket.
sub close_gracefully {
    my ($self, $timeout) = @_;
    $self->send_close(1000) unless $self->{eof};
    my $deadline = time + ($timeout || 2);
    while (!$self->{eof} && time < $deadline) {
        my $f = $self->read_frame($deadline - time) or last;
        last if $f->{eof};
    }
    $self->disconnect;
}

sub disconnect {
    my ($self) = @_;
    close $self->{sock} if $self->{sock};
    $self->{sock} = undef;
    $self->{eof} = 1;
}

sub DESTROY { my ($self) = @_; close $self->{sock} if $self->{sock} }

1;
