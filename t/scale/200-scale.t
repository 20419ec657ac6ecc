# make test-scale: the whole installation past one machine, on this one.
# A replicated GlusterFS volume (replica 2, tools/gluster-local.sh), two
# ten-vfs on it, one on a FUSE mount and one through libgfapi (each
# kernel's primary is the other one's backup), two ten-factotum on one key store on the volume, two nginx
# kernels, TLS between the tiers.  Sessions write through both kernels
# while a ten-vfs, a brick and a factotum are killed in turn; then every
# acknowledged write must be there, no request may have gone unanswered,
# logins must have worked throughout, and renames and exclusive files must
# hold across the servers.  Needs root, /dev/fuse and GlusterFS.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Ten::VFS;
use Ten::Factotum;
use Ten::TLS;
use Cwd qw(abs_path);
use Time::HiRes qw(time sleep);

my $GLUSTER = abs_path('tools/gluster-local.sh');
my $why = $> != 0 ? 'needs root (FUSE mounts, glusterd)'
        : !-e '/dev/fuse' ? 'needs /dev/fuse'
        : !-x '/usr/sbin/glusterd' ? 'needs GlusterFS (make deps installs glusterfs-server)'
        : '';
# an explicit target: a machine that cannot run it fails, loudly
die "make test-scale: $why\n" if $why;

our $GDIR = Test::Ten::servroot() . '/gluster';
END { system($GLUSTER, 'down', $GDIR) if $GDIR && -d $GDIR }

# TLS between every tier: a CA of the test's, a certificate for each kind
# of service (both servers of a kind share it)
our $TLS = Test::Ten::servroot() . '/tls';
mkdir $TLS;
Ten::TLS::make_ca($TLS);
Ten::TLS::make_cert($TLS, $_, "$_.ten") for qw(vfs factotum);
$ENV{TEST_NGINX_TLS} = $TLS;

add_block_preprocessor(sub {
    my $b = shift;
    $ENV{"TEST_NGINX_${_}_PORT"} = Test::Ten::free_port() for qw(VFS_A VFS_B FACT_A FACT_B);
});
kernel_each_block();
run_tests();

# ------------------------------------------------------------ the parts

sub gluster {
    my $out = `'$GLUSTER' @_ 2>&1`;
    die "$GLUSTER @_ failed: $out" if $?;
    return $out;
}

sub started {
    my ($what, $obj) = @_;
    $obj->start;
    Test::More::note("$what on port " . $obj->port);
    return $obj;
}

