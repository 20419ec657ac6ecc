package Ten::Boot;

# A boot service for the suites of the WebSocket and 9P layers that run
# without services (t/001 to t/006): `nginx -t` refuses a `ninep` location
# without a `ninep_service ... boot`, so they declare one that nothing
# answers.  The kernel dials a service only for an attach, so a session
# that never attaches never connects; a bootstrap attach finds the boot
# service away and gets the rescue namespace, a ticket attach an Rerror.
#
#   use lib 't/lib';
#   use Test::Ten;
#   use Ten::Boot;
#   boot_each_block();
#   run_tests();
#   __DATA__
#   === TEST 1: ...
#   --- config
#       location = /9p { ninep; $TEST_NGINX_BOOT ninep_msize 1024; }
#
# Per test file, in servroot/boot: the kernel's identity and a trust file
# with a key for vfs (`ten-key gen`, from $TEN_BUILD or build/).
#   $TEST_NGINX_BOOT_KEYS      the ninep_identity and ninep_trust lines
#   $TEST_NGINX_BOOT           those and `ninep_service vfs ten_boot boot;`
#   $TEST_NGINX_BOOT_UPSTREAM  `upstream ten_boot` at 127.0.0.1:1, where
#                              no one listens; the http_config of every
#                              block that has none of its own

use strict;
use warnings;
use Exporter 'import';
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use Test::More ();
use Test::Ten ();

our @EXPORT = qw(boot_each_block);

my $T_DIR = dirname(dirname(dirname(abs_path(__FILE__))));    # t/
my $BUILD = $ENV{TEN_BUILD} || dirname($T_DIR) . '/build';

sub boot_each_block {
    Test::More::plan(
        skip_all => "$BUILD/ten-key is missing (run `make progs`)")
        unless -x "$BUILD/ten-key";
    my $dir = Test::Ten::servroot() . '/boot';
    make_path($dir);
    my %pk;
    for my $name (qw(kernel vfs)) {
        my $out = `'$BUILD/ten-key' gen $name '$dir/$name.key' 2>&1`;
        die "ten-key gen $name: $out" if $? || $out !~ /^\Q$name\E (\S+)$/m;
        $pk{$name} = $1;
    }
    open my $fh, '>', "$dir/kernel.trust" or die "$dir/kernel.trust: $!";
    print $fh "vfs $pk{vfs}\n";
    close $fh or die "$dir/kernel.trust: $!";
    $ENV{TEST_NGINX_BOOT_KEYS} = "ninep_identity $dir/kernel.key; "
        . "ninep_trust $dir/kernel.trust;";
    $ENV{TEST_NGINX_BOOT} =
        "$ENV{TEST_NGINX_BOOT_KEYS} ninep_service vfs ten_boot boot;";
    $ENV{TEST_NGINX_BOOT_UPSTREAM} =
        'upstream ten_boot { server 127.0.0.1:1; }';
    Test::Ten::add_block_preprocessor(sub {
        my ($block) = @_;
        $block->set_value(http_config => "    \$TEST_NGINX_BOOT_UPSTREAM\n")
            unless defined $block->http_config;
    });
}

1;
