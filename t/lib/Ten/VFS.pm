package Ten::VFS;

# ten-vfs for the t/02*-vfs-*.t suites: identities and a trust file per
# test file, a fresh ten-vfs on a fresh root for every block, and the
# `--- vfs` conversation section (raw 9P over TCP).
#
#   use lib 't/lib';
#   use Test::Ten 'no_nginx';
#   use Ten::VFS;
#   vfs_each_block();            # users => TEXT (default $Ten::VFS::USERS)
#   run_tests();
#
# Block sections (besides Test::Ten's `--- perl` and `--- timeout`):
#   vfs_args       extra ten-vfs flags, e.g. `-F 4 -m 4096`
#   users          the /adm/users text written after the start (in place)
#   setup          shell commands run in ROOT before the conversation
#   vfs            the conversation, see run_script below
#   error_log      lines (substrings or qr/../) ten-vfs must have logged
#   no_error_log   lines it must not have logged
#   no_vfs         do not start ten-vfs (the block starts its own)
#   skip_gluster   `--- skip_gluster: REASON`: with TEN_VFS_GLUSTER the
#                  block is skipped (Test::More skip) with that reason
#   skip_gfapi     `--- skip_gfapi: REASON`: likewise, but only when
#                  ten-vfs serves the volume through libgfapi (not with
#                  TEN_VFS_GLUSTER_FUSE)
#
# TEN_VFS_GLUSTER=HOST/VOLUME:MOUNTPOINT (a GlusterFS volume that is also
# FUSE-mounted at MOUNTPOINT): every fresh root is a new directory
# MOUNTPOINT/ten.<file>.<pid>.<n>, made through the mount, where the
# tests' own checks ($v->path, disk_xattr, `--- setup`) look, and ten-vfs
# serves it through libgfapi: `-r gluster://HOST/VOLUME/ten.<file>...`.
# With TEN_VFS_GLUSTER_FUSE=1 too, ten-vfs gets the FUSE path instead.
# Such roots are removed after their block (or at the end of the file if
# their ten-vfs still runs then), unless TEN_KEEP_GLUSTER is set.
#
# In `--- perl`, vfs() is the block's server (a Ten::VFS object):
#   $v->client(msize => 8192) a versioned Ten::Client; $v->attach($user)
#   gives ($client, $fid) after authenticating as kernel (speaks-for);
#   $v->path('adm/users') is the file on disk, $v->beside('x') a path
#   outside the root on its file system; $v->counts reports
#   connections/fids/threads (SIGUSR1); $v->kill9, $v->start, $v->stop,
#   $v->alive.
#
# Principals of every file's trust file ($v->key('name') is the key file):
#   kernel (speaks-for), alice, factotum (tickets), and bob, listed with
#   another key than bob's own; mallory has a key but is not listed.

use strict;
use warnings;
use Exporter 'import';
use Cwd qw(abs_path);
use File::Basename qw(basename dirname);
use File::Path qw(make_path remove_tree);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use MIME::Base64 qw(decode_base64);
use Test::More ();
use Test::Ten ();
use Ten::Client;
use Ten::NineP qw(parse_msg match_msg format_msg tokenize pack_msg);

our @EXPORT = qw(vfs_each_block vfs is_9p is_rerror ten_build run_vfs
    disk_xattr);

# The users of most blocks: the seeded ones plus people and groups with
# leaders.  staff: leader alice, members bob carol glenda none.  dev:
# leader bob, members alice glenda.  ops: leader alice, no members.  adm
# has member glenda.
our $USERS = <<'USERS';
adm:adm:adm:glenda
sys:sys::kernel,factotum,ssr
kernel:kernel::
factotum:factotum::
ssr:ssr::
none:none::
glenda:glenda::
alice:alice::
bob:bob::
carol:carol::
staff:staff:alice:bob,carol,glenda,none
dev:dev:bob:alice,glenda
ops:ops:alice:
USERS

my $T_DIR = dirname(dirname(dirname(abs_path(__FILE__))));    # t/
my $BUILD = $ENV{TEN_BUILD} || dirname($T_DIR) . '/build';
our $CURRENT;
my (%KEYS, @RUNNING);
my $SEQ = 0;
my %GLUSTER;    # host, volume, mnt, fuse: from TEN_VFS_GLUSTER
my @OWNED;      # servers whose root we made on the volume (to remove)

