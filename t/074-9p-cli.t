# The `9p` command (tools/9p) against nginx with the module, ten-vfs and
# ten-factotum: a person logs in, adds a user, works in the user's home,
# changes the namespace for one `9p sh`, logs out; over WebSocket, over
# TLS (wss://, a certificate made here) and over raw TCP to ten-vfs.
#
# --- cli is a session at a terminal.  "$ COMMAND" runs in sh with build/
# first on PATH (so `9p` is the one just built) and:
#   $TEN_URL  the kernel (ws://127.0.0.1:PORT/9p)   $WSS  the same over TLS
#   $ROOT     ten-vfs's root on disk                 $KEYS the kernel's keys
#   $ADMPW    the file with adm's password           $D    a scratch dir
#   $TCP      tcp!127.0.0.1!PORT of ten-vfs          $CERT the TLS certificate
#   $TLS_PORT the port of $WSS
# "valgrind ... 9p" fails on any memory error or leak (not under make asan,
# where the ASan build checks itself).  The lines under it say what the command must do: "? N" its exit status
# (0 when not given), "> RE" a line of its stdout matches the Perl regex,
# ">! RE" no line of it does, "! RE" a line of its stderr matches.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Ten::VFS;
use File::Path qw(make_path remove_tree);

my $build = Ten::VFS::ten_build();
my $tls = Test::Ten::servroot() . '/tls';
$ENV{TEST_NGINX_TLS_PORT} = Test::Ten::free_port();
$ENV{TEST_NGINX_TLS} = $tls;
make_tls_certificates($tls);

add_block_preprocessor(sub {
    my $b = shift;
    $b->set_value(factotum => '-D 100') unless defined $b->factotum;
    $b->set_value(perl => 'main::run_cli($block)') if defined $b->cli;
});
kernel_each_block();
run_tests();

# A self-signed certificate for 127.0.0.1 (the tests trust it through
# SSL_CERT_FILE, as a person would a private CA).
sub make_tls_certificates {
    my ($dir) = @_;
    remove_tree($dir);
    make_path($dir);
    my $out = `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=ten-test -addext subjectAltName=IP:127.0.0.1 -keyout $dir/ok.key -out $dir/ok.crt 2>&1`;
    die "openssl req: $out" if $?;
}

