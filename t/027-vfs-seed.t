# ten-vfs start-up: seeding an empty root from conf/skel + conf/skel.perms
# (owners and modes checked over 9P), no second seeding, other
# skeletons, the Unix socket, and the command line refusing bad flags
# and bad gluster:// URLs.

use lib 't/lib';
use Test::Ten 'no_nginx';
use Ten::VFS;
use File::Path qw(make_path);
use File::Basename qw(dirname);
use Cwd qw(abs_path);
use IO::Socket::UNIX;
use Ten::NineP qw(pack_msg unpack_msg);

vfs_each_block(users => undef);    # keep the seeded /adm/users
run_tests();

# The repository (conf/skel is what ten-vfs was built to seed from).
sub repo { dirname(dirname(abs_path(__FILE__))) }

sub slurp {
    my ($file) = @_;
    open my $fh, '<', $file or return undef;
    local $/;
    return scalar <$fh>;
}

sub spew {
    my ($file, $text, $mode) = @_;
    open my $fh, '>', $file or die "$file: $!";
    print $fh $text;
    close $fh;
    chmod $mode, $file if defined $mode;
}

# The stat of $path over 9P as the user of ($c, $root).
sub stat_of {
    my ($c, $root, $path) = @_;
    my $f = $c->walk_to($root, $path) // return undef;
    return $c->stat($f)->{stat};
}

# A fresh key and trust file for command-line tests.
sub scratch { my $d = Test::Ten::servroot() . "/scratch/$_[0]"; make_path($d); return $d }

__DATA__

=== TEST 1: the first start on an empty root seeds the tree with owners and modes
--- perl
my $v = vfs;
my ($c, $root) = $v->attach('factotum');    # who may search /priv
my @want = (
    ['',               'adm',      'adm', 0x800001fd],
    ['adm',            'adm',      'adm', 0x800001fd],
    ['adm/users',      'adm',      'adm', 0664],
    ['lib',            'adm',      'sys', 0x800001fd],
    ['lib/namespace',  'adm',      'sys', 0664],
    ['priv',           'factotum', 'sys', 0x800001e8],
    ['priv/sessions',  'factotum', 'sys', 0x800001e8],
    ['usr',            'adm',      'adm', 0x800001fd],
    ['usr/adm',        'adm',      'adm', 0x800001fd],
    ['usr/adm/tmp',    'adm',      'adm', 0x800001c0],
    ['usr/none',       'none',     'none', 0x800001ed],
    ['usr/none/tmp',   'none',     'none', 0x800001c0],
    ['tmp',            'adm',      'adm', 0x800001ff],
);
for my $w (@want) {
    my ($path, $uid, $gid, $mode) = @$w;
    my $st = main::stat_of($c, $root, $path);
    is_deeply($st && [@$st{qw(uid gid mode)}], [$uid, $gid, $mode],
        sprintf('/%s: %s %s %s', $path, $uid, $gid, $mode & 0x80000000 ? sprintf('d%o', $mode & 0777) : sprintf('%o', $mode)));
}
my $d = $c->walk_to($root, '');
$c->open($d, 0);
is_deeply([sort map { $_->{name} } $c->read_dir($d)], [qw(adm lib priv tmp usr)], 'nothing else at the top');
is(main::slurp($v->path('adm/users')), main::slurp(main::repo() . "/conf/skel/adm/users"), 'adm/users is conf/skel/adm/users');
is(main::slurp($v->path('lib/namespace')), main::slurp(main::repo() . "/conf/skel/lib/namespace"), 'lib/namespace is the skeleton\'s');
--- error_log
seeded the empty root from



