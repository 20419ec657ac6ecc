# The console pane of the web UI (web/console.js) in Debian's chromium,
# driven by playwright-core (web/test/console.mjs): commands typed and
# their output read, their effects checked on ten-vfs's disk, history,
# Tab completion, rc quoting, errors in the server's words, the
# namespace shared with the file browser.  Screenshots go to
# t/servroot/072-web-console/shots/.

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

=== TEST 1: a Plan 9 user's commands in the browser
--- namespace
mount vfs /
mount factotum /dev/factotum
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        $TEST_NGINX_FACTOTUM
    }
    $TEST_NGINX_WEB_UI
--- timeout: 180
--- perl
my $v = kvfs;
plant_file($v, 'tmp/hello.txt', "hello\n", uid => 'adm', gid => 'adm', mode => 0644);
plant_file($v, 'usr/adm/notes', "mine\n", uid => 'adm', gid => 'adm', mode => 0644);
browser_scenarios('web/test/console.mjs');
