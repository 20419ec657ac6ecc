# `make run`'s script (tools/run.sh) on a fresh var/ and loopback ports:
# it starts ten-vfs, ten-factotum and nginx with conf/nginx.conf, says
# where adm's password is, and a person logs in with it through
# the 9p command; a second start reuses var/; `stop` stops everything.

use strict;
use warnings;
use lib 't/lib';
use Test::Ten 'no_nginx';
use Test::More;
use Cwd qw(abs_path);
use File::Path qw(remove_tree);
use HTTP::Tiny;

my $build = $ENV{TEN_BUILD} || abs_path('build');
plan skip_all => "$build/ten-factotum is missing (run `make progs`)"
    unless -x "$build/ten-factotum";

my $var = abs_path('t') . '/servroot/042-var';
remove_tree($var);
local $ENV{TEN_VAR} = $var;
local $ENV{TEN_BUILD} = $build;
local $ENV{TEN_NGINX} = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
local $ENV{TEN_PORT} = Test::Ten::free_port();
local $ENV{TEN_VFS_PORT} = Test::Ten::free_port();
local $ENV{TEN_FACTOTUM_PORT} = Test::Ten::free_port();
local $ENV{TEN_SSR_PORT} = Test::Ten::free_port();
my $url = "ws://127.0.0.1:$ENV{TEN_PORT}/9p";
# 9p finds the kernel through $TEN_PORT, as the README says
my $nine = "$build/9p";
my $tk = "$var/adm.ticket";

sub sh { my $out = `@_ 2>&1`; return ($? >> 8, $out) }

my ($rc, $out) = sh('tools/run.sh start');
is($rc, 0, 'run.sh start') or diag($out);
like($out, qr{\Q$url\E}, 'it prints the URL');
like($out, qr{adm's password is in \Q$var\E/factotum/store/adm\.password}, 'and where adm\'s password is');
like($out, qr/make stop/, 'and how to stop');
is((stat "$var/factotum/store")[2] & 07777, 0700, 'the key store is 0700');

my $pw = "$var/factotum/store/adm.password";
my ($ticket);
($rc, $ticket) = sh("$nine -t $tk login adm < $pw");
is($rc, 0, '9p login adm with the printed password') or diag($ticket);
chomp $ticket;
like($ticket, qr{^/priv/sessions/adm/[0-9a-f]{32}$}, 'a ticket path');
($rc, $out) = sh("$nine -t $tk read /dev/user");
is($out, 'adm', 'a session with it is adm\'s');
($rc, $out) = sh("echo hello | $nine -t $tk write /tmp/hello");
is($rc, 0, 'adm writes /tmp/hello') or diag($out);
is(do { local $/; open my $fh, '<', "$var/vfs/root/usr/adm/tmp/hello" or die; <$fh> }, "hello\n",
    'it is on disk in adm\'s own tmp (the skeleton\'s /lib/namespace binds it at /tmp)');
ok(!-e "$var/vfs/root/tmp/hello", 'not in the shared one');
($rc, $out) = sh("$nine -t $tk read /view/usr/adm/tmp/hello");
like($out, qr{<title>/usr/adm/tmp/hello</title>.*<span class="ln">1</span>hello\n}s, 'ten-ssr shows it at /view/usr/adm/tmp/hello') or diag($out);
($rc, $out) = sh("$nine -t $tk ls /dev");
like($out, qr/^factotum$/m, '/dev/factotum is there');
($rc, $out) = sh("echo wrong | $nine login adm");
like($out, qr/^9p: login adm: authentication failed$/m, 'a wrong password is refused');

my $status = HTTP::Tiny->new->get("http://127.0.0.1:$ENV{TEN_PORT}/status");
like($status->{content}, qr/^  websocket: .* [1-9]\d* since start$/m, 'the status page counts the sessions');
like($status->{content}, qr/^sessions listed \(0 more had no room\):$/m, 'and lists them (conf/nginx.conf says ninep_status sessions)');
my $sessions = do { local $/; open my $fh, '<', "$var/nginx/logs/9p.log" or die; <$fh> };
like($sessions, qr/ user=adm attach=ticket requests=\d+ errors=0 .* close="client 1000"$/m,
    'a line a session in logs/9p.log');

my $errors = do { local $/; open my $fh, '<', "$var/nginx/logs/error.log" or die; <$fh> };
unlike($errors, qr/left out of the namespace/, 'every login (adm, none) has its own /tmp to bind');

my $pass = do { local $/; open my $fh, '<', $pw or die; <$fh> };
($rc, $out) = sh('tools/run.sh start');
is($rc, 0, 'a second start while running');
is(do { local $/; open my $fh, '<', $pw or die; <$fh> }, $pass, 'it reuses var/: the same adm password');
($rc, $out) = sh('tools/run.sh stop');
like($out, qr/ten: stopped/, 'stop');
ok(!-e "$var/vfs/pid" && !-e "$var/factotum/pid" && !-e "$var/ssr/pid", 'the services are gone');

($rc, $out) = sh('tools/run.sh start');
is($rc, 0, 'started again from var/');
($rc, $out) = sh("$nine login adm < $pw");
is($rc, 0, 'the same password logs in after a restart') or diag($out);
my $log = do { local $/; open my $fh, '<', "$var/factotum/log" or die; <$fh> };
is(scalar(() = $log =~ /first start/g), 1, 'adm was made only once');
sh('tools/run.sh stop');

done_testing();