=== TEST 2: the seeded users: adm, sys (kernel factotum ssr), kernel, factotum, ssr, none
--- perl
my $v = vfs;
my $c = $v->client;
my $a = $c->auth('kernel', $v->key('kernel'));
$c->attach(1000, 'kernel', '', $a->{afid});
my $fid = 1;
is_9p($c->attach($fid++, $_), 'Rattach qid=*', "$_ may attach") for qw(adm kernel factotum ssr none sys);
is_rerror($c->attach($fid++, 'glenda'), 'unknown user', 'glenda is not a user');
my ($f, $froot) = $v->attach('factotum', client => $c);
my $s = $c->walk_to($froot, 'priv/sessions');
is_9p($c->create($s, 'glenda', 0x800001e8), 'Rcreate qid=* iounit=*', 'factotum may create in /priv/sessions');
my ($k, $kroot) = $v->attach('kernel', client => $c);
is_9p($c->walk($kroot, 60, 'priv', 'sessions', 'glenda'), 'Rwalk wqid=[* * *]', 'kernel (sys) may search it');
$s = $c->walk_to($kroot, 'priv/sessions');
is_rerror($c->create($s, 'x', 0644, 1), 'permission denied', 'but not write it');
my $n = $v->client;
$n->attach(0, 'none');
is_9p($n->walk(0, 1, 'priv', 'sessions'), 'Rwalk wqid=[*]', 'none may not search /priv');
my $l = $n->walk_to(0, 'lib/namespace');
is_9p($n->open($l, 0), 'Ropen qid=* iounit=*', 'none may read /lib/namespace');



=== TEST 3: a second start does not seed again
--- perl
my $v = vfs;
is($v->stop, 0, 'stop');
main::spew($v->path('adm/users'), main::slurp($v->path('adm/users')) . "glenda:glenda::\n");
unlink $v->path('lib/namespace') or die;
File::Path::remove_tree($v->path('usr'));
ok(!-e $v->path('usr'), 'usr (with the homes of adm and none) removed');
$v->start;
ok(!-e $v->path('lib/namespace'), 'lib/namespace stays removed');
ok(!-e $v->path('usr'), 'usr too');
like(main::slurp($v->path('adm/users')), qr/^glenda:glenda::$/m, 'adm/users keeps the change');
is(scalar(grep { /seeded the empty root/ } $v->log_lines), 1, 'seeded once in two starts');
my ($c, $root) = $v->attach('glenda');
is_9p($c->stat($root), 'Rstat stat=*', 'glenda (added on disk) may attach');



=== TEST 4: a non-empty root is not seeded
--- no_vfs
--- perl
my $v = Ten::VFS->new;
main::spew($v->path('hello'), "hi\n");
$v->start;
ok(!-e $v->path('adm'), 'no adm/ was made');
ok(!grep({ /seeded/ } $v->log_lines), 'nothing seeded');
my $c = $v->client;
is_rerror($c->attach(0, 'none'), 'unknown user', 'without /adm/users nobody is a user');
is($v->stop, 0, 'stops');



=== TEST 5: -s: another skeleton
--- no_vfs
--- perl
my $skel = main::scratch('skel') . '/tree';
make_path("$skel/adm", "$skel/doc");
main::spew("$skel/adm/users", "adm:adm:adm:\nnone:none::\nkernel:kernel::\nann:ann::\n");
main::spew("$skel/doc/readme", "read me\n");
main::spew("$skel.perms", <<'PERMS');
# a smaller tree
/            adm  adm  0755
/adm/        adm  adm  0755
/adm/users   adm  adm  0644
/doc/        ann  adm  0750
/doc/readme  ann  adm  0640
PERMS
my $v = Ten::VFS->new(args => ['-s', $skel])->start;
my ($c, $root) = $v->attach('ann');
my $st = main::stat_of($c, $root, 'doc/readme');
is_deeply([@$st{qw(uid gid mode length)}], ['ann', 'adm', 0640, 8], '/doc/readme: ann adm 640');
$st = main::stat_of($c, $root, 'doc');
is_deeply([@$st{qw(uid gid mode)}], ['ann', 'adm', 0x800001e8], '/doc: ann adm d750');
ok(!-e $v->path('tmp'), 'nothing from conf/skel');
is($v->stop, 0, 'stops');
main::spew("$skel.perms", "/ adm adm 0755\n/adm/ adm adm\n");
my $bad = Ten::VFS->new(args => ['-s', $skel]);
my (undef, @args) = $bad->command;
my $r = Ten::VFS::run_vfs(@args);
isnt($r->{status}, 0, 'a bad skel.perms line: exit status ' . $r->{status});
like($r->{output}, qr/tree\.perms:2: expected "path owner group mode"/, 'names the file and line');



