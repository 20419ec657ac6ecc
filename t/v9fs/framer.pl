#!/usr/bin/perl
# Ten: a TCP-to-WebSocket framer for t/100-v9fs.t.  It accepts one TCP
# connection on 127.0.0.1:LISTEN-PORT (the Linux guest's 9P byte stream,
# through QEMU's virtio-serial chardev), opens the kernel's WebSocket at
# ws://127.0.0.1:NGINX-PORT/9p, and pumps: each 9P message from the
# stream becomes one binary message, each binary message goes back as
# bytes, for one connection after another.
#   framer.pl LISTEN-PORT NGINX-PORT
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use IO::Socket::INET;
use IO::Select;
use Ten::WebSocket;

$| = 1;

my ($listen_port, $nginx_port) = @ARGV;
die "usage: framer.pl LISTEN-PORT NGINX-PORT\n" unless $nginx_port;

my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $listen_port,
                                Listen => 1, ReuseAddr => 1) or die "listen: $!";
print "framer: listening on $listen_port\n";
# one connection after another (a port check may come first)
while (my $tcp = $srv->accept) {
    serve($tcp);
    close $tcp;
}

sub serve {
    my ($tcp) = @_;
    my ($in, $n, $ws) = ('');
    my $sel = IO::Select->new($tcp);
    while (1) {
        # frames already read by the client object come first
        while ($ws and my $f = $ws->read_frame(0)) {
            return if $f->{eof} || $f->{opcode} == 8;
            $ws->send_frame(opcode => 10, payload => $f->{payload})
                if $f->{opcode} == 9;
            next unless $f->{opcode} == 2;
            return unless defined syswrite($tcp, $f->{payload});
        }
        for my $fh ($sel->can_read(1)) {
            if ($fh != $tcp) {
                $ws->_fill(0.01);
                next;
            }
            $n = sysread($tcp, $in, 65536, length $in);
            return unless $n;
            # the WebSocket opens with the first bytes: a guest may take
            # longer to mount than the kernel waits for an idle client
            $ws //= open_ws() // return;
            $sel->add($ws->{sock});
            while (length $in >= 4) {
                my $size = unpack('V', $in);
                last if length $in < $size;
                $ws->send_binary(substr($in, 0, $size, ''));
            }
        }
    }
}

sub open_ws {
    my $ws = Ten::WebSocket->connect(port => $nginx_port, path => '/9p');
    return $ws if $ws->handshake_error eq '';
    print "framer: handshake: ", $ws->handshake_error, "\n";
    return undef;
}
