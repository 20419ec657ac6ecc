package Ten::Browser;

# Runs a browser scenario script (web/test/*.mjs: playwright-core driving
# Debian's chromium) against the block's running system and checks that
# it passed.  The script gets TEN_URL, TEN_ADM_PASSWORD, TEN_VFS_ROOT and
# TEN_SHOTS (t/servroot/<suite>/shots) and may ask this side for what only
# it can do by printing "ACTION N WHAT": $do{WHAT} runs, then the file
# TEN_SHOTS/done-N tells the script it is done.
#   browser_scenarios('web/test/ui.mjs', 'restart ten-vfs' => sub { ... });
#
# The page is opened at http://127.0.0.1:PORT/ unless $ENV{TEN_BROWSER_HOST}
# names another host for the same nginx (WebAuthn needs a host name:
# `localhost`); browser_origin() is that origin, e.g. for factotum's -O:
#   local $ENV{TEN_BROWSER_HOST} = 'localhost';
#   browser_scenarios('web/test/passkeys.mjs');

use strict;
use warnings;
use Exporter 'import';
use Test::More;
use Ten::Kernel;

our @EXPORT = qw(browser_scenarios browser_origin);

# http://HOST:PORT, the origin the page is opened at (no slash).
sub browser_origin {
    my ($host) = @_;
    $host //= $ENV{TEN_BROWSER_HOST} // '127.0.0.1';
    return "http://$host:" . Test::Ten::server_port();
}

sub browser_scenarios {
    my ($script, %do) = @_;
    my $shots = Test::Ten::servroot() . '/shots';
    mkdir $shots;
    unlink glob "$shots/done-*";
    local $ENV{TEN_URL} = browser_origin() . '/';
    local $ENV{TEN_ADM_PASSWORD} = kfactotum()->adm_password;
    local $ENV{TEN_VFS_ROOT} = kvfs->path('');
    local $ENV{TEN_SHOTS} = $shots;
    open(my $node, '-|', "node --experimental-websocket --no-warnings $script 2>&1")
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
    is($? >> 8, 0, "$script: the browser scenarios pass") or diag($out);
    like($out, qr/all passed/, "$script: every scenario ran");
}

1;
