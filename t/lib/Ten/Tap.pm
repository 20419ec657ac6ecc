package Ten::Tap;

# A 9P wiretap for the kernel suites: a TCP proxy between the kernel and
# a service that logs every 9P message in each direction, one line each
# in Ten::NineP's text form ("> Twalk tag=3 fid=2 ..." towards the
# service, "< Rwalk ..." back), prefixed with the connection's number.
#
#   my $tap = Ten::Tap->new(to => $vfs_port)->start;   # picks its port
#   ... upstream { server 127.0.0.1:<$tap->port>; } ...
#   my @lines = $tap->lines;          # what crossed so far
#   $tap->stop;
#
# It runs in a child process (select loop); the log is a file.

use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use Test::Ten ();
use Ten::NineP qw(unpack_msg format_msg);

my $SEQ = 0;
my @RUNNING;

sub new {
    my ($class, %o) = @_;
    my $n = ++$SEQ;
    return bless { to => $o{to}, port => $o{port} // Test::Ten::free_port(),
        log => Test::Ten::servroot() . "/logs/tap$n.log" }, $class;
}

sub port { $_[0]{port} }

sub start {
    my ($self) = @_;
    unlink $self->{log};
    my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $self->{port},
        Proto => 'tcp', Listen => 64, ReuseAddr => 1) or die "tap listen: $!";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        $SIG{TERM} = sub { POSIX::_exit(0) };
        eval { _loop($listen, $self->{to}, $self->{log}) };
        POSIX::_exit(0);
    }
    close $listen;
    $self->{pid} = $pid;
    push @RUNNING, $self;
    return $self;
}

sub stop {
    my ($self) = @_;
    my $pid = delete $self->{pid} or return;
    kill TERM => $pid;
    waitpid($pid, 0);
    @RUNNING = grep { $_ != $self } @RUNNING;
}

END { local $?; $_->stop for @RUNNING }

sub lines {
    my ($self) = @_;
    open my $fh, '<', $self->{log} or return ();
    chomp(my @l = <$fh>);
    return @l;
}

# Lines logged after the first $skip.
sub since {
    my ($self, $skip) = @_;
    my @l = $self->lines;
    return @l[$skip .. $#l];
}

sub _loop {
    my ($listen, $to, $logfile) = @_;
    open my $log, '>>', $logfile or die;
    $log->autoflush(1);
    my $sel = IO::Select->new($listen);
    my (%peer, %buf, %dir, %conn_no);
    my $nconn = 0;
    while (1) {
        for my $s ($sel->can_read) {
            if ($s == $listen) {
                my $c = $listen->accept or next;
                my $u = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $to,
                    Proto => 'tcp');
                if (!$u) { close $c; next }
                $nconn++;
                ($peer{$c}, $peer{$u}) = ($u, $c);
                ($dir{$c}, $dir{$u}) = ('>', '<');
                ($conn_no{$c}, $conn_no{$u}) = ($nconn, $nconn);
                $buf{$c} = $buf{$u} = '';
                $sel->add($c, $u);
                next;
            }
            my $n = sysread($s, my $data, 1 << 20);
            my $p = $peer{$s};
            if (!$n) {
                print $log "$conn_no{$s} $dir{$s} closed\n";
                for my $x ($s, $p) {
                    next unless $x;
                    $sel->remove($x);
                    close $x;
                    delete $peer{$x};
                }
                next;
            }
            _write_all($p, $data);
            $buf{$s} .= $data;
            while (length $buf{$s} >= 4) {
                my $size = unpack('V', $buf{$s});
                last if length $buf{$s} < $size;
                my $msg = substr($buf{$s}, 0, $size, '');
                my $m = eval { unpack_msg($msg) };
                my $text = $m ? format_msg($m) : 'undecodable ' . unpack('H*', substr($msg, 0, 32));
                $text = substr($text, 0, 300) . '...' if length $text > 300;
                print $log "$conn_no{$s} $dir{$s} $text\n";
            }
        }
    }
}

sub _write_all {
    my ($s, $data) = @_;
    while (length $data) {
        my $w = syswrite($s, $data);
        return unless defined $w;
        substr($data, 0, $w, '');
    }
}

1;
