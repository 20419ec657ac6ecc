package Ten::Kernel;

# The kernel suites (t/03*-kernel-*.t): nginx with the module in front of
# real ten-vfs instances, reached over WebSocket with ticket attaches.
#
#   use lib 't/lib';
#   use Test::Ten;
#   use Ten::Kernel;
#   kernel_each_block();
#   run_tests();
#
# Per test file, in servroot/kkeys ($TEST_NGINX_KKEYS): identities kernel,
# vfs, vfs2, factotum; ticket signing keys `signer` (certified), `old`
# (certified, but the certificate expired an hour ago) and `rogue`
# (no certificate); kernel.trust (vfs, vfs2, factotum), vfs.trust
# (kernel speaks-for, factotum tickets) and `certs` (the certificates of
# signer and old, signed by factotum).
#
# Per block: two ten-vfs on fresh roots and fresh ports
# ($TEST_NGINX_VFS_PORT, $TEST_NGINX_VFS2_PORT), announced as vfs and
# vfs2.  Unless the block says otherwise the first one runs during the
# block (the second one only with `--- vfs2`), holds $USERS as /adm/users,
# a home for each of them, the block's `--- namespace` (default "mount vfs
# /") as /lib/namespace, and a ticket for glenda made by `ten-key ticket`,
# whose path is $TEST_NGINX_TICKET in the block's sections.
#
# Defaults (when the block has none of its own):
#   http_config   $TEST_NGINX_UPSTREAMS: upstream ten_vfs and ten_vfs2
#   config        location = /9p { ninep; $TEST_NGINX_KERNEL
#                     ninep_service vfs ten_vfs boot;
#                     ninep_service vfs2 ten_vfs2; }
# $TEST_NGINX_KERNEL is the identity, trust and ninep_ticket_keys lines.
#
# Block sections:
#   vfs_args, vfs2_args  extra ten-vfs flags
#   vfs2                 start the second ten-vfs too
#   tap                  put a wiretap (Ten::Tap: ktap(), ktap2())
#                        between the kernel and each ten-vfs
#   down                 start no ten-vfs (the block starts them:
#                        kvfs()->start; kernel_prepare())
#   namespace            /lib/namespace of vfs
#   setup                shell commands run in vfs's root (vfs2's is
#                        $VFS2 in them)
#   ssr                  run a ten-ssr (its value: extra flags) on vfs,
#                        as `ninep_service ssr ten_ssr` (Ten::SSR; kssr())
#   ssr_tap              and a wiretap between it and vfs (kssrtap())
#   backup               a second ten-vfs on vfs's root with vfs's identity
#                        (kvfsb(), port $TEST_NGINX_VFS_B_PORT), started
#                        with vfs: the same files through another server
#                        (a factotum then gets -v vfs,backup)
#
# In `--- perl`: kvfs(), kvfs2(), kvfsb() (Ten::VFS objects: start, stop, kill9,
# counts, wait_counts, path), kclient(%o) (a Ten::WS9P after Tversion),
# kattach($user_or_ticket_path, %o) -> ($client, $fid, $rattach),
# ktap(), ktap2(), plant_ticket(%o), make_ticket(%o), ten_key_ticket,
# plant_file($v, $rel, $text, %meta), wait_for($cond, $timeout), is_9p,
# is_rerror.  Every block also fails if a worker died of a signal.

use strict;
use warnings;
use Exporter 'import';
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use MIME::Base64 qw(encode_base64 decode_base64);
use Digest::SHA qw(sha256_hex);
use Time::HiRes qw(time sleep);
use Fcntl qw(O_RDWR O_NONBLOCK);
use Test::More ();
use Test::Ten ();
use Ten::VFS ();
use Ten::Client ();
use Ten::WS9P;
use Ten::Tap;
use Ten::Factotum;
use Ten::SSR;

our @EXPORT = qw(kernel_each_block kernel_prepare kvfs kvfs2 kvfsb kfactotum kssr kssrtap kkeys
    ktap ktap2 kclient kattach kbootstrap klogin kernel2 plant_ticket make_ticket ten_key_ticket plant_file
    set_xattrs wait_for is_9p is_rerror ticket_nonce kblocked_read);

*is_9p = \&Ten::VFS::is_9p;
*is_rerror = \&Ten::VFS::is_rerror;

