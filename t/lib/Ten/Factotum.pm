package Ten::Factotum;

# ten-factotum for the kernel suites: a Ten::VFS-like process handle
# (start, stop, kill9, alive, counts, log_text) with its own key store.
#
#   my $f = Ten::Factotum->new(key => FILE, trust => FILE,
#       vfs_port => PORT, args => [...]);     # or vfs_addr => 'H:P,H:P'
#   $f->start; $f->port; $f->store; $f->adm_password;
#
# The key store is servroot/factotumN unless given, or, with
# TEN_FACTOTUM_STORES set (a directory on a shared file system, for
# `make test-scale`), a new directory in that one, removed at the end.

use strict;
use warnings;
use File::Basename qw(basename);
use File::Path qw(make_path remove_tree);
use Test::Ten ();
use Ten::VFS ();

our @ISA = ('Ten::VFS');

my $SEQ = 0;
my @SHARED;          # stores made in $TEN_FACTOTUM_STORES

sub new {
    my ($class, %o) = @_;
    my $n = ++$SEQ;
    my $base = Test::Ten::servroot();
    my $store = $o{store} // ($ENV{TEN_FACTOTUM_STORES}
        ? "$ENV{TEN_FACTOTUM_STORES}/" . basename($base) . "-$$-factotum$n"
        : "$base/factotum$n");
    push @SHARED, $store if !$o{store} && $ENV{TEN_FACTOTUM_STORES};
    return bless { store => $store, args => $o{args} || [],
        key => $o{key}, trust => $o{trust},
        vfs_addr => $o{vfs_addr} // "127.0.0.1:$o{vfs_port}",
        log => Test::Ten::servroot() . "/logs/factotum$n.log", n => $n },
        $class;
}

sub store { $_[0]{store} }

sub command {
    my ($self) = @_;
    $self->{port} //= Test::Ten::free_port();
    return (Ten::VFS::ten_build() . '/ten-factotum', '-s', $self->{store},
        '-l', "127.0.0.1:$self->{port}", '-k', $self->{key},
        '-t', $self->{trust}, '-v', $self->{vfs_addr},
        @{ $self->{args} });
}

# The password made for adm at the first start.
sub adm_password {
    my ($self) = @_;
    open my $fh, '<', "$self->{store}/adm.password" or die "adm.password: $!";
    chomp(my $p = <$fh>);
    return $p;
}

END { remove_tree(@SHARED) if @SHARED }

1;