sub slurp { local $/; open my $fh, '<', $_[0] or return ''; return scalar(<$fh>) // '' }

sub run_cli {
    my ($block) = @_;
    my $d = Test::Ten::servroot() . '/cli';
    remove_tree($d);
    make_path($d);
    local $ENV{PATH} = "$build:$ENV{PATH}";
    local $ENV{TEN_URL} = 'ws://127.0.0.1:' . Test::Ten::server_port() . '/9p';
    local $ENV{WSS} = "wss://127.0.0.1:$ENV{TEST_NGINX_TLS_PORT}/9p";
    local $ENV{ROOT} = kvfs->root;
    local $ENV{KEYS} = kkeys();
    local $ENV{ADMPW} = kfactotum()->{store} . '/adm.password';
    local $ENV{TCP} = 'tcp!127.0.0.1!' . kvfs->port;
    local $ENV{CERT} = "$tls/ok.crt";
    local $ENV{TLS_PORT} = $ENV{TEST_NGINX_TLS_PORT};
    local $ENV{D} = $d;
    delete local $ENV{TEN_TICKET};
    delete local $ENV{SSL_CERT_FILE};
    my ($cmd, @checks);
    for my $line (split /\n/, $block->cli . "\n\$ \n") {
        next if $line =~ /^\s*(#|$)/ && $line !~ /^\$ /;
        if ($line =~ /^\$ (.*)$/) {
            cli_check($cmd, \@checks, $d) if defined $cmd;
            ($cmd, @checks) = ($1);
            last if $cmd eq '';
        } elsif ($line =~ /^(\?|>!|>|!) (.*)$/) {
            push @checks, [$1, $2];
        } else {
            die "cli: cannot read line: $line\n";
        }
    }
}

sub cli_check {
    my ($cmd, $checks, $d) = @_;
    # built with ASan (make asan), 9p checks itself; valgrind cannot run it
    $cmd =~ s/valgrind (?:-\S+ )+//g if $ENV{TEN_SANITIZED};
    system('sh', '-c', "exec </dev/null; ( $cmd ) >'$d/out' 2>'$d/err'");
    my $rc = $? & 127 ? 128 + ($? & 127) : $? >> 8;
    my ($out, $err) = (slurp("$d/out"), slurp("$d/err"));
    my $want = 0;
    my $ok = 1;
    for (@$checks) {
        my ($kind, $re) = @$_;
        if ($kind eq '?') {
            $want = $re;
        } elsif ($kind eq '>') {
            $ok &= Test::More::like($out, qr/^(?:$re)$/m, "$cmd: stdout has /$re/");
        } elsif ($kind eq '>!') {
            $ok &= Test::More::unlike($out, qr/^(?:$re)$/m, "$cmd: stdout has no /$re/");
        } else {
            $ok &= Test::More::like($err, qr/^(?:$re)$/m, "$cmd: stderr has /$re/");
        }
    }
    $ok &= Test::More::is($rc, $want, "$cmd: exit status $want");
    Test::More::diag("stdout:\n$out\nstderr:\n$err") unless $ok;
}

__DATA__

=== TEST 1: login, adduser, a day's work in the home, logout
--- namespace
mount -c vfs /
mount factotum /dev/factotum
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        $TEST_NGINX_FACTOTUM
        ninep_ticket_cache 0;
    }
--- timeout: 60
--- log_level: info
--- no_error_log
without a close frame
left out of the namespace
--- cli
# login keeps the ticket path in the -t file, only for its owner
$ 9p -t $D/adm login adm < $ADMPW
> /priv/sessions/adm/[0-9a-f]{32}
$ cat $D/adm; stat -c %a $D/adm
> /priv/sessions/adm/[0-9a-f]{32}
> 600
$ echo wrong | 9p login adm
? 1
! 9p: login adm: authentication failed
$ TEN_TICKET=$D/adm 9p read /dev/user
> adm
$ printf '%s\n' 'ls /' 'mkdir /tmp/vg' 'stat /tmp/vg' 'rm /tmp/vg' 'read /nope' | TEN_TICKET=$D/adm valgrind -q --leak-check=full --error-exitcode=9 9p sh
? 1
> adm
> 'vg' 'adm' .*
! 9p: open /nope: file does not exist
# without a ticket: the bootstrap session's user
$ 9p read /dev/user
> none

# adduser: factotum, /adm/users, a home and its tmp owned by the user
$ echo ken-secret-1 | TEN_TICKET=$D/adm 9p adduser ken
! adduser ken: factotum adduser done
! adduser ken: password done
! adduser ken: /adm/users done
! adduser ken: home and tmp done
! adduser ken: owner done
$ grep '^ken:' $ROOT/adm/users
> ken:ken::
$ for f in usr/ken usr/ken/tmp; do getfattr --absolute-names --only-values -n user.ten.uid $ROOT/$f; echo; done
> ken
>! adm
$ TEN_TICKET=$D/adm 9p ls -ld /usr/ken /usr/ken/tmp
> d-rwxr-xr-x M \d+ ken +adm +0 .* /usr/ken
> d-rwx------ M \d+ ken +adm +0 .* /usr/ken/tmp
$ echo again | TEN_TICKET=$D/adm 9p adduser ken
? 1
! 9p: adduser ken: factotum adduser: .*exists.*
$ echo ken-secret-1 | 9p -t $D/ken login ken
> /priv/sessions/ken/[0-9a-f]{32}
$ echo x | TEN_TICKET=$D/ken 9p adduser joe
? 1
! 9p: adduser joe: factotum adduser: .*

# files: made, written, read, listed, copied, moved, removed; on disk too
$ TEN_TICKET=$D/ken 9p mkdir -p /usr/ken/a/b/c
$ test -d $ROOT/usr/ken/a/b/c && echo made
> made
$ echo hello world | TEN_TICKET=$D/ken 9p write /usr/ken/a/f
$ echo hi | TEN_TICKET=$D/ken 9p write /usr/ken/a/f; cat $ROOT/usr/ken/a/f
> hi
>! .*world.*
$ TEN_TICKET=$D/ken 9p read /usr/ken/a/f
> hi
$ TEN_TICKET=$D/ken 9p touch /usr/ken/a/empty; stat -c %s $ROOT/usr/ken/a/empty
> 0
$ TEN_TICKET=$D/ken 9p ls /usr/ken/a
> b
> empty
> f
$ TEN_TICKET=$D/ken 9p ls -l /usr/ken/a
> --rw-r--r-- M \d+ ken +\S+ +3 .* f
> d-rwxr-xr-x M \d+ ken +\S+ +0 .* b
$ TEN_TICKET=$D/ken 9p stat /usr/ken/a/f
> 'f' 'ken' '\S+' 'ken' q \([0-9a-f]{16} \d+ \) m 0644 at \d+ mt \d+ l 3 t 0 d 0
$ TEN_TICKET=$D/ken 9p cp /usr/ken/a/f /usr/ken/a/g; cat $ROOT/usr/ken/a/g
> hi
$ TEN_TICKET=$D/ken 9p cp /usr/ken/a/f /usr/ken/a/g /usr/ken/a/b; ls $ROOT/usr/ken/a/b
> c
> f
> g
$ TEN_TICKET=$D/ken 9p mv /usr/ken/a/g /usr/ken/a/h; ls $ROOT/usr/ken/a
> h
>! g
$ TEN_TICKET=$D/ken 9p mv /usr/ken/a/h /usr/ken/a/b/c; ls $ROOT/usr/ken/a $ROOT/usr/ken/a/b/c
> h
$ test -e $ROOT/usr/ken/a/h || echo gone
> gone
# as mv(1): an existing target is replaced
$ echo new | TEN_TICKET=$D/ken 9p write /usr/ken/a/b/f; TEN_TICKET=$D/ken 9p mv /usr/ken/a/b/f /usr/ken/a/b/g; ls $ROOT/usr/ken/a/b; cat $ROOT/usr/ken/a/b/g
> g
>! f
> new
$ TEN_TICKET=$D/ken 9p chmod 600 /usr/ken/a/f; TEN_TICKET=$D/ken 9p chmod g+w /usr/ken/a/empty
# (ten-vfs keeps the mode in hex)
$ for f in f empty; do getfattr --absolute-names --only-values -n user.ten.mode $ROOT/usr/ken/a/$f; echo; done
> 0+180
> 0+1b4
$ TEN_TICKET=$D/ken 9p chmod u+z /usr/ken/a/f
? 1
! 9p: chmod: bad mode "u\+z" .*
$ TEN_TICKET=$D/ken 9p chgrp ken /usr/ken/a/f; getfattr --absolute-names --only-values -n user.ten.gid $ROOT/usr/ken/a/f
> ken
$ TEN_TICKET=$D/ken 9p chgrp sys /usr/ken/a/f
? 1
! 9p: wstat /usr/ken/a/f: Operation not permitted
$ TEN_TICKET=$D/ken 9p chown adm /usr/ken/a/f
? 1
! 9p: wstat /usr/ken/a/f: Operation not permitted
$ TEN_TICKET=$D/adm 9p chown none /usr/ken/a/empty; getfattr --absolute-names --only-values -n user.ten.uid $ROOT/usr/ken/a/empty
> none
$ TEN_TICKET=$D/ken 9p rm /usr/ken/a
? 1
! 9p: remove /usr/ken/a: directory is not empty
$ TEN_TICKET=$D/ken 9p rm -r /usr/ken/a; test -e $ROOT/usr/ken/a || echo gone
> gone
$ TEN_TICKET=$D/ken 9p read /nope
? 1
! 9p: open /nope: file does not exist
$ TEN_TICKET=$D/ken 9p read /adm/users >/dev/null; TEN_TICKET=$D/ken 9p write /adm/users < /dev/null
? 1
! 9p: open /adm/users: permission denied

# the namespace: one per session, so bind lasts one `9p sh`
$ TEN_TICKET=$D/ken 9p ns
> mount -c vfs /
> mount factotum /dev/factotum
$ TEN_TICKET=$D/ken 9p mkdir /usr/ken/m /usr/ken/n; echo x | TEN_TICKET=$D/ken 9p write /usr/ken/n/inside
$ printf '%s\n' 'bind -a /usr/ken/n /usr/ken/m' 'ls /usr/ken/m' 'ns' 'unmount /usr/ken/m' "read '/usr/ken/m/inside'" | TEN_TICKET=$D/ken 9p sh
? 1
> inside
> bind -a /usr/ken/n /usr/ken/m
! 9p: open /usr/ken/m/inside: file does not exist
$ TEN_TICKET=$D/ken 9p ls /usr/ken/m
>! inside
$ printf '%s\n' 'mount -a factotum /usr/ken/m' 'ls /usr/ken/m' 'mount nosuch /usr/ken/m' | TEN_TICKET=$D/ken 9p sh
? 1
> rpc
> keys
! 9p: mount: unknown service "nosuch"

# write -l: a Twrite a line, as control files want
$ printf 'one\ntwo\n' | TEN_TICKET=$D/ken 9p write -l /usr/ken/n/lines; cat $ROOT/usr/ken/n/lines
> one
> two

# rdwr: what the file says, then a line of input written to it
$ printf 'one\n' | TEN_TICKET=$D/ken 9p write /usr/ken/n/r; printf 'two\n' | TEN_TICKET=$D/ken 9p rdwr /usr/ken/n/r; cat $ROOT/usr/ken/n/r
> one
> two

# logout: the ticket file goes, the ticket is refused
$ TEN_TICKET=$D/ken 9p logout; test -e $D/ken || echo gone
> gone
$ TEN_TICKET=$D/ken 9p ls /
? 1
! 9p: ticket file .*/ken does not exist: log in first with 9p -t .*/ken login USER
$ 9p -A "$(cat $D/adm)" -u adm logout; 9p -A "$(cat $D/adm)" -u adm ls /
? 1
! 9p: attach: .*ticket.*

# usage
$ 9p
? 2
! usage: 9p .*
$ 9p -h
> usage: 9p .*
>   ls \[-ld\] \[path...\]
$ 9p frob
? 1
! 9p: frob: unknown command .*
$ 9p ls -z /
? 2
! usage: 9p \[options\] ls \[-ld\] \[path...\]
$ 9p -a ws://127.0.0.1:1/9p ls /
? 1
! 9p: .*127.0.0.1.*refused.*


=== TEST 2: raw TCP straight to ten-vfs, as the kernel would (ten-auth-1)
--- cli
$ 9p -a $TCP -k $KEYS/kernel.key -T $KEYS/kernel.trust -u glenda ls /usr
> glenda
> alice
$ echo from-tcp | 9p -a $TCP -k $KEYS/kernel.key -T $KEYS/kernel.trust -u glenda write /usr/glenda/t; cat $ROOT/usr/glenda/t
> from-tcp
$ 9p -a $TCP -k $KEYS/kernel.key -T $KEYS/kernel.trust -u glenda read /dev/user
? 1
! 9p: open /dev/user: file does not exist
$ 9p -a "tcp!127.0.0.1!$(echo $TCP | cut -d'!' -f3)" -k $KEYS/kernel.key -T $KEYS/kernel.trust -S vfs2 -u glenda ls /
? 1
! 9p: .*vfs2.*
# a ticket is the kernel's: TEN_TICKET does not go to a service
$ TEN_TICKET=$D/nothing 9p -a $TCP -k $KEYS/kernel.key -T $KEYS/kernel.trust -u glenda ls /usr/glenda
> t
# no read out of bounds, nothing left allocated, on success and failure
$ valgrind -q --leak-check=full --error-exitcode=9 9p -a $TCP -k $KEYS/kernel.key -T $KEYS/kernel.trust -u glenda read /usr/glenda/t
> from-tcp
$ valgrind -q --leak-check=full --error-exitcode=9 9p -a $TCP -k $KEYS/kernel.key -T $KEYS/kernel.trust -u nobody ls /
? 1
! 9p: attach nobody: .*
$ 9p -a $TCP -u glenda ls /
? 1
! 9p: attach: authentication required to attach as glenda
$ 9p -a $TCP -k $KEYS/rogue.key -T $KEYS/kernel.trust -u glenda ls /
? 1
! 9p: .*
$ 9p -a $TCP -k $KEYS/kernel.key -u glenda ls /
? 2
! 9p: -k needs -T: a trust file with the server's key



=== TEST 3: wss:// through nginx's TLS: the certificate checked, as a browser would
--- http_config
    $TEST_NGINX_UPSTREAMS
    server {
        listen 127.0.0.1:$TEST_NGINX_TLS_PORT ssl;
        ssl_certificate $TEST_NGINX_TLS/ok.crt;
        ssl_certificate_key $TEST_NGINX_TLS/ok.key;
        location = /9p {
            ninep;
            $TEST_NGINX_KERNEL
            ninep_service vfs ten_vfs boot;
            $TEST_NGINX_FACTOTUM
        }
    }
--- namespace
mount -c vfs /
mount factotum /dev/factotum
--- cli
$ SSL_CERT_FILE=$CERT 9p -a $WSS -t $D/adm login adm < $ADMPW
> /priv/sessions/adm/[0-9a-f]{32}
$ SSL_CERT_FILE=$CERT valgrind -q --leak-check=full --error-exitcode=9 9p -a $WSS -t $D/adm ls -l /
> d.* adm +adm +0 .* usr
$ head -c 300000 /dev/urandom > $D/big; SSL_CERT_FILE=$CERT 9p -a $WSS -t $D/adm write /tmp/big < $D/big; SSL_CERT_FILE=$CERT 9p -a $WSS -t $D/adm read /tmp/big | cmp - $D/big && cmp $D/big $ROOT/tmp/big && echo same
> same
# a certificate nobody vouched for
$ 9p -a $WSS read /dev/user
? 1
! 9p: dial wss://127.0.0.1:\d+/9p: TLS: the server's certificate: self-signed certificate
# trusted, but made for 127.0.0.1, not for localhost
$ SSL_CERT_FILE=$CERT 9p -a wss://localhost:$TLS_PORT/9p read /dev/user
? 1
! 9p: .*localhost.*
# no WebSocket there
$ SSL_CERT_FILE=$CERT 9p -a wss://127.0.0.1:$TLS_PORT/nope read /dev/user
? 1
! 9p: .*404.*
