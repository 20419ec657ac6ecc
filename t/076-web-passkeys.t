# Passkeys (WebAuthn) in the web UI (web/account.js and the login page)
# in Debian's chromium with its virtual authenticator, driven by
# playwright-core (web/test/passkeys.mjs) against ten-factotum with
# `-R localhost -O http://localhost:PORT` (the page is opened at
# localhost: an IP address is no rp id): adm adds a named passkey on the
# account page (listed, in factotum's store), is told plainly when the
# authenticator is already registered or the request is cancelled, logs
# in with it alone (discoverable) and with the user name typed, removes
# it (asked first) and is then refused; factotum's own words for a
# passkey removed elsewhere; a browser without WebAuthn.  Without -R the
# login page offers no passkey (web/test/passkeys-off.mjs); with -U an
# authenticator that cannot verify its user will do
# (web/test/passkeys-presence.mjs).  Screenshots
# go to t/servroot/076-web-passkeys/shots/.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Ten::Browser;

add_block_preprocessor(sub {
    my $b = shift;
    my $uv = $b->name =~ /-U/ ? ' -U' : '';
    $b->set_value(factotum => '-D 100 -R localhost -O ' . browser_origin('localhost') . $uv)
        unless defined $b->factotum;
    # every block: the files and factotum, and the web UI
    $b->set_value(namespace => "mount vfs /\nmount factotum /dev/factotum\n");
    $b->set_value(config => <<'CONF');
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        $TEST_NGINX_FACTOTUM
    }
    $TEST_NGINX_WEB_UI
CONF
});
kernel_each_block();
run_tests();

__DATA__

=== TEST 1: add, use and remove a passkey in the browser
--- timeout: 240
--- perl
local $ENV{TEN_BROWSER_HOST} = 'localhost';
local $ENV{TEN_FACTOTUM_STORE} = kfactotum()->store;
browser_scenarios('web/test/passkeys.mjs');



=== TEST 2: without -R, no passkey is offered
--- factotum: -D 100
--- timeout: 120
--- perl
local $ENV{TEN_BROWSER_HOST} = 'localhost';
browser_scenarios('web/test/passkeys-off.mjs');



=== TEST 3: with -U, a passkey without user verification
--- timeout: 120
--- perl
local $ENV{TEN_BROWSER_HOST} = 'localhost';
browser_scenarios('web/test/passkeys-presence.mjs');
