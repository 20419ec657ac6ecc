package Ten::Browser;

# Runs a browser scenario script (web/test/*.mjs: playwright-core driving
# Debian's chromium) against the block's running system and checks that
# it passed.  The script gets TEN_URL, TEN_ADM_PASSWORD, TEN_VFS_ROOT and
# TEN_SHOTS (t/servroot/<suite>/shots) and may ask this side for what only
# it can do by printing "ACTION N WHAT": $do{WHAT} runs, then the file
# TEN_SHOTS/done-N tells the script it is done.
#   browser_scenarios('web/test/ui.mjs', 'restart ten-vfs' => sub { ... });

use strict;
use warnings;
use Exporter 'import';
use Test::More;
use Ten::Kernel;

our @EXPORT = qw(browser_scenarios);

sub browser_scenarios {
    my ($script, %do) = @_;
    my $shots = Test::Ten::servroot() . '/shots';
    mkdir $shots;
    unlink glob "$shots/done-*";
    local $ENV{TEN_URL} = 'http://127.0.0.1:' . Test::Ten::server_port() . '/';
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
