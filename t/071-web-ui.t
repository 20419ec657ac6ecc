# The web UI (web/) in Debian's chromium, headless, driven by
# playwright-core (web/test/ui.mjs), against nginx with the module serving
# web/ and /9p, ten-vfs, ten-factotum and ten-ssr: login (a wrong password
# first), browse, a name that looks like HTML, a text file, Markdown from
# ten-ssr in a sandboxed iframe, reload, an error, logout.  Screenshots go
# to t/servroot/071-web-ui/shots/.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Ten::Browser;

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
    $TEST_NGINX_WEB_UI
--- timeout: 180
--- perl
my $v = kvfs;
plant_file($v, 'tmp/hello.txt', "hello\nworld\n", uid => 'adm', gid => 'adm', mode => 0644);
plant_file($v, 'tmp/readme.md', "# A title\n\nSome *text*.\n", uid => 'adm', gid => 'adm', mode => 0644);
plant_file($v, 'tmp/<img src=x onerror=alert(1)>', "x", uid => 'adm', gid => 'adm', mode => 0644);
browser_scenarios('web/test/ui.mjs',
    'reload nginx'    => sub { kill HUP => Test::Ten::master_pid() },
    'restart ten-vfs' => sub { kvfs->stop; kvfs->start },
);
