#!/usr/bin/perl
# A tiny reference WebSocket echo server for the harness self-tests:
#   ws-echo.pl PORT
# Answers the handshake (echoing subprotocol "9p" when offered), echoes
# binary and text messages (reassembling fragments), answers pings with
# pongs and echoes a close, then closes TCP.  One process per connection.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use IO::Socket::INET;
use Ten::WebSocket;

my $port = shift or die "usage: $0 PORT\n";
my $listener = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
    Listen => 64, ReuseAddr => 1, Proto => 'tcp') or die "listen: $!\n";
$SIG{CHLD} = 'IGNORE';
$SIG{TERM} = sub { exit 0 };
print STDERR "ws-echo listening on $port\n";

while (my $client = $listener->accept) {
    my $pid = fork // die "fork: $!";
    if ($pid == 0) { close $listener; serve($client); exit 0 }
    close $client;
}

sub serve {
    my ($sock) = @_;
    $sock->blocking(0);
    my $conn = bless { sock => $sock, rbuf => '', eof => 0 }, 'Ten::WebSocket';
    my $req;
    until (($req) = $conn->{rbuf} =~ /\A(.*?\r\n\r\n)/s) {
        return if $conn->{eof};
        $conn->_fill(10) or return;
    }
    substr($conn->{rbuf}, 0, length $req, '');
    my ($key) = $req =~ /^Sec-WebSocket-Key:\s*(\S+)/mi or return;
    my $proto = $req =~ /^Sec-WebSocket-Protocol:.*\b9p\b/mi
        ? "Sec-WebSocket-Protocol: 9p\r\n" : '';
    $conn->send_raw("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        . "Connection: Upgrade\r\nSec-WebSocket-Accept: "
        . Ten::WebSocket::accept_for($key) . "\r\n$proto\r\n");
    my ($message, $message_op) = ('', undef);
    while (my $f = $conn->read_frame(30)) {
        return if $f->{eof};
        my $op = $f->{opcode};
        if ($op == 9) { reply($conn, 10, $f->{payload}); next }
        if ($op == 8) { reply($conn, 8, $f->{payload}); return }
        next if $op == 10;
        $message_op = $op if $op != 0;
        $message .= $f->{payload};
        next unless $f->{fin};
        reply($conn, $message_op, $message);
        ($message, $message_op) = ('', undef);
    }
}

sub reply {
    my ($conn, $op, $payload) = @_;
    $conn->send_frame(opcode => $op, payload => $payload, mask => 0);
}
