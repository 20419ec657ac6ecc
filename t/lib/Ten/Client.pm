package Ten::Client;

# A plain-TCP 9P2000 client for the service suites: raw messages with
# explicit tags (pipelining, out-of-order replies), rpc helpers, and the
# client side of ten-auth-1 (DESIGN.md §2).
#
#   my $c = Ten::Client->connect(port => $p);
#   $c->version(8192);                         # Rversion hash
#   my $r = $c->rpc(Twalk => fid => 0, newfid => 1, wname => ['adm']);
#   my @tags = $c->send(@msgs);                 # one TCP write
#   my $m = $c->recv(2);                        # next reply, undef on timeout
#   my %by_tag = $c->collect(\@tags, 5);        # replies to these tags
#   my $auth = $c->auth('kernel', $keyfile);    # { ok, afid, error, ... }
#
# Messages are Ten::NineP hashes ({ type => 'Tstat', fid => 0 }) or text
# ('Tstat tag=3 fid=0'); a missing tag gets the next free one.  Replies
# are hashes as Ten::NineP::unpack_msg returns them; a reply that does not
# decode dies.  $c->{eof} is set once the server closed the connection.

use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use Errno qw(EAGAIN EWOULDBLOCK EINTR);
use MIME::Base64 qw(encode_base64 decode_base64);
use Time::HiRes qw(time);
use Carp qw(croak);
use Ten::NineP qw(pack_msg unpack_msg parse_msg format_msg);

use constant {
    NOTAG     => 0xffff,
    NOFID     => 0xffffffff,
    DONTTOUCH16 => 0xffff,
    DONTTOUCH32 => 0xffffffff,
    DONTTOUCH64 => ~0,
    OREAD   => 0, OWRITE => 1, ORDWR => 2, OEXEC => 3,
    OTRUNC  => 0x10, ORCLOSE => 0x40,
    DMDIR   => 0x80000000, DMAPPEND => 0x40000000, DMEXCL => 0x20000000,
    DMTMP   => 0x04000000,
    QTDIR   => 0x80, QTAPPEND => 0x40, QTEXCL => 0x20, QTAUTH => 0x08,
};

# ------------------------------------------------------------ transport

sub connect {
    my ($class, %opt) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => $opt{host} || '127.0.0.1',
        PeerPort => $opt{port}, Proto => 'tcp', Timeout => $opt{timeout} || 5)
        or croak "connect to port $opt{port}: $!";
    if ($opt{tls}) {
        # TLS over it: $opt{tls} is the CA file that must vouch for the
        # server, for the name in $opt{name}
        require IO::Socket::SSL;
        IO::Socket::SSL->start_SSL($sock, SSL_ca_file => $opt{tls},
            SSL_verifycn_name => $opt{name} || 'localhost',
            SSL_verifycn_scheme => 'http', SSL_hostname => $opt{name} || 'localhost')
            or croak "TLS to port $opt{port}: $IO::Socket::SSL::SSL_ERROR";
    }
    $sock->blocking(0);
    setsockopt($sock, 6, 1, 1);    # TCP_NODELAY
    return bless { sock => $sock, rbuf => '', eof => 0, tag => 1,
                   fid => 100, timeout => $opt{timeout} || 5 }, $class;
}

# Reads what is there (waiting up to $wait seconds for the first byte).
# Returns the number of bytes read; sets {eof} when the peer closed.
sub _fill {
    my ($self, $wait) = @_;
    return 0 if $self->{eof};
    my $sel = IO::Select->new($self->{sock});
    # TLS may hold decrypted bytes that select() cannot see
    my $pending = $self->{sock}->can('pending') && $self->{sock}->pending;
    return 0 unless $pending || $sel->can_read($wait > 0 ? $wait : 0);
    my $n = sysread($self->{sock}, $self->{rbuf}, 1 << 20, length $self->{rbuf});
    if (!defined $n) {
        return 0 if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
        $self->{eof} = 1;
        $self->{error} = "$!";
        return 0;
    }
    $self->{eof} = 1 if $n == 0;
    return $n;
}

