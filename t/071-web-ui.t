# The web UI (web/) in Debian's chromium, headless, driven by
# playwright-core (web/test/ui.mjs), against nginx with the module serving
# web/ and /9p, ten-vfs, ten-factotum and ten-ssr: login (a wrong password
# first), browse, a name that looks like HTML, a text file, Markdown from
# ten-ssr in a sandboxed iframe, reload, an error, logout.  Screenshots go
# to t/servroot/071-web-ui/shots/.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Cwd qw(abs_path);

$ENV{TEST_NGINX_WEB} = abs_path('web');
add_block_preprocessor(sub {
    my $b = shift;
    $b->set_value(factotum => '-D 100') unless defined $b->factotum;
});
kernel_each_block();
run_tests();

__DATA__

=== TEST 1: log in, browse, view, log out
--- ssr
--- namespace
mount vfs /
mount factotum /dev/factotum
mount ssr /view
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        $TEST_NGINX_FACTOTUM
        $TEST_NGINX_SSR
    }
    location / {
        root $TEST_NGINX_WEB;
        types { text/html html; text/css css; text/javascript js; image/svg+xml svg; }
        add_header Content-Security-Policy "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; frame-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'" always;
        add_header X-Content-Type-Options nosniff always;
    }
--- timeout: 180
--- perl
my $v = kvfs;
plant_file($v, 'tmp/hello.txt', "hello\nworld\n", uid => 'adm', gid => 'adm', mode => 0644);
plant_file($v, 'tmp/readme.md', "# A title\n\nSome *text*.\n", uid => 'adm', gid => 'adm', mode => 0644);
plant_file($v, 'tmp/<img src=x onerror=alert(1)>', "x", uid => 'adm', gid => 'adm', mode => 0644);
my $shots = Test::Ten::servroot() . '/shots';
mkdir $shots;
unlink glob "$shots/done-*";
local $ENV{TEN_URL} = 'http://127.0.0.1:' . Test::Ten::server_port() . '/';
local $ENV{TEN_ADM_PASSWORD} = kfactotum()->adm_password;
local $ENV{TEN_VFS_ROOT} = $v->path('');
local $ENV{TEN_SHOTS} = $shots;
# the browser side asks for what only this side can do: ACTION N WHAT
my %do = (
    'reload nginx'    => sub { kill HUP => Test::Ten::master_pid() },
    'restart ten-vfs' => sub { kvfs->stop; kvfs->start },
);
open(my $node, '-|', 'node --experimental-websocket --no-warnings web/test/ui.mjs 2>&1')
    or die "node: $!";
my $out = '';
while (my $line = <$node>) {
    $out .= $line;
    if ($line =~ /^ACTION (\d+) (.+)$/) {
        ($do{$2} or die "unknown action $2")->();
        open my $fh, '>', "$shots/done-$1" or die;
        close $fh;
    }
}
close $node;
is($? >> 8, 0, 'the browser scenarios pass') or diag($out);
like($out, qr/all passed/, 'every scenario ran');