=== TEST 6: -u: also a Unix socket, removed at exit
--- no_vfs
--- perl
my $sock = main::scratch('unix') . '/vfs.sock';
my $v = Ten::VFS->new(args => ['-u', $sock])->start;
ok(-S $sock, 'the socket exists');
my $s = IO::Socket::UNIX->new(Peer => $sock) or die "connect $sock: $!";
syswrite $s, pack_msg({ type => 'Tversion', tag => 0xffff, msize => 8192, version => '9P2000' });
my $buf = '';
sysread $s, $buf, 4096;
is(eval { unpack_msg($buf)->{type} }, 'Rversion', 'Tversion over it');
close $s;
is($v->stop, 0, 'stops on SIGTERM');
ok(!-e $sock, 'and removes the socket');
like($v->log_text, qr/stopped/, 'logs that it stopped');



=== TEST 7: bad command lines: usage and exit status 2
--- no_vfs
--- perl
my $v = Ten::VFS->new;
my %base = (-r => $v->root_arg, -l => '127.0.0.1:' . Test::Ten::free_port(), -k => $v->key('vfs'), -t => Ten::VFS::trust_file());
my $without = sub { my $flag = shift; map { ($_, $base{$_}) } grep { $_ ne $flag } sort keys %base };
my @cases = (
    ['no arguments',    []],
    ['no -r',           [$without->('-r')]],
    ['no -l',           [$without->('-l')]],
    ['no -k',           [$without->('-k')]],
    ['no -t',           [$without->('-t')]],
    ['unknown flag -Z', [%base, '-Z']],
    ['an extra argument', [%base, 'extra']],
);
for my $case (@cases) {
    my ($what, $args) = @$case;
    my $r = Ten::VFS::run_vfs(@$args);
    is($r->{status}, 2, "$what: exit status 2");
    like($r->{output}, qr/^usage: ten-vfs -r ROOT/m, "$what: usage");
}
for my $case (['-m', 100, qr/-m wants a number from 256 to/], ['-F', 0, qr/-F wants a number/],
              ['-j', 'many', qr/-j wants a number/], ['-n', 'Bad Name', qr/-n and -o take names/],
              ['-o', 'UPPER', qr/-n and -o take names/]) {
    my ($flag, $value, $re) = @$case;
    my $r = Ten::VFS::run_vfs(%base, $flag, $value);
    is($r->{status}, 2, "$flag $value: exit status 2");
    like($r->{output}, $re, "$flag $value: says why");
}
ok(!-e $v->path('adm'), 'none of them seeded the root');