# Writes all of $bytes, reading replies meanwhile so that a server that
# answers while we still write never deadlocks us.  Returns 1, or 0 if
# the connection broke.
sub send_raw {
    my ($self, $bytes) = @_;
    my $deadline = time + $self->{timeout} * 4;
    my $sel = IO::Select->new($self->{sock});
    while (length $bytes) {
        return 0 if time > $deadline;
        my (undef, $w) = IO::Select->select($sel, $sel, undef, 1);
        $self->_fill(0) if $sel->can_read(0);
        next unless $w && @$w;
        my $n = syswrite($self->{sock}, $bytes);
        if (!defined $n) {
            next if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
            $self->{write_error} = "$!";
            return 0;
        }
        substr($bytes, 0, $n, '');
    }
    return 1;
}

sub disconnect {
    my ($self) = @_;
    close $self->{sock} if $self->{sock};
    delete $self->{sock};
    $self->{eof} = 1;
}

sub DESTROY { my ($self) = @_; close $self->{sock} if $self->{sock} }

# ------------------------------------------------------------- messages

sub next_tag {
    my ($self) = @_;
    my $t = $self->{tag};
    $self->{tag} = $t >= 0xfffe ? 1 : $t + 1;
    return $t;
}

sub newfid { my ($self) = @_; return $self->{fid}++ }

# A message hash from a hash or text; fills the tag if missing.
sub _msg {
    my ($self, $m) = @_;
    $m = ref $m ? { %$m } : _parse_send($m);
    $m->{tag} = $self->next_tag unless defined $m->{tag};
    return $m;
}

# Text form without a tag is allowed here: 'Tstat fid=0'.
sub _parse_send {
    my ($text) = @_;
    my $notag = $text !~ /\btag=/;
    $text =~ s/^(\s*[TR][a-z]+)/$1 tag=0/ if $notag;
    my $m = parse_msg($text);
    delete $m->{tag} if $notag;
    return $m;
}

# Sends messages in one TCP write; returns their tags.
sub send {
    my ($self, @msgs) = @_;
    my @m = map { $self->_msg($_) } @msgs;
    $self->send_raw(join '', map { pack_msg($_) } @m);
    return map { $_->{tag} } @m;
}