# glenda is an ordinary user; u0..u9 for the load blocks.
our @PEOPLE = (qw(glenda alice bob), map { "u$_" } 0 .. 9);
our $USERS = join '', <<'USERS', map { "${_}:${_}::\n" } @PEOPLE;
adm:adm:adm:
sys:sys::kernel,factotum,ssr
kernel:kernel::
factotum:factotum::
ssr:ssr::
none:none::
USERS

my $T_DIR = dirname(dirname(dirname(abs_path(__FILE__))));    # t/
my $BUILD = $ENV{TEN_BUILD} || dirname($T_DIR) . '/build';
my %PK;              # name -> public key (base64)
my $KDIR;
our ($VFS, $VFS2, $VFSB, $FACT, $SSR);   # the block's servers
our $BLOCK;
our ($TAP, $TAP2);   # with `--- tap`: wiretaps in front of them

sub kkeys { $KDIR }
sub kvfs  { $VFS }
sub kvfs2 { $VFS2 }
sub kvfsb { $VFSB }
sub kfactotum { $FACT }
sub kssr { $SSR }
our $SSRTAP;
sub kssrtap { $SSRTAP }
sub ktap  { $TAP }
sub ktap2 { $TAP2 }

# ------------------------------------------------------------------ keys

sub _ten_key {
    my (@args) = @_;
    my $cmd = join ' ', map { "'$_'" } "$BUILD/ten-key", @args;
    my $out = `$cmd 2>&1`;
    die "ten-key @args: $out" if $?;
    return $out;
}

sub _make_keys {
    return if $KDIR;
    for my $prog (qw(ten-vfs ten-key)) {
        next if -x "$BUILD/$prog";
        Test::More::plan(skip_all => "$BUILD/$prog is missing (run `make progs`)");
    }
    $KDIR = Test::Ten::servroot() . '/kkeys';
    make_path($KDIR);
    for my $name (qw(kernel vfs vfs2 factotum ssr signer old rogue)) {
        my $out = _ten_key('gen', $name, "$KDIR/$name.key");
        $out =~ /^\Q$name\E (\S+)$/m or die "ten-key gen $name: $out";
        $PK{$name} = $1;
    }
    _write("$KDIR/kernel.trust", "# the kernel's pins\n"
        . "vfs $PK{vfs}\nvfs2 $PK{vfs2}\nfactotum $PK{factotum}\n"
        . "ssr $PK{ssr}\n");
    _write("$KDIR/vfs.trust", "kernel $PK{kernel} speaks-for\n"
        . "factotum $PK{factotum} tickets\n"
        . "ssr $PK{ssr} speaks-for\n");
    _write("$KDIR/ssr.trust", "kernel $PK{kernel} speaks-for\n"
        . "vfs $PK{vfs}\n");
    _write("$KDIR/factotum.trust", "kernel $PK{kernel} speaks-for\n"
        . "vfs $PK{vfs}\n");
    my $cert = _ten_key('cert', "$KDIR/factotum.key", "$KDIR/signer.key");
    my $now = time;
    my $old = make_cert('old', int($now) - 7200, int($now) - 3600);
    _write("$KDIR/certs", "# signing keys\n$cert$old\n");
    chmod 0600, "$KDIR/$_.key" for keys %PK;
    $ENV{TEST_NGINX_KKEYS} = $KDIR;
    # the web UI as conf/nginx.conf serves it (the browser suites)
    $ENV{TEST_NGINX_WEB_UI} = 'location / {
        root ' . abs_path('web') . ';
        types { text/html html; text/css css; text/javascript js; image/svg+xml svg; }
        add_header Content-Security-Policy "default-src \'self\'; script-src \'self\'; style-src \'self\' \'unsafe-inline\'; img-src \'self\' data: blob:; frame-src \'self\'; connect-src \'self\'; base-uri \'none\'; form-action \'self\'" always;
        add_header X-Content-Type-Options nosniff always;
    }';
    $ENV{TEST_NGINX_KERNEL} = "ninep_identity $KDIR/kernel.key;\n"
        . "        ninep_trust $KDIR/kernel.trust;\n"
        . "        ninep_ticket_keys $KDIR/certs;";
}

sub _write {
    my ($file, $text) = @_;
    open my $fh, '>', $file or die "$file: $!";
    print $fh $text;
    close $fh or die "$file: $!";
}