=== TEST 8: bad files: the key's mode, a missing key, a bad trust file, a missing root
--- no_vfs
--- perl
my $v = Ten::VFS->new;
my $dir = main::scratch('files');
my %base = (-r => $v->root_arg, -l => '127.0.0.1:' . Test::Ten::free_port(), -k => $v->key('vfs'), -t => Ten::VFS::trust_file());
my $key = "$dir/open.key";
main::spew($key, main::slurp($v->key('vfs')), 0644);
my $r = Ten::VFS::run_vfs(%base, -k => $key);
isnt($r->{status}, 0, 'a key file with mode 0644 is refused: status ' . $r->{status});
like($r->{output}, qr/chmod 600/, 'the message says chmod 600');
like($r->{output}, qr/\Q$key\E/, 'and names the file');
$r = Ten::VFS::run_vfs(%base, -k => "$dir/missing.key");
isnt($r->{status}, 0, 'a missing key file');
like($r->{output}, qr/missing\.key: No such file/, $r->{output} =~ s/\n.*//sr);
main::spew("$dir/garbage.key", "not a key\n", 0600);
$r = Ten::VFS::run_vfs(%base, -k => "$dir/garbage.key");
like($r->{output}, qr/not one line of base64/, 'a key file that is not a key');
main::spew("$dir/trust", "kernel " . ('A' x 43) . "= speaks-for flies\n");
$r = Ten::VFS::run_vfs(%base, -t => "$dir/trust");
isnt($r->{status}, 0, 'a trust file with an unknown role');
like($r->{output}, qr/trust:1: unknown role/, 'names file and line');
$r = Ten::VFS::run_vfs(%base, -r => "$dir/no/such/root");
is($r->{status}, 1, 'a root that does not exist: exit status 1');
like($r->{output}, qr{root \Q$dir\E/no/such/root: No such file or directory}, 'says so clearly');
main::spew("$dir/plainfile", "x");
$r = Ten::VFS::run_vfs(%base, -r => "$dir/plainfile");
like($r->{output}, qr{root \Q$dir\E/plainfile: Not a directory}, 'a root that is a file');
my $g = Ten::VFS::gluster();
SKIP: {
    skip 'a root on a Gluster volume: only with TEN_VFS_GLUSTER (without TEN_VFS_GLUSTER_FUSE)', 4
        if !$g || $g->{fuse};
    my $url = $v->root_arg . '/no/such/root';
    $r = Ten::VFS::run_vfs(%base, -r => $url);
    is($r->{status}, 1, 'a gluster:// root that does not exist in the volume: exit status 1');
    like($r->{output}, qr{root \Q$url\E: /\S+/no/such/root in volume \Q$g->{volume}\E: No such file or directory},
         'names it and why') or diag($r->{output});
    $url = "gluster://$g->{host}/no-such-volume/x";
    $r = Ten::VFS::run_vfs(%base, -r => $url);
    is($r->{status}, 1, 'a volume that does not exist: exit status 1');
    like($r->{output}, qr{root \Q$url\E: cannot reach volume no-such-volume .*is it started}, 'names it, says what to check')
        or diag($r->{output});
}
ok(!-e $v->path('adm'), 'none of them seeded the root');



=== TEST 9: listening: a port in use, an address without a port
--- perl
my $v = vfs;
my %base = (-r => main::scratch('listen'), -k => $v->key('vfs'), -t => Ten::VFS::trust_file());
my $r = Ten::VFS::run_vfs(%base, -l => '127.0.0.1:' . $v->port);
isnt($r->{status}, 0, 'the port of the running ten-vfs: status ' . $r->{status});
like($r->{output}, qr/listen on 127\.0\.0\.1:\d+: Address already in use/, 'says so');
$r = Ten::VFS::run_vfs(%base, -l => 'localhost');
isnt($r->{status}, 0, 'an address without a port');
like($r->{output}, qr/is not ADDR:PORT/, 'says so');
is_9p($v->client->attach(0, 'none'), 'Rattach qid=*', 'the running one is unaffected');



=== TEST 10: -r gluster:// URLs that are not well made: said so, exit status 2, nothing contacted
--- no_vfs
--- perl
my $v = Ten::VFS->new;
my %base = (-l => '127.0.0.1:' . Test::Ten::free_port(), -k => $v->key('vfs'), -t => Ten::VFS::trust_file());
# the hosts are names no resolver knows: a URL taken as well made fails
# later, with "cannot reach volume" and status 1
my @cases = (
    ['gluster://no-such.invalid/vol', 'no volume path is fine: it is taken', undef],
    ['gluster://no-such.invalid:4294967297/vol', 'a port past 32 bits (it wrapped to 1)', qr/bad port in "no-such\.invalid:4294967297"/],
    ['gluster://no-such.invalid:65536/vol', 'port 65536', qr/bad port/],
    ['gluster://no-such.invalid:/vol', 'an empty port', qr/bad port/],
    ['gluster://no-such.invalid:+80/vol', 'a port with a sign', qr/bad port/],
    ['gluster://,/vol', 'no server at all', qr/empty server name/],
    ['gluster://a.invalid,,b.invalid/vol', 'an empty entry in the list', qr/empty server name/],
    ['gluster://::1/vol', 'an IPv6 address (misread as host ":" port 1)', qr/no IPv6 addresses/],
    ['gluster://' . join(',', map { "h$_.invalid" } 1 .. 9) . '/vol', 'nine servers', qr/more than 8 servers/],
    ['gluster://no-such.invalid/', 'no volume', qr/expected gluster:\/\/HOST/],
    ['gluster:///vol', 'no host', qr/expected gluster:\/\/HOST/],
    ['gluster://' . ('h' x 1100) . '/vol', 'a URL over 1 KiB', qr/URL longer than 1033 bytes/],
);
for my $case (@cases) {
    my ($url, $what, $re) = @$case;
    my $r = Ten::VFS::run_vfs(%base, -r => $url);
    if (!$re) {
        is($r->{status}, 1, "$what: exit status 1 (the volume cannot be reached)");
        like($r->{output}, qr/cannot reach volume vol/, "$what: says so");
        next;
    }
    is($r->{status}, 2, "$what: exit status 2");
    like($r->{output}, $re, "$what: says why") or diag($r->{output});
    unlike($r->{output}, qr/cannot reach|DNS/, "$what: no server was asked");
}