sub ten_build { $BUILD }
# whether the roots are on a GlusterFS volume (TEN_VFS_GLUSTER)
sub on_gluster { scalar %GLUSTER }
sub vfs { $CURRENT }

if (defined(my $g = $ENV{TEN_VFS_GLUSTER})) {
    $g =~ m{^([^/:\s]+)/([^/:\s]+):(/.*)$}
        or die "TEN_VFS_GLUSTER=$g: expected HOST/VOLUME:MOUNTPOINT\n";
    my ($host, $volume, $mnt) = ($1, $2, $3);
    -d $mnt or die "TEN_VFS_GLUSTER: MOUNTPOINT $mnt is not a directory\n";
    %GLUSTER = (host => $host, volume => $volume, mnt => abs_path($mnt),
        fuse => $ENV{TEN_VFS_GLUSTER_FUSE} ? 1 : 0);
}

# { host, volume, mnt, fuse } when the roots are on a Gluster volume
# (TEN_VFS_GLUSTER), else undef.
sub gluster { return %GLUSTER ? {%GLUSTER} : undef }

# Skips the whole file when the programs are not built.
sub _check_build {
    for my $prog (qw(ten-vfs ten-key)) {
        next if -x "$BUILD/$prog";
        Test::More::plan(skip_all => "$BUILD/$prog is missing (run `make progs`)");
    }
}

# ------------------------------------------------------------- identities

sub _keys_dir { Test::Ten::servroot() . '/keys' }

# Generates the file's keys and trust file once.
sub _make_keys {
    return if %KEYS;
    my $dir = _keys_dir();
    make_path($dir);
    for my $name (qw(vfs kernel alice factotum bob impostor mallory)) {
        my $out = `'$BUILD/ten-key' gen $name '$dir/$name.key' 2>&1`;
        die "ten-key gen $name: $out" if $? || $out !~ /^\Q$name\E (\S+)$/m;
        $KEYS{$name} = $1;
    }
    open my $fh, '>', "$dir/trust" or die "trust: $!";
    print $fh "# generated by Ten::VFS\n",
        "kernel $KEYS{kernel} speaks-for\n",
        "alice $KEYS{alice}\n",
        "factotum $KEYS{factotum} tickets\n",
        "bob $KEYS{impostor}\n";
    close $fh;
}

sub key_file { _make_keys(); return _keys_dir() . "/$_[-1].key" }
sub trust_file { _make_keys(); return _keys_dir() . '/trust' }
sub public_key { _make_keys(); return decode_base64($KEYS{ $_[-1] }) }

# ----------------------------------------------------------- the server

# Ten::VFS->new(root => DIR (default a fresh empty one), args => [...],
# key => FILE, trust => FILE, url => what -r gets instead of DIR, e.g. a
# gluster:// URL of the volume DIR is a FUSE mount of).  Nothing runs
# until start().  Under TEN_VFS_GLUSTER the fresh root is a new directory
# on the volume (through its mount); it is removed after the block.
sub new {
    my ($class, %o) = @_;
    _make_keys();
    my $n = ++$SEQ;
    my $root = $o{root};
    my $owned = !defined $root && %GLUSTER;
    if ($owned) {
        (my $file = basename($0)) =~ s/\.t$//;
        $root = "$GLUSTER{mnt}/ten.$file.$$.$n";
        mkdir $root or die "mkdir $root (on the Gluster mount): $!\n";
    }
    $root //= Test::Ten::servroot() . "/vfs$n";
    make_path($root);
    my $self = bless { root => abs_path($root), url => $o{url}, args => $o{args} || [],
        key => $o{key} // key_file('vfs'), trust => $o{trust} // trust_file(),
        log => Test::Ten::servroot() . "/logs/vfs$n.log", n => $n }, $class;
    push @OWNED, $self if $owned;
    return $self;
}

sub root { $_[0]{root} }