sub _sk {
    my ($name) = @_;
    return Ten::Client::load_key("$KDIR/$name.key");
}

sub keyid {
    my ($name) = @_;
    return substr(sha256_hex(decode_base64($PK{$name})), 0, 16);
}

sub public_key { $PK{ $_[-1] } }

# A certificate for signing key $name, signed by factotum's identity.
sub make_cert {
    my ($name, $nb, $na, $issuer) = @_;
    my $text = join ' ', 'ten-key-1', keyid($name), $PK{$name}, $nb, $na;
    return "$text " . encode_base64(_sk($issuer || 'factotum')->sign_message($text), '');
}

# ------------------------------------------------------------- tickets

sub _nonce { join '', map { sprintf '%02x', int rand 256 } 1 .. 16 }

# A ticket line (no newline).  %o: user (glenda), key (signer: the one
# that signs), keyid (default that key's), issued (now), expires (now +
# 1 hour), nonce (random).
sub make_ticket {
    my (%o) = @_;
    my $key = $o{key} || 'signer';
    my $now = int time;
    my $text = join ' ', 'ten-ticket-1', $o{keyid} // keyid($key),
        $o{user} // 'glenda', $o{issued} // $now, $o{expires} // $now + 3600,
        $o{nonce} // _nonce();
    return "$text " . encode_base64(_sk($key)->sign_message($text), '');
}

# The 6th word of a ticket line.
sub ticket_nonce { (split ' ', $_[0])[5] }

# A ticket made by `ten-key ticket signer.key USER [SECONDS]` (with its
# newline).
sub ten_key_ticket {
    my ($user, $seconds) = @_;
    return _ten_key('ticket', "$KDIR/signer.key", $user, defined $seconds ? $seconds : ());
}

