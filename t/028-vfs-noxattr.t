# ten-vfs refuses a root on a file system without user extended
# attributes (ramfs here), with a message that says so.  Needs root to
# mount; skipped elsewhere.

use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);

my $build = $ENV{TEN_BUILD} or plan skip_all => 'TEN_BUILD is not set';
plan skip_all => 'mounting ramfs needs root' if $> != 0;

my $dir = tempdir(CLEANUP => 1);
mkdir "$dir/ram" or die "mkdir: $!";

if (system("mount -t ramfs none $dir/ram 2>/dev/null") != 0) {
    plan skip_all => 'cannot mount ramfs here';
}

mkdir "$dir/ram/root";
system("$build/ten-key gen vfs $dir/vfs.key > /dev/null") == 0
    or die 'ten-key gen failed';
open my $t, '>', "$dir/trust" or die "trust: $!";
print $t "kernel AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
close $t;

my $out = `$build/ten-vfs -r $dir/ram/root -l 127.0.0.1:1 -k $dir/vfs.key -t $dir/trust 2>&1`;
my $status = $? >> 8;

system("umount $dir/ram");

is($status, 1, 'ten-vfs exits with status 1');
like($out, qr{root \S+/ram/root: the file system does not support user extended attributes},
     'and says why, naming the root');

done_testing();