# What ten-vfs gets as -r: new()'s url, or the root, or under
# TEN_VFS_GLUSTER (without TEN_VFS_GLUSTER_FUSE) for a root on the mount
# gluster://HOST/VOLUME/PATH.
sub root_arg {
    my ($self) = @_;
    my $root = $self->{root};
    return $self->{url} if defined $self->{url};
    return $root if !%GLUSTER || $GLUSTER{fuse};
    my $mnt = $GLUSTER{mnt};
    return $root unless index("$root/", "$mnt/") == 0;
    my $rel = substr($root, length $mnt) || '/';
    return "gluster://$GLUSTER{host}/$GLUSTER{volume}$rel";
}

sub port { $_[0]{port} }
sub pid  { $_[0]{pid} }
sub path { my ($self, $rel) = @_; return "$self->{root}/" . ($rel // '') }
sub key  { my ($self, $name) = @_; return key_file($name) }

# A path next to the root, outside it but on its file system (a rename
# across may need that): ROOT.NAME, removed with a root on the volume.
sub beside {
    my ($self, $name) = @_;
    my $p = "$self->{root}.$name";
    push @{ $self->{beside} }, $p;
    return $p;
}

# The command line (a port is picked the first time).
sub command {
    my ($self) = @_;
    $self->{port} //= Test::Ten::free_port();
    return ("$BUILD/ten-vfs", '-r', $self->root_arg, '-l', "127.0.0.1:$self->{port}",
        '-k', $self->{key}, '-t', $self->{trust}, @{ $self->{args} });
}

# Starts ten-vfs (again on the same port after a stop) and waits until it
# accepts connections; dies with the log's tail if it does not.
sub start {
    my ($self) = @_;
    my @cmd = $self->command;
    # ready once it says so and its port answers (a port alone could be
    # someone else's)
    my $served = () = $self->log_text =~ /: serving /g;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        setpgrp(0, 0);
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $self->{log} or POSIX::_exit(126);
        open STDERR, '>&', \*STDOUT;
        exec @cmd or POSIX::_exit(127);
    }
    $self->{pid} = $pid;
    push @RUNNING, $self;
    my $deadline = time + 10;
    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            delete $self->{pid};
            die "ten-vfs exited at startup (status " . ($? >> 8) . "):\n" . $self->log_tail;
        }
        my $now = () = $self->log_text =~ /: serving /g;
        my $s = $now > $served && IO::Socket::INET->new(PeerAddr => '127.0.0.1',
            PeerPort => $self->{port}, Proto => 'tcp');
        if ($s) { close $s; return $self }
        sleep 0.01;
    }
    $self->kill9;
    die "ten-vfs did not listen on $self->{port} within 10s:\n" . $self->log_tail;
}

# SIGTERM; returns the exit status, or undef if it needed SIGKILL after
# $timeout seconds (default 5) or died of a signal.
sub stop {
    my ($self, $timeout) = @_;
    my $pid = delete $self->{pid} or return undef;
    @RUNNING = grep { $_ != $self } @RUNNING;
    kill TERM => $pid;
    my $deadline = time + ($timeout || 5);
    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            $self->{exit} = $?;
            return $? & 127 ? undef : $? >> 8;
        }
        sleep 0.01;
    }
    # what its threads were doing, for the test's diagnostics: their
    # states and kernel wait channels, and their stacks
    $self->{hang} = join '', map {
        my $t = $_;
        my $st = do { local (@ARGV, $/) = ("$t/stat"); <> } // '';
        my $wchan = do { local (@ARGV, $/) = ("$t/wchan"); <> } // '';
        my ($state) = $st =~ /\) (\S)/;
        "thread " . (split m{/}, $t)[-1] . ": state " . ($state // '?')
            . ", waiting in " . ($wchan || '-') . "\n";
    } glob "/proc/$pid/task/*";
    $self->{hang} .= `gdb -p $pid -batch -ex 'thread apply all bt' 2>&1`
        if -x '/usr/bin/gdb';
    kill KILL => -$pid;
    waitpid($pid, 0);
    return undef;
}

# Whether ten-vfs still runs (if it died, its status is in {exit}).
sub alive {
    my ($self) = @_;
    my $pid = $self->{pid} or return 0;
    return 1 unless waitpid($pid, WNOHANG) == $pid;
    $self->{exit} = $?;
    delete $self->{pid};
    @RUNNING = grep { $_ != $self } @RUNNING;
    return 0;
}