# Writes $text into the file ROOT/$rel of ten-vfs $v with Plan 9
# metadata; missing directories are made (owner factotum, group sys,
# 0750 under priv/, else uid/gid of the file, 0775).
#   plant_file($v, 'adm/secret', "text", uid => 'adm', gid => 'adm', mode => 0600)
sub plant_file {
    my ($v, $rel, $text, %o) = @_;
    my $root = $v->root;
    my @parts = split m{/}, $rel;
    pop @parts;
    my $dir = $root;
    for my $p (@parts) {
        $dir .= "/$p";
        next if -d $dir;
        mkdir $dir or die "mkdir $dir: $!";
        if ($dir =~ m{/priv/}) {
            set_xattrs($dir, uid => 'factotum', gid => 'sys', mode => 0x80000000 | 0750);
        } else {
            set_xattrs($dir, uid => $o{uid} // 'adm', gid => $o{gid} // 'adm',
                mode => 0x80000000 | 0775);
        }
    }
    _write("$root/$rel", $text);
    set_xattrs("$root/$rel", uid => $o{uid} // 'adm', gid => $o{gid} // 'adm',
        mode => $o{mode} // 0644);
    return "/$rel";
}

# setxattr(2) of user.ten.{uid,gid,muid,mode} (mode as ten-vfs keeps it:
# 8 hex digits).
sub set_xattrs {
    my ($path, %x) = @_;
    $x{muid} //= $x{uid} if defined $x{uid};
    for my $k (qw(uid gid muid mode)) {
        next unless defined $x{$k};
        my $value = $k eq 'mode' ? sprintf('%08x', $x{$k}) : "$x{$k}";
        my $name = "user.ten.$k";
        my $v = "" . $value;             # a string, passed as a pointer
        my $rc = syscall(188, "$path", $name, $v, length($v), 0);    # setxattr
        die "setxattr $path $name: $!" if $rc < 0;
    }
}

# Plants a ticket in vfs (default kvfs) and returns its path.
# %o: user (glenda), text (the file's content; default a fresh ticket of
# the user from `ten-key ticket`), at (the path's user, default user),
# nonce (the path's nonce, default the ticket's), v.
sub plant_ticket {
    my (%o) = @_;
    my $user = $o{user} // 'glenda';
    my $text = $o{text} // ten_key_ticket($user);
    my $nonce = $o{nonce} // ticket_nonce($text) // _nonce();
    my $at = $o{at} // $user;
    return plant_file($o{v} || $VFS, "priv/sessions/$at/$nonce", $text,
        uid => 'factotum', gid => 'sys', mode => 0440);
}

# ------------------------------------------------------------ sessions

# A WebSocket 9P client to the running nginx (or the one on $o{port}),
# after Tversion (msize $o{msize}, default 8192) unless version => 0.
sub kclient {
    my (%o) = @_;
    my $c = Ten::WS9P->connect(port => $o{port} || Test::Ten::server_port(),
        path => $o{path} || '/9p', timeout => $o{timeout} || 5);
    return $c if defined $o{version} && !$o{version};
    my $r = $c->version($o{msize} || 8192);
    die "Tversion: " . Ten::NineP::format_msg($r) . "\n" unless $r->{type} eq 'Rversion';
    return $c;
}

# ($client, $fid): a session attached with a ticket.  $who is a user
# (a fresh ticket is planted) or a ticket path.  %o: client, fid, msize.
sub kattach {
    my ($who, %o) = @_;
    my $path = $who =~ m{^/} ? $who : plant_ticket(user => $who);
    my $c = $o{client} || kclient(%o);
    my $fid = $o{fid} // $c->newfid;
    my $r = $c->attach($fid, $o{uname} // 'x', $path);
    die "attach with $path: " . Ten::NineP::format_msg($r) . "\n"
        unless $r->{type} eq 'Rattach';
    return ($c, $fid, $r);
}

# A bootstrap session (attached as none, no ticket); %o as kclient.
sub kbootstrap {
    my (%o) = @_;
    my $c = kclient(%o);
    my $r = $c->attach(0, 'none', '');
    die "bootstrap attach: " . Ten::NineP::format_msg($r) . "\n"
        unless $r->{type} eq 'Rattach';
    return $c;
}

# A password login through /dev/factotum/rpc of a bootstrap session: the
# ticket path.  %o as kclient.
sub klogin {
    my ($user, $pass, %o) = @_;
    my $c = kbootstrap(%o);
    my $fid = $c->walk_to(0, 'dev/factotum/rpc') // die "no /dev/factotum/rpc\n";
    $c->open($fid, 2);
    for my $w ("start proto=pass user=$user", "pass $pass") {
        my $r = $c->write($fid, 0, $w);
        die "factotum: " . Ten::NineP::format_msg($r) . "\n" unless $r->{type} eq 'Rwrite';
    }
    my ($path) = $c->read($fid, 0, 512)->{data} =~ /ticket=(\S+)/
        or die "factotum gave no ticket\n";
    $c->close;
    return $path;
}

# A second nginx with the block's configuration, its own prefix
# (servroot/kernel2: logs, pid, zones) and port: another kernel in front
# of the same services; $edit, if given, changes the configuration's text
# (in $_[0]).  Returns its port; it stops with the test file.
sub kernel2 {
    my ($edit) = @_;
    my $root = Test::Ten::servroot();
    my $dir = "$root/kernel2";
    make_path("$dir/conf", "$dir/logs", "$dir/tmp");
    open my $in, '<', "$root/conf/nginx.conf" or die "nginx.conf: $!";
    my $conf = do { local $/; <$in> };
    my $port = Test::Ten::free_port();
    $conf =~ s/listen 127\.0\.0\.1:\d+/listen 127.0.0.1:$port/g;
    $edit->($conf) if $edit;
    _write("$dir/conf/nginx.conf", $conf);
    Test::Ten::add_helper(name => 'kernel2', port => $port,
        cmd => [Test::Ten::nginx_binary(), '-p', "$dir/", '-c', 'conf/nginx.conf']);
    return $port;
}

# A ticket session (glenda's) whose read of a FIFO on ten-vfs, tmp/fifo,
# is in flight with $tag: it waits until something is written to $writer.
# Returns ($client, $root fid, $writer).
sub kblocked_read {
    my ($tag) = @_;
    my $path = $VFS->path('tmp/fifo');
    system('mkfifo', '-m', '0666', $path) == 0 or die "mkfifo $path";
    sysopen(my $w, $path, O_RDWR | O_NONBLOCK) or die "$path: $!";
    my ($c, $root) = kattach($ENV{TEST_NGINX_TICKET});
    my $f = $c->walk_to($root, 'tmp/fifo') // die "walk to tmp/fifo failed";
    my $r = $c->open($f, 0);
    die "open tmp/fifo: $r->{type}\n" unless $r->{type} eq 'Ropen';
    $c->send("Tread tag=$tag fid=$f offset=0 count=100");
    die "the read of tmp/fifo did not wait\n" unless $c->quiet(0.3);
    return ($c, $root, $w);
}

# Polls $cond until it returns true or $timeout seconds pass; returns
# the last value.
sub wait_for {
    my ($cond, $timeout, $step) = @_;
    my $deadline = time + ($timeout || 3);
    while (1) {
        my $v = $cond->();
        return $v if $v || time > $deadline;
        sleep $step || 0.05;
    }
}

# ---------------------------------------------------------- the blocks

sub kernel_each_block {
    _make_keys();
    Test::Ten::add_block_preprocessor(\&_preprocess);
    Test::Ten::add_block_wrapper(\&_wrap);
}

sub _preprocess {
    my ($block) = @_;
    my @a1 = map { split ' ' } grep { defined } $block->vfs_args;
    my @a2 = map { split ' ' } grep { defined } $block->vfs2_args;
    $block->{_kvfs} = Ten::VFS->new(key => "$KDIR/vfs.key",
        trust => "$KDIR/vfs.trust", args => ['-n', 'vfs', @a1]);
    $block->{_kvfs2} = Ten::VFS->new(key => "$KDIR/vfs2.key",
        trust => "$KDIR/vfs.trust", args => ['-n', 'vfs2', @a2]);
    $block->{_kvfs}->command;      # picks the ports
    $block->{_kvfs2}->command;
    if (defined $block->backup) {
        $block->{_kvfsb} = Ten::VFS->new(root => $block->{_kvfs}->root,
            key => "$KDIR/vfs.key", trust => "$KDIR/vfs.trust",
            args => ['-n', 'vfs', @a1]);
        $block->{_kvfsb}->command;
        $ENV{TEST_NGINX_VFS_B_PORT} = $block->{_kvfsb}->port;
    }
    $ENV{TEST_NGINX_VFS_PORT} = $block->{_kvfs}->port;
    $ENV{TEST_NGINX_VFS2_PORT} = $block->{_kvfs2}->port;
    my ($p1, $p2) = ($ENV{TEST_NGINX_VFS_PORT}, $ENV{TEST_NGINX_VFS2_PORT});
    $ENV{TEST_NGINX_FACTOTUM} = '';
    if (defined $block->factotum) {
        # with a backup ten-vfs, factotum knows both (-v primary,backup)
        $block->{_kfact} = Ten::Factotum->new(key => "$KDIR/factotum.key",
            trust => "$KDIR/factotum.trust", vfs_addr => "127.0.0.1:$p1"
                . ($block->{_kvfsb} ? ",127.0.0.1:" . $block->{_kvfsb}->port : ''),
            args => [split ' ', $block->factotum]);
        $block->{_kfact}->command;
        $ENV{TEST_NGINX_FACTOTUM_PORT} = $block->{_kfact}->port;
        $ENV{TEST_NGINX_FACTOTUM} = 'ninep_service factotum ten_factotum;';
    }
    $ENV{TEST_NGINX_SSR} = '';
    if (defined $block->ssr) {
        # with `--- ssr_tap`, a wiretap between ten-ssr and ten-vfs
        $block->{_kssrtap} = Ten::Tap->new(to => $p1)
            if defined $block->ssr_tap;
        $block->{_kssr} = Ten::SSR->new(key => "$KDIR/ssr.key",
            trust => "$KDIR/ssr.trust",
            vfs_port => $block->{_kssrtap} ? $block->{_kssrtap}->port : $p1,
            args => [split ' ', $block->ssr]);
        $block->{_kssr}->command;
        $ENV{TEST_NGINX_SSR} = 'ninep_service ssr ten_ssr;';
    }
    if (defined $block->tap) {
        $block->{_ktap} = Ten::Tap->new(to => $p1);
        $block->{_ktap2} = Ten::Tap->new(to => $p2);
        ($p1, $p2) = ($block->{_ktap}->port, $block->{_ktap2}->port);
    }
    $ENV{TEST_NGINX_UPSTREAMS} =
        "upstream ten_vfs { server 127.0.0.1:$p1; }\n"
        . "    upstream ten_vfs2 { server 127.0.0.1:$p2; }"
        . ($block->{_kfact} ? "\n    upstream ten_factotum { server "
            . "127.0.0.1:" . $block->{_kfact}->port . "; }" : '')
        . ($block->{_kssr} ? "\n    upstream ten_ssr { server "
            . "127.0.0.1:" . $block->{_kssr}->port . "; }" : '');
    $block->set_value(http_config => "    \$TEST_NGINX_UPSTREAMS\n")
        unless defined $block->http_config;
    $block->set_value(config => <<'CONF') unless defined $block->config;
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_service vfs2 ten_vfs2;
        $TEST_NGINX_FACTOTUM
        $TEST_NGINX_SSR
    }
CONF
    # a worker that crashed is a failure of every block
    my $no = $block->no_error_log // '';
    $block->set_value(no_error_log => "$no\nexited on signal\n")
        unless defined $block->must_die;
}

sub _wrap {
    my ($block, $inner) = @_;
    local $VFS = $block->{_kvfs};
    local $VFS2 = $block->{_kvfs2};
    local $VFSB = $block->{_kvfsb};
    local $BLOCK = $block;
    local ($TAP, $TAP2) = ($block->{_ktap}, $block->{_ktap2});
    local $FACT = $block->{_kfact};
    local $SSR = $block->{_kssr};
    local $SSRTAP = $block->{_kssrtap};
    local $ENV{TEST_NGINX_TICKET} = '';
    my $ok = eval {
        $_->start for grep { $_ } $TAP, $TAP2;
        unless (defined $block->down) {
            $VFS->start;
            $VFS2->start if defined $block->vfs2;
            $VFSB->start if $VFSB;
            kernel_prepare($block);
        }
        $FACT->start if $FACT;
        $SSRTAP->start if $SSRTAP;
        $SSR->start if $SSR;
        $inner->();
        1;
    };
    my $err = $@;
    # a ten-vfs that died on its own (not by the block's kill9 or stop)
    # is a failure of the block, as is one that does not exit cleanly
    my %progs = ('Ten::Factotum' => 'ten-factotum', 'Ten::SSR' => 'ten-ssr');
    for my $v (grep { $_ && $_->{pid} } $VFS, $VFS2, $VFSB, $FACT, $SSR) {
        my $name = $block->name;
        if ($v->alive) {
            my $prog = $progs{ref $v} // 'ten-vfs';
            Test::More::is($v->stop(30), 0, "$name - $prog exits with 0 on SIGTERM")
                or Test::More::diag(defined $v->{exit}
                                    ? "wait status $v->{exit} (signal " . ($v->{exit} & 127) . ")"
                                    : "still running after 30 s: killed; its threads:\n"
                                      . ($v->{hang} // '(no gdb)'), $v->log_tail);
        } else {
            Test::More::fail("$name - " . ($progs{ref $v} // 'ten-vfs')
                . " died during the block (status $v->{exit})");
            Test::More::diag($v->log_tail);
        }
    }
    $_->stop for grep { $_ } $TAP, $TAP2, $SSRTAP;
    die $err unless $ok;
}

# Prepares the running servers' roots: users, homes, /lib/namespace,
# glenda's ticket ($ENV{TEST_NGINX_TICKET}) and the block's setup.
sub kernel_prepare {
    my ($block) = @_;
    $block //= $BLOCK;
    for my $v (grep { $_->alive } $VFS, $VFS2) {
        $v->set_users($USERS);
        for my $u (@PEOPLE) {
            my $home = $v->path("usr/$u");
            next if -d $home;
            mkdir $home or die "$home: $!";
            set_xattrs($home, uid => $u, gid => $u, mode => 0x80000000 | 0775);
        }
    }
    return unless $VFS->alive;
    my $ns = $block && defined $block->namespace ? $block->namespace : "mount vfs /\n";
    _write($VFS->path('lib/namespace'), $ns);
    $ENV{TEST_NGINX_TICKET} = plant_ticket(user => 'glenda');
    if ($block && defined $block->setup) {
        local $ENV{VFS2} = $VFS2->root;
        my $rc = system('sh', '-ec', "cd '" . $VFS->root . "'\n" . $block->setup);
        die "setup failed with status $rc\n" if $rc;
    }
}

1;
