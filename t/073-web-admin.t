# The administrator's pages of the web UI (web/admin.js) in Debian's
# chromium, driven by playwright-core (web/test/admin.mjs): a user added
# in one step logs in and works in a home and a private /tmp (the
# skeleton's `bind -c /usr/$user/tmp /tmp`), a password reset, groups, a
# key rotation, revoked tickets, a removed user, and a user outside adm
# who sees no Admin link and whom factotum refuses.  Screenshots go to
# t/servroot/073-web-admin/shots/.

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

=== TEST 1: adm adds a working user from the browser
--- namespace
mount -c vfs /
mount factotum /dev/factotum
bind -c /usr/$user/tmp /tmp
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        $TEST_NGINX_FACTOTUM
        ninep_ticket_cache 0;
    }
    $TEST_NGINX_WEB_UI
--- timeout: 180
--- perl
my $v = kvfs;
plant_file($v, 'tmp/shared', "everyone's\n", uid => 'adm', gid => 'adm', mode => 0666);
browser_scenarios('web/test/admin.mjs');