# SIGSTOP, back once every thread has stopped: on a busy machine a thread
# can otherwise answer a request sent after the kill, as the stop reaches
# the threads only when one of them has taken the signal.
sub freeze {
    my ($self) = @_;
    kill STOP => $self->{pid};
    for (1 .. 500) {
        my $running = 0;
        for my $stat (glob "/proc/$self->{pid}/task/*/stat") {
            open my $fh, '<', $stat or next;    # a thread just ended
            my ($state) = (<$fh> // '') =~ /.*\) (\S)/s;
            $running++ if ($state // 'T') !~ /[Tt]/;
        }
        return 1 unless $running;
        select(undef, undef, undef, 0.01);
    }
    die "ten-vfs $self->{pid} did not stop in 5 s\n";
}

sub kill9 {
    my ($self) = @_;
    my $pid = delete $self->{pid} or return;
    @RUNNING = grep { $_ != $self } @RUNNING;
    kill KILL => $pid;
    waitpid($pid, 0);
}

my $MAIN_PID = $$;    # forked children leave roots and signals alone

# Removes the roots this file made on the volume that no ten-vfs serves
# any more (all of them with $all: at the end, after every server is
# killed).
sub _remove_roots {
    my ($all) = @_;
    my @keep;
    for my $v (@OWNED) {
        if (!$all && grep { $_->{root} eq $v->{root} } @RUNNING) {
            push @keep, $v;    # a ten-vfs (maybe a second one) serves it
            next;
        }
        next if $ENV{TEN_KEEP_GLUSTER};
        for my $dir ($v->{root}, @{ $v->{beside} || [] }) {
            next unless -e $dir;
            remove_tree($dir, { error => \my $err });
            if ($err && @$err) {
                my ($file, $msg) = %{ $err->[0] };
                Test::More::diag("removing $dir: $file: $msg");
            }
        }
    }
    @OWNED = @keep;
}

END {
    local $?;
    $_->kill9 for @RUNNING;
    _remove_roots(1) if $$ == $MAIN_PID;
}

# Interrupted (prove stopped with ^C, or make test-gfapi ending it), the
# file still runs END: its ten-vfs, each in a process group of its own,
# are killed and its roots on a volume removed.
for my $sig (qw(INT TERM)) {
    next if $SIG{$sig} && $SIG{$sig} ne 'DEFAULT';
    $SIG{$sig} = sub {
        if ($$ != $MAIN_PID) { $SIG{$sig} = 'DEFAULT'; kill $sig, $$; POSIX::_exit(1) }
        exit($sig eq 'INT' ? 130 : 143);
    };
}

sub log_text {
    my ($self) = @_;
    open my $fh, '<', $self->{log} or return '';
    local $/;
    return <$fh> // '';
}

sub log_lines { return split /\n/, $_[0]->log_text }

sub log_tail {
    my ($self) = @_;
    my @l = $self->log_lines;
    splice @l, 0, @l - 15 if @l > 15;
    return join '', map { "    $_\n" } @l;
}

# SIGUSR1 -> { connections, fids, threads } from the line it logs.
sub counts {
    my ($self) = @_;
    my $before = () = $self->log_text =~ /connections \d+, fids \d+/g;
    kill USR1 => $self->{pid};
    my $deadline = time + 3;
    while (time < $deadline) {
        my @all = $self->log_text =~ /connections (\d+), fids (\d+), threads (\d+)/g;
        if (@all / 3 > $before) {
            my ($c, $f, $t) = @all[-3 .. -1];
            return { connections => $c, fids => $f, threads => $t };
        }
        sleep 0.02;
    }
    die "ten-vfs did not report its counts after SIGUSR1\n";
}

# Polls counts() until $cond->($counts) holds (or $timeout passes);
# returns the last counts.
sub wait_counts {
    my ($self, $cond, $timeout) = @_;
    my $deadline = time + ($timeout || 3);
    my $c;
    while (1) {
        $c = $self->counts;
        return $c if $cond->($c) || time > $deadline;
        sleep 0.05;
    }
}

# Rewrites /adm/users in place (its inode and xattrs stay).
sub set_users {
    my ($self, $text) = @_;
    open my $fh, '>', $self->path('adm/users') or die "adm/users: $!";
    print $fh $text;
    close $fh;
}

# A connected Ten::Client, after Tversion unless version => 0.
sub client {
    my ($self, %o) = @_;
    my $c = Ten::Client->connect(port => $self->{port}, timeout => $o{timeout} || 5);
    return $c if defined $o{version} && !$o{version};
    my $r = $c->version($o{msize} || 8192);
    die "Tversion: " . format_msg($r) . "\n" unless $r->{type} eq 'Rversion';
    return $c;
}

# ($client, $fid): a new connection attached as $user (aname $o{aname});
# users other than none are reached through kernel's host authentication.
sub attach {
    my ($self, $user, %o) = @_;
    my $c = $o{client} || $self->client(%o);
    if ($user ne 'none' && !$c->{authed}) {
        my $a = $c->auth('kernel', key_file('kernel'));
        die "ten-auth-1 as kernel failed at $a->{step}: $a->{error}\n" unless $a->{ok};
        my $r = $c->attach($c->newfid, 'kernel', '', $a->{afid});
        die "attach as kernel: " . format_msg($r) . "\n" unless $r->{type} eq 'Rattach';
        $c->{authed} = 1;
    }
    my $fid = $o{fid} // $c->newfid;
    my $r = $c->attach($fid, $user, $o{aname} // '');
    die "attach as $user: " . format_msg($r) . "\n" unless $r->{type} eq 'Rattach';
    return ($c, $fid);
}

# ------------------------------------------------------- test helpers

# is_9p($reply, 'Rwalk wqid=[(0x80 * *)]', $name): the reply matches the
# pattern (Ten::NineP text, * = any; tag=* when not given).
sub is_9p {
    my ($got, $pattern, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    $pattern =~ s/^(\s*[TR][a-z]+)/$1 tag=*/ unless $pattern =~ /\btag=/;
    my $want = parse_msg($pattern, 1);
    my $diff = !$got ? 'no reply' : match_msg($want, $got);
    my $ok = Test::More->builder->ok(!$diff, $name);
    Test::More::diag("$diff\n     got: " . ($got ? format_msg($got) : 'nothing')) if $diff;
    return $ok;
}

sub is_rerror {
    my ($got, $ename, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    (my $q = $ename) =~ s/(["\\])/\\$1/g;
    return is_9p($got, qq(Rerror ename="$q"), $name);
}

# The value of an extended attribute of a file on disk (getxattr(2)), or
# undef.
sub disk_xattr {
    my ($file, $attr) = @_;
    my $buf = "\0" x 256;
    my $n = syscall(191, $file, $attr, $buf, length $buf);    # getxattr
    return $n < 0 ? undef : substr($buf, 0, $n);
}

# Runs ten-vfs with @args (no server kept): { status, output } once it
# exits, or dies after $timeout seconds.
sub run_vfs {
    my (@args) = @_;
    my $out = Test::Ten::servroot() . "/logs/run_vfs.out";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $out or POSIX::_exit(126);
        open STDERR, '>&', \*STDOUT;
        exec "$BUILD/ten-vfs", @args or POSIX::_exit(127);
    }
    my $deadline = time + 5;
    while (waitpid($pid, WNOHANG) != $pid) {
        if (time > $deadline) { kill KILL => $pid; waitpid($pid, 0); die "ten-vfs @args did not exit\n" }
        sleep 0.01;
    }
    my $status = $? >> 8;
    open my $fh, '<', $out or die "$out: $!";
    local $/;
    return { status => $status, output => <$fh> // '' };
}

# ------------------------------------------------ every block's server

sub vfs_each_block {
    my (%defaults) = @_;
    $defaults{users} = $USERS unless exists $defaults{users};
    _check_build();
    Test::Ten::add_block_wrapper(sub { _run_block(\%defaults, @_) });
}

sub _run_block {
    my ($defaults, $block, $inner) = @_;
    my $name = $block->name;
    if (%GLUSTER && defined(my $why = $block->skip_gluster)) {
        Test::More->builder->skip("$name - on GlusterFS: $why");
        return;
    }
    if (%GLUSTER && !$GLUSTER{fuse} && defined(my $why = $block->skip_gfapi)) {
        Test::More->builder->skip("$name - through libgfapi: $why");
        return;
    }
    my $ok = eval { _serve_block($defaults, $block, $inner); 1 };
    my $died = $@;
    _remove_roots(0);
    die $died unless $ok;
}

sub _serve_block {
    my ($defaults, $block, $inner) = @_;
    return $inner->() if defined $block->no_vfs;
    my $name = $block->name;
    my @args = map { split ' ' } grep { defined } $defaults->{args}, $block->vfs_args;
    my $v = Ten::VFS->new(args => \@args)->start;
    local $CURRENT = $v;
    my $ok = eval { _client_side($v, $block, $defaults, $inner); 1 };
    my $died = $@;
    my $status = $v->stop;
    Test::More::is($status, 0, "$name - ten-vfs exits with 0 on SIGTERM")
        or Test::More::diag($v->log_tail);
    _check_log($block, $v);
    die $died unless $ok;
}

sub _client_side {
    my ($v, $block, $defaults, $inner) = @_;
    my $name = $block->name;
    my $users = defined $block->users ? $block->users : $defaults->{users};
    $v->set_users($users) if defined $users;
    if (defined $block->setup) {
        my $rc = system('sh', '-ec', "cd '$v->{root}'\n" . $block->setup);
        Test::More::is($rc, 0, "$name - setup");
    }
    if (defined $block->vfs) {
        my $res = run_script($v, $block->vfs, timeout => $block->timeout || 5);
        Test::More::ok($res->{ok}, "$name - vfs conversation")
            or Test::More::diag("$res->{error}\ntranscript:\n"
                . join('', map { "    $_\n" } @{ $res->{transcript} }));
    }
    $inner->();
}

sub _check_log {
    my ($block, $v) = @_;
    my $name = $block->name;
    my @lines = $v->log_lines;
    for my $want (grep { /\S/ } split /\n/, $block->error_log // '') {
        my $re = _pattern($want);
        Test::More::ok(scalar(grep { /$re/ } @lines), "$name - ten-vfs log has: $want")
            or Test::More::diag("ten-vfs log:\n" . $v->log_tail);
    }
    for my $bad (grep { /\S/ } split /\n/, $block->no_error_log // '') {
        my $re = _pattern($bad);
        my @hits = grep { /$re/ } @lines;
        Test::More::ok(!@hits, "$name - ten-vfs log lacks: $bad")
            or Test::More::diag(join '', map { "    $_\n" } @hits);
    }
}

sub _pattern {
    my ($line) = @_;
    return $line =~ m{^qr/(.*)/$} ? qr/$1/ : qr/\Q$line\E/;
}

# ------------------------------------------------- the conversation

# `--- vfs`: one step a line, '#' comments; a line may start with a
# connection name c1..c9 (default c1; each is opened on first use, with
# no implicit Tversion).  Consecutive '>' lines are sent in one write per
# connection; a '<' line or `> sleep` sends what is pending first.
#
#   > Txxx tag=N field=value ...   a 9P message (Ten::NineP text form)
#   > raw hex:0a0b | "text"         bytes as they are
#   > auth PRINCIPAL [fid=N] [uname=U] [aname=A]
#                                   ten-auth-1 with PRINCIPAL's key on a
#                                   new afid, then Tattach fid (default 1000)
#                                   as U (default PRINCIPAL): must succeed
#   > disconnect                    the client closes that connection
#   > sleep SECONDS
#   < Rxxx tag=N ...                the next reply (pattern, * = any)
#   < closed [timeout=S]            the server closes the connection
#   < nothing SECONDS               no reply for that long
#
# Returns { ok, error, transcript }.
sub run_script {
    my ($v, $text, %opt) = @_;
    my $run = { v => $v, conns => {}, pending => [], transcript => [],
                timeout => $opt{timeout} || 5 };
    my $lineno = 0;
    my $error = eval {
        for my $line (split /\n/, $text) {
            $lineno++;
            next if $line =~ /^\s*(#|$)/;
            my $err = _step($run, $line);
            return "line $lineno: $line\n    $err" if $err;
        }
        _flush($run);
        return '';
    };
    $error = "line $lineno: " . ($@ =~ s/ at \S+ line \d+\.?\n?\z//r) if !defined $error;
    $_->disconnect for values %{ $run->{conns} };
    return { ok => !$error, error => $error, transcript => $run->{transcript} };
}

sub _conn {
    my ($run, $name) = @_;
    return $run->{conns}{$name} //= do {
        push @{ $run->{transcript} }, "$name: connect";
        Ten::Client->connect(port => $run->{v}->port, timeout => $run->{timeout});
    };
}

sub _note { my ($run, $t) = @_; push @{ $run->{transcript} }, $t }

# Sends what is pending, one write per connection in order of first use.
sub _flush {
    my ($run) = @_;
    my (%bytes, @order);
    for my $p (@{ $run->{pending} }) {
        push @order, $p->[0] unless exists $bytes{ $p->[0] };
        $bytes{ $p->[0] } .= $p->[1];
    }
    $run->{pending} = [];
    _conn($run, $_)->send_raw($bytes{$_}) for @order;
}

sub _step {
    my ($run, $line) = @_;
    my $conn = $line =~ s/^\s*(c\d)\s+// ? $1 : 'c1';
    $line =~ s/^\s*([<>])\s*// or return "a step starts with '>' or '<'";
    my $dir = $1;
    _note($run, "$conn $dir $line");
    return $dir eq '>' ? _send_step($run, $conn, $line) : _expect_step($run, $conn, $line);
}

sub _send_step {
    my ($run, $conn, $line) = @_;
    if ($line =~ /^sleep\s+([\d.]+)$/) { _flush($run); sleep $1; return '' }
    if ($line eq 'disconnect') {
        _flush($run);
        _conn($run, $conn)->disconnect;
        delete $run->{conns}{$conn};
        return '';
    }
    if ($line =~ /^auth\s+(\S+)(.*)$/) {
        _flush($run);
        my ($who, %o) = ($1, map { /^(\w+)=(.*)$/ ? ($1, $2) : () } split ' ', $2);
        return _auth_step($run, _conn($run, $conn), $who, %o);
    }
    if ($line =~ /^raw\s+(.*)$/) {
        my $arg = $1;
        my $bytes = $arg =~ /^hex:([0-9a-fA-F]*)$/ ? pack('H*', $1)
                  : $arg =~ /^"(.*)"$/ ? $1 : return "raw needs hex:.. or \"text\"";
        push @{ $run->{pending} }, [$conn, $bytes];
        return '';
    }
    return "unknown step" unless $line =~ /^T[a-z]+\b/;
    push @{ $run->{pending} }, [$conn, pack_msg(parse_msg($line))];
    return '';
}

sub _auth_step {
    my ($run, $c, $who, %o) = @_;
    my $a = $c->auth($who, key_file($who));
    return "ten-auth-1 as $who failed at $a->{step}: $a->{error}" unless $a->{ok};
    my $r = $c->attach($o{fid} // 1000, $o{uname} // $who, $o{aname} // "", $a->{afid});
    _note($run, '    < ' . format_msg($r));
    return $r->{type} eq 'Rattach' ? '' : 'attach after ten-auth-1 failed';
}

sub _expect_step {
    my ($run, $conn, $line) = @_;
    _flush($run);
    my $c = _conn($run, $conn);
    my $timeout = $line =~ s/\s+timeout=([\d.]+)// ? $1 : $run->{timeout};
    if ($line eq 'closed') {
        my $m = $c->recv($timeout);
        return 'expected the connection to close, got ' . format_msg($m) if $m;
        return $c->{eof} ? '' : "still open after ${timeout}s";
    }
    if ($line =~ /^nothing\s+([\d.]+)$/) {
        my $m = $c->recv($1);
        return 'expected nothing, got ' . format_msg($m) if $m;
        return $c->{eof} ? 'expected nothing, the server closed' : '';
    }
    return "unknown step" unless $line =~ /^R[a-z]+\b/;
    my $want = parse_msg($line, 1);
    my $m = $c->recv($timeout);
    if (!$m) {
        _note($run, '    < ' . ($c->{eof} ? '(closed)' : '(nothing)'));
        return $c->{eof} ? 'the server closed the connection' : "no reply within ${timeout}s";
    }
    _note($run, '    < ' . format_msg($m));
    my $diff = match_msg($want, $m);
    return $diff ? "9P mismatch ($diff)" : '';
}

1;