# The work: $n numbered lines more into each session's file, every reply
# recorded (acknowledged, outcome unknown, refused, unanswered).
our (%ACKED, %UNKNOWN, @REFUSED, $UNANSWERED);
sub work {
    my ($sessions, $n) = @_;
    for (1 .. $n) {
        for my $s (@$sessions) {
            my $i = ++$s->{lines};
            my $line = sprintf "%s line %04d\n", $s->{name}, $i;
            my $r = eval { $s->{c}->write($s->{fid}, ($i - 1) * length $line, $line) };
            if (!$r) { $UNANSWERED++; Test::More::diag("$s->{name} line $i: no reply: $@"); next }
            if ($r->{type} eq 'Rwrite') { $ACKED{ $s->{name} }{$i} = $line }
            elsif (($r->{ename} // '') =~ /outcome unknown/) { $UNKNOWN{ $s->{name} }{$i} = 1 }
            else { push @REFUSED, "$s->{name} line $i: $r->{ename}" }
        }
    }
}

# The same with $n lines a session sent at once, then $fault run while
# they are in flight: every one must still be answered (written, or
# "outcome unknown" for a write whose server died under it).
sub work_during {
    my ($sessions, $n, $fault) = @_;
    my %sent;
    for my $s (@$sessions) {
        my @m;
        for (1 .. $n) {
            my $i = ++$s->{lines};
            my $line = sprintf "%s line %04d\n", $s->{name}, $i;
            push @m, { type => 'Twrite', fid => $s->{fid},
                       offset => ($i - 1) * length $line, data => $line };
        }
        my @tags = $s->{c}->send(@m);
        $sent{ $s->{name} }{ $tags[$_] } = $m[$_] for 0 .. $#m;
    }
    $fault->();
    for my $s (@$sessions) {
        my $want = $sent{ $s->{name} };
        my $deadline = time + 15;
        while (keys %$want && time < $deadline) {
            my $r = $s->{c}->recv($deadline - time) // last;
            my $m = delete $want->{ $r->{tag} } // next;
            my $i = $m->{offset} / length($m->{data}) + 1;
            if ($r->{type} eq 'Rwrite') { $ACKED{ $s->{name} }{$i} = $m->{data} }
            elsif (($r->{ename} // '') =~ /outcome unknown/) { $UNKNOWN{ $s->{name} }{$i} = 1 }
            else { push @REFUSED, "$s->{name} line $i: $r->{ename}" }
        }
        $UNANSWERED += keys %$want;
    }
}

# Logins through both kernels; each must give a ticket that attaches.
sub logins_work {
    my ($ports, $pass, $when) = @_;
    for my $p (@$ports) {
        my $ok = eval {
            my $path = klogin('adm', $pass, port => $p);
            my (undef, undef, $r) = kattach($path, port => $p);
            $r->{type} eq 'Rattach';
        };
        Test::More::ok($ok, "$when: a login through the kernel on $p works")
            or Test::More::diag($@);
    }
}

# A session of glenda's through the kernel on $port, with her file open.
sub session {
    my ($name, $port) = @_;
    my ($c, $root) = kattach(plant_ticket(user => 'glenda'), port => $port);
    my $d = $c->walk_to($root, 'usr/glenda');
    my $r = $c->create($d, $name, 0644, 2);
    die "create $name: " . Ten::NineP::format_msg($r) unless $r->{type} eq 'Rcreate';
    return { name => $name, c => $c, root => $root, fid => $d, lines => 0 };
}

# gluster's command line, talking to the volume's own glusterd
sub gcli {
    my @cmd = ('gluster', '--mode=script', "--glusterd-sock=$GDIR/run/glusterd.socket",
        "--log-file=$GDIR/log/cli.log", @_);
    my $out = `@cmd 2>&1`;
    die "@cmd: $out" if $?;
    return $out;
}

# The process of the volume's first brick (its glusterfsd).
sub brick_pid {
    my ($pid) = `pgrep -f -- "--brick-name $GDIR/bricks/ten-1( |\$)"` =~ /(\d+)/;
    return $pid;
}

__DATA__

=== TEST 1: two of everything on a replicated volume survives losing any one process
--- down
--- timeout: 30
--- main_config
worker_processes 2;
--- namespace
mount vfs /
mount factotum /dev/factotum
--- http_config
    upstream ten_vfs {
        server 127.0.0.1:$TEST_NGINX_VFS_A_PORT;
        server 127.0.0.1:$TEST_NGINX_VFS_B_PORT backup;
        ninep_connections 2;
        ninep_check interval=300ms timeout=250ms fails=2 passes=1;
        ninep_ssl on;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/ca.crt;
        ninep_ssl_name vfs.ten;
    }
    upstream ten_factotum {
        server 127.0.0.1:$TEST_NGINX_FACT_A_PORT;
        server 127.0.0.1:$TEST_NGINX_FACT_B_PORT;
        ninep_check interval=300ms timeout=250ms fails=2 passes=1;
        ninep_ssl on;
        ninep_ssl_trusted_certificate $TEST_NGINX_TLS/ca.crt;
        ninep_ssl_name factotum.ten;
    }
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_service factotum ten_factotum;
        ninep_backend_timeout 3s;
    }
--- perl
my $k = kkeys();
my ($host) = main::gluster('up', $main::GDIR, 'ten', 'replica2') =~ /^glusterd (\S+):24007$/m
    or die "gluster-local.sh up: no glusterd address\n";
main::gluster('mount', $main::GDIR, 'ten', "$main::GDIR/m1");
main::gluster('mount', $main::GDIR, 'ten', "$main::GDIR/m2");
mkdir "$main::GDIR/m1/tree" or die "tree: $!";     # factotum makes its store
ok(-d "$main::GDIR/m2/tree", 'one volume, two mounts');

# ten-vfs A on a FUSE mount, B through libgfapi (its root on disk is m2's)
my %vfs;
for my $n (qw(A B)) {
    my $m = $n eq 'A' ? 'm1' : 'm2';
    $vfs{$n} = Ten::VFS->new(root => "$main::GDIR/$m/tree", key => "$k/vfs.key",
        url => $n eq 'B' ? "gluster://$host/ten/tree" : undef,
        trust => "$k/vfs.trust",
        args => ['-n', 'vfs', '-x', "$main::TLS/vfs.crt", '-y', "$main::TLS/vfs.key"]);
    $vfs{$n}{port} = $ENV{"TEST_NGINX_VFS_${n}_PORT"};
    main::started("ten-vfs $n", $vfs{$n});
}
{
    local $Ten::Kernel::VFS = $vfs{A};
    kernel_prepare();
}
my %fact;
for my $n (qw(A B)) {
    my $m = $n eq 'A' ? 'm1' : 'm2';
    $fact{$n} = Ten::Factotum->new(key => "$k/factotum.key", trust => "$k/factotum.trust",
        store => "$main::GDIR/$m/factotum",
        vfs_addr => join(',', map { '127.0.0.1:' . $vfs{$_}->port } $n eq 'A' ? qw(A B) : qw(B A)),
        args => ['-D', '100', '-x', "$main::TLS/factotum.crt", '-y', "$main::TLS/factotum.key",
                 '-a', "$main::TLS/ca.crt", '-N', 'vfs.ten']);
    $fact{$n}{port} = $ENV{"TEST_NGINX_FACT_${n}_PORT"};
    main::started("ten-factotum $n", $fact{$n});
}
# the second kernel: ten-vfs B first, A its backup
my $k2 = kernel2(sub {
    $_[0] =~ s/server 127\.0\.0\.1:(\d+);\n(\s+)server 127\.0\.0\.1:(\d+) backup;/server 127.0.0.1:$3;\n$2server 127.0.0.1:$1 backup;/;
});
my @ports = (Test::Ten::server_port(), $k2);
my $pass = $fact{A}->adm_password;
# the kernels started before the services: their health checks find the
# factotums up within an interval (300 ms); a login waits for that first
for my $p (@ports) {
    my $deadline = time + 5;
    sleep 0.2 until eval { klogin('adm', $pass, port => $p) } || time > $deadline;
}
main::logins_work(\@ports, $pass, 'at the start');

local $Ten::Kernel::VFS = $vfs{A};     # plant_ticket's VFS
my @s = (main::session('k1-a', $ports[0]), main::session('k1-b', $ports[0]),
         main::session('k2-a', $ports[1]), main::session('k2-b', $ports[1]));
main::work(\@s, 10);

# renames and exclusive files across the servers
my ($s1, $s3) = ($s[0], $s[2]);
for my $x (qw(x1 x2)) {
    my $d = $s1->{c}->walk_to($s1->{root}, 'usr/glenda');
    $s1->{c}->create($d, $x, 0644, 1);
    $s1->{c}->write($d, 0, $x);
}
my $f1 = $s1->{c}->walk_to($s1->{root}, 'usr/glenda/x1');
my $f3 = $s3->{c}->walk_to($s3->{root}, 'usr/glenda/x2');
my $rename = 'stat={type=DONTTOUCH dev=DONTTOUCH qid=(DONTTOUCH DONTTOUCH DONTTOUCH) mode=DONTTOUCH atime=DONTTOUCH mtime=DONTTOUCH length=DONTTOUCH name=target uid="" gid="" muid=""}';
$s1->{c}->send("Twstat tag=70 fid=$f1 $rename");
$s3->{c}->send("Twstat tag=71 fid=$f3 $rename");
my %r1 = $s1->{c}->collect([70], 5);
my %r3 = $s3->{c}->collect([71], 5);
my @won = grep { $_->{type} eq 'Rwstat' } $r1{70}, $r3{71};
is(scalar @won, 1, 'two renames onto one name through two servers: exactly one wins');
my $t = $s1->{c}->walk_to($s1->{root}, 'usr/glenda/target');
$s1->{c}->open($t, 0);
like($s1->{c}->read($t, 0, 10)->{data}, qr/^x[12]$/, 'and the name holds one of the files, whole');
my $g3 = $s3->{c}->walk_to($s3->{root}, 'usr/glenda/target');
ok(defined $g3, 'the other server sees the new name');

my $e1 = $s1->{c}->walk_to($s1->{root}, 'usr/glenda');
is_9p($s1->{c}->create($e1, 'lock', 0x20000000 | 0644, 2), 'Rcreate qid=* iounit=*',
    'an exclusive-use file made and open through ten-vfs A');
my $e3 = $s3->{c}->walk_to($s3->{root}, 'usr/glenda/lock');
like($s3->{c}->open($e3, 0)->{ename} // '', qr/exclusive/, 'refused through ten-vfs B while open');
$s1->{c}->clunk($e1);
is_9p($s3->{c}->open($e3, 0), 'Ropen qid=* iounit=*', 'opened through B once A closed it');
$s3->{c}->clunk($e3);

# faults, one at a time
main::work_during(\@s, 5, sub { $vfs{A}->kill9 });
main::work(\@s, 5);
main::logins_work(\@ports, $pass, 'ten-vfs A killed');
main::started('ten-vfs A again', $vfs{A});

my $brick = main::brick_pid();
ok($brick, 'the first brick\'s process found');
main::work_during(\@s, 5, sub { kill KILL => $brick if $brick });
main::work(\@s, 5);
main::logins_work(\@ports, $pass, 'a brick killed');
# the brick again (glusterd may not have seen it die yet: ask again)
ok(wait_for(sub { main::gcli(qw(volume start ten force)); main::brick_pid() }, 15, 0.5),
   'the brick is back');

$fact{A}->kill9;
main::logins_work(\@ports, $pass, 'ten-factotum A killed') for 1 .. 3;
main::work(\@s, 10);
main::started('ten-factotum A again', $fact{A});
main::logins_work(\@ports, $pass, 'ten-factotum A back');

# the accounts
is($main::UNANSWERED // 0, 0, 'no request went unanswered');
is(scalar @main::REFUSED, 0, 'no write was refused') or diag(join "\n", @main::REFUSED);
Test::More::note(join ', ', map { "$_: " . scalar(keys %{ $main::ACKED{$_} }) . ' written, '
    . scalar(keys %{ $main::UNKNOWN{$_} || {} }) . ' outcome unknown' } sort keys %main::ACKED);
for my $s (@s) {
    for my $p (@ports) {
        my ($c, $root) = kattach(plant_ticket(user => 'glenda'), port => $p);
        my $f = $c->walk_to($root, "usr/glenda/$s->{name}");
        $c->open($f, 0);
        my $data = $c->read_all($f);
        my $acked = $main::ACKED{ $s->{name} };
        my @missing = grep { substr($data, ($_ - 1) * length $acked->{$_}, length $acked->{$_}) ne $acked->{$_} } sort { $a <=> $b } keys %$acked;
        is("@missing", '', "$s->{name}: all " . scalar(keys %$acked) . " acknowledged lines there, read through the kernel on $p");
    }
    for my $m (qw(m1 m2)) {
        open my $fh, '<', "$main::GDIR/$m/tree/usr/glenda/$s->{name}" or die "$m: $!";
        my $data = do { local $/; <$fh> };
        my $acked = $main::ACKED{ $s->{name} };
        my $n = grep { substr($data, ($_ - 1) * length $acked->{$_}, length $acked->{$_}) eq $acked->{$_} } keys %$acked;
        is($n, scalar keys %$acked, "$s->{name}: and on mount $m");
    }
}
$_->stop for values %vfs, values %fact;
