package Ten::SSR;

# ten-ssr for the kernel suites: a Ten::VFS-like process handle (start,
# stop, kill9, alive, counts, log_text) viewing one ten-vfs.
#
#   my $s = Ten::SSR->new(key => FILE, trust => FILE, vfs_port => PORT,
#       args => [...]);
#   $s->start; $s->port;
#
# A kernel block with a `--- ssr` section (its value: extra flags) runs
# one (Ten::Kernel), adds `upstream ten_ssr` and `ninep_service ssr`, and
# `kssr()` is its handle; mount it with `mount ssr /view` in the block's
# `--- namespace`.

use strict;
use warnings;
use Test::Ten ();
use Ten::VFS ();

our @ISA = ('Ten::VFS');

my $SEQ = 0;

sub new {
    my ($class, %o) = @_;
    my $n = ++$SEQ;
    return bless { args => $o{args} || [], key => $o{key},
        trust => $o{trust}, vfs_port => $o{vfs_port},
        log => Test::Ten::servroot() . "/logs/ssr$n.log", n => $n }, $class;
}

sub command {
    my ($self) = @_;
    $self->{port} //= Test::Ten::free_port();
    return (Ten::VFS::ten_build() . '/ten-ssr',
        '-l', "127.0.0.1:$self->{port}", '-k', $self->{key},
        '-t', $self->{trust}, '-v', "127.0.0.1:$self->{vfs_port}",
        @{ $self->{args} });
}

1;
