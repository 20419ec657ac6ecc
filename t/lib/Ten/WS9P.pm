package Ten::WS9P;

# A 9P2000 client over WebSocket (one binary message = one 9P message),
# with Ten::Client's interface: explicit tags, pipelining, `collect`,
# `rpc` and the conveniences (version, attach, walk, open, create, read,
# write, clunk, remove, stat, wstat, read_all, read_dir).  The kernel
# suites talk to nginx with it.
#
#   my $c = Ten::WS9P->connect(port => $port);     # path '/9p'
#   $c->version(8192);
#   my $r = $c->attach(0, 'glenda', $ticket_path);
#   my @tags = $c->send('Tread fid=1 offset=0 count=10', 'Tstat fid=0');
#   my %by_tag = $c->collect(\@tags);
#
# Pings from the server are answered; a close frame sets {eof} and
# {close_code}.  A frame that is not binary dies.

use strict;
use warnings;
use Carp qw(croak);
use Time::HiRes qw(time);
use Ten::Client ();
use Ten::WebSocket;
use Ten::NineP qw(pack_msg unpack_msg format_msg);

our @ISA = ('Ten::Client');

sub connect {
    my ($class, %opt) = @_;
    my $timeout = $opt{timeout} || 5;
    my $ws = Ten::WebSocket->connect(port => $opt{port}, path => $opt{path} || '/9p',
        timeout => $timeout, headers => $opt{headers} || []);
    my $err = $ws->handshake_error;
    croak "WebSocket handshake: $err" if $err;
    return bless { ws => $ws, eof => 0, tag => 1, fid => 100,
                   timeout => $timeout }, $class;
}

# Each message goes out as its own binary frame; all frames in one write.
sub send {
    my ($self, @msgs) = @_;
    my @m = map { $self->_msg($_) } @msgs;
    $self->send_messages(map { pack_msg($_) } @m);
    return map { $_->{tag} } @m;
}

# Already packed 9P messages, one frame each, in one write.
sub send_messages {
    my ($self, @bytes) = @_;
    my $raw = join '', map { Ten::WebSocket::build_frame(opcode => 2, payload => $_) } @bytes;
    $self->{ws}->send_raw($raw, $self->{timeout} * 4) or $self->{eof} = 1;
}

sub send_raw {
    my ($self, $bytes) = @_;
    croak "Ten::WS9P: send_raw of unframed bytes is not supported; use send_messages";
}

# The next 9P reply, or undef after $timeout seconds or once the server
# closed (then {eof} is set, {close_code} holds a close frame's code).
sub recv {
    my ($self, $timeout) = @_;
    my $deadline = time + ($timeout // $self->{timeout});
    while (1) {
        return undef if $self->{eof};
        my $left = $deadline - time;
        return undef if $left < 0;
        my $f = $self->{ws}->read_frame($left > 0 ? $left : 0) or return undef;
        if ($f->{eof}) { $self->{eof} = 1; return undef }
        if ($f->{opcode} == Ten::WebSocket::OP_PING) {
            $self->{ws}->send_pong($f->{payload});
            next;
        }
        next if $f->{opcode} == Ten::WebSocket::OP_PONG;
        if ($f->{opcode} == Ten::WebSocket::OP_CLOSE) {
            my ($code, $reason) = Ten::WebSocket::close_status($f);
            $self->{close_code} = $code;
            $self->{close_reason} = $reason;
            $self->{eof} = 1;
            return undef;
        }
        croak "unexpected frame: " . Ten::WebSocket::describe_frame($f)
            unless $f->{opcode} == Ten::WebSocket::OP_BINARY;
        my $m = eval { unpack_msg($f->{payload}) };
        croak "undecodable 9P reply (" . ($@ =~ s/\n//r) . "): "
            . unpack('H*', substr($f->{payload}, 0, 64)) unless $m;
        return $m;
    }
}

sub closed {
    my ($self, $timeout) = @_;
    my $deadline = time + ($timeout // $self->{timeout});
    while (!$self->{eof} && time < $deadline) {
        $self->recv($deadline - time);
    }
    return $self->{eof};
}

# A graceful WebSocket close (close 1000, wait for the echo).
sub close {
    my ($self) = @_;
    $self->{ws}->close_gracefully(2) if $self->{ws};
    $self->{eof} = 1;
}

sub disconnect {
    my ($self) = @_;
    $self->{ws}->disconnect if $self->{ws};
    $self->{eof} = 1;
}

sub DESTROY { }

1;