# The next complete reply, or undef after $timeout seconds or at EOF.
sub recv {
    my ($self, $timeout) = @_;
    my $deadline = time + ($timeout // $self->{timeout});
    while (1) {
        if (length $self->{rbuf} >= 4) {
            my $size = unpack('V', $self->{rbuf});
            if (length $self->{rbuf} >= $size && $size >= 7) {
                my $bytes = substr($self->{rbuf}, 0, $size, '');
                my $m = eval { unpack_msg($bytes) };
                croak "undecodable reply (" . ($@ =~ s/\n//r) . "): "
                    . unpack('H*', substr($bytes, 0, 64)) unless $m;
                return $m;
            }
            croak "reply with impossible size $size" if $size < 7;
        }
        return undef if $self->{eof};
        my $left = $deadline - time;
        return undef if $left <= 0;
        $self->_fill($left);
    }
}

# True when no reply comes within $timeout seconds and the server has not
# hung up: "nothing came" must not pass because the connection died.
sub quiet {
    my ($self, $timeout) = @_;
    return !defined $self->recv($timeout) && !$self->{eof};
}

# Replies to the given tags, in any order: a hash tag => reply.  Dies if
# a reply has an unexpected tag, comes twice, or some never come.
sub collect {
    my ($self, $tags, $timeout) = @_;
    my %want = map { $_ => 1 } @$tags;
    my %got;
    my $deadline = time + ($timeout // $self->{timeout});
    while (keys %got < keys %want) {
        my $m = $self->recv($deadline - time);
        croak 'no reply for tag(s) '
            . join(' ', grep { !$got{$_} } sort { $a <=> $b } keys %want)
            . ($self->{eof} ? ' (connection closed)' : '') unless $m;
        croak "reply with unexpected tag: " . format_msg($m) unless $want{ $m->{tag} };
        croak "second reply for tag $m->{tag}: " . format_msg($m) if $got{ $m->{tag} };
        $got{ $m->{tag} } = $m;
    }
    return %got;
}

# One request, its reply (which must carry its tag).  Dies on timeout or
# when the connection closes.
sub rpc {
    my ($self, @args) = @_;
    my $m = @args == 1 ? $args[0] : { type => shift @args, @args };
    my ($tag) = $self->send($m);
    my $r = $self->recv;
    croak "no reply to " . (ref $m ? $m->{type} : $m)
        . ($self->{eof} ? ' (connection closed)' : ' (timeout)') unless $r;
    croak "reply with tag $r->{tag} to a request with tag $tag: " . format_msg($r)
        if $r->{tag} != $tag;
    return $r;
}

# Whether the server closes the connection within $timeout seconds
# (any replies still coming are dropped).
sub closed {
    my ($self, $timeout) = @_;
    my $deadline = time + ($timeout // $self->{timeout});
    while (!$self->{eof} && time < $deadline) {
        $self->_fill($deadline - time);
        $self->{rbuf} = '';
    }
    return $self->{eof};
}

# -------------------------------------------------------- conveniences

sub version {
    my ($self, $msize, $version) = @_;
    return $self->rpc(Tversion => tag => NOTAG, msize => $msize || 8192,
        version => $version // '9P2000');
}

sub attach {
    my ($self, $fid, $uname, $aname, $afid) = @_;
    return $self->rpc(Tattach => fid => $fid, afid => $afid // NOFID,
        uname => $uname, aname => $aname // '');
}

sub walk {
    my ($self, $fid, $newfid, @names) = @_;
    return $self->rpc(Twalk => fid => $fid, newfid => $newfid, wname => [@names]);
}

# Walks a path ('a/b/c') from $fid to a new fid; returns the new fid, or
# undef (and the reply in $self->{last}) when the walk did not complete.
sub walk_to {
    my ($self, $fid, $path) = @_;
    my $nf = $self->newfid;
    my @names = grep { length } split m{/}, $path;
    my $r = $self->{last} = $self->walk($fid, $nf, @names);
    return $r->{type} eq 'Rwalk' && @{ $r->{wqid} } == @names ? $nf : undef;
}

sub open {
    my ($self, $fid, $mode) = @_;
    return $self->rpc(Topen => fid => $fid, mode => $mode // OREAD);
}

sub create {
    my ($self, $fid, $name, $perm, $mode) = @_;
    return $self->rpc(Tcreate => fid => $fid, name => $name, perm => $perm,
        mode => $mode // OREAD);
}

sub read {
    my ($self, $fid, $offset, $count) = @_;
    return $self->rpc(Tread => fid => $fid, offset => $offset // 0,
        count => $count // 8192);
}

sub write {
    my ($self, $fid, $offset, $data) = @_;
    return $self->rpc(Twrite => fid => $fid, offset => $offset, data => $data);
}

sub clunk  { my ($self, $fid) = @_; return $self->rpc(Tclunk => fid => $fid) }
sub remove { my ($self, $fid) = @_; return $self->rpc(Tremove => fid => $fid) }

sub stat {
    my ($self, $fid) = @_;
    return $self->rpc(Tstat => fid => $fid);
}

# A stat whose every field is "don't touch", with %set applied.
sub dontouch_stat {
    my (%set) = @_;
    return { type => DONTTOUCH16, dev => DONTTOUCH32,
        qid => [0xff, DONTTOUCH32, DONTTOUCH64], mode => DONTTOUCH32,
        atime => DONTTOUCH32, mtime => DONTTOUCH32, length => DONTTOUCH64,
        name => '', uid => '', gid => '', muid => '', %set };
}

sub wstat {
    my ($self, $fid, %set) = @_;
    return $self->rpc(Twstat => fid => $fid, stat => dontouch_stat(%set));
}

# Reads a whole open fid from offset 0; dies on Rerror.
sub read_all {
    my ($self, $fid, $count) = @_;
    my ($data, $off) = ('', 0);
    while (1) {
        my $r = $self->read($fid, $off, $count || 8192);
        croak "read: $r->{ename}" if $r->{type} eq 'Rerror';
        last unless length $r->{data};
        $data .= $r->{data};
        $off += length $r->{data};
    }
    return $data;
}

# The stat entries of an open directory (read with $count bytes a read).
sub read_dir {
    my ($self, $fid, $count) = @_;
    return parse_stats($self->read_all($fid, $count));
}

# Directory data (concatenated stat entries) -> list of stat hashes.
sub parse_stats {
    my ($data) = @_;
    my @st;
    while (length $data) {
        my $n = unpack('v', $data);
        croak "truncated stat entry in directory data" if length $data < $n + 2;
        my $raw = substr($data, 0, $n + 2, '');
        # Rstat's field is size[2] stat[n]; reuse the codec through a fake
        # Rstat message.
        my $m = unpack_msg(pack('V C v', 7 + 2 + length $raw, 125, 0)
            . pack('v', length $raw) . $raw);
        push @st, $m->{stat};
    }
    return @st;
}

# --------------------------------------------------------- ten-auth-1

# The Ed25519 key of a ten-key secret key file: one line of base64 of
# seed(32) . public(32).
sub load_key {
    my ($file) = @_;
    require Crypt::PK::Ed25519;
    CORE::open(my $fh, '<', $file) or croak "key $file: $!";
    my $line = <$fh>;
    my $sk = decode_base64($line // '');
    croak "key $file: not 64 bytes" unless length $sk == 64;
    return Crypt::PK::Ed25519->new->import_key_raw(substr($sk, 0, 32), 'private');
}

sub nonce {
    require Crypt::PRNG;
    return encode_base64(Crypt::PRNG::random_bytes(32), '');
}

# Runs ten-auth-1 on a new afid as $principal with the key in $keyfile.
# %opt: afid, server (name, default vfs), server_pk (raw 32 bytes: the
# server's proof must verify), uname (Tauth uname, default principal),
# hello (replace the hello text), proof (replace the proof text).
# Returns { ok, afid, error (the Rerror text), step, server_msg,
# cnonce, snonce, proof_text } -- stops at the first Rerror.
sub auth {
    my ($self, $principal, $keyfile, %opt) = @_;
    my $afid = $opt{afid} // $self->newfid;
    my $server = $opt{server} // 'vfs';
    my %res = (afid => $afid, ok => 0);
    my $fail = sub { my ($step, $r) = @_; $res{step} = $step;
        $res{error} = $r->{type} eq 'Rerror' ? $r->{ename} : "unexpected $r->{type}";
        return \%res };

    my $r = $self->rpc(Tauth => afid => $afid, uname => $opt{uname} // $principal, aname => '');
    return $fail->('Tauth', $r) unless $r->{type} eq 'Rauth';
    $res{aqid} = $r->{aqid};

    my $cnonce = $res{cnonce} = $opt{cnonce} // nonce();
    my $hello = $opt{hello} // "ten-auth-1 hello $principal $cnonce";
    $r = $self->write($afid, 0, $hello);
    return $fail->('hello', $r) unless $r->{type} eq 'Rwrite';

    $r = $self->read($afid, 0, 1024);
    return $fail->('read', $r) unless $r->{type} eq 'Rread';
    my $msg = $res{server_msg} = $r->{data};
    my (undef, $kind, $name, $snonce, $sig) = split / /, $msg;
    $res{snonce} = $snonce;
    if ($opt{server_pk}) {
        require Crypt::PK::Ed25519;
        my $pk = Crypt::PK::Ed25519->new->import_key_raw($opt{server_pk}, 'public');
        my $text = "ten-auth-1 server-proof $cnonce " . ($snonce // '') . " $principal $server";
        $res{server_ok} = ($kind // '') eq 'server' && ($name // '') eq $server
            && $pk->verify_message(decode_base64($sig // ''), $text) ? 1 : 0;
    }

    my $proof_text = "ten-auth-1 client-proof " . ($snonce // '') . " $cnonce $principal $server";
    my $proof = $opt{proof} // 'ten-auth-1 proof '
        . encode_base64(load_key($keyfile)->sign_message($proof_text), '');
    $res{proof} = $proof;
    $r = $self->write($afid, 0, $proof);
    return $fail->('proof', $r) unless $r->{type} eq 'Rwrite';
    $res{ok} = 1;
    return \%res;
}

1;
