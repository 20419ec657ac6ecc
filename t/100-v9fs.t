# Linux's own 9P client (v9fs, 9P2000, trans=fd) in a QEMU guest against
# ten-vfs directly (as none, in /tmp) and against the kernel's raw 9P
# endpoint (ngx_stream_9p_module; as glenda, with a ticket as the attach
# name, in her home): a POSIX
# workload with checksums -- create, append, truncate, rename, chmod,
# mkdir/rmdir, a 4 MiB file, 200 small files, a 600-entry directory,
# concurrent writers, touch -d, cp -p, rm -r (t/v9fs/workload.sh).  The
# guest has no network: 9P reaches the host over virtio-serial ports.
# Needs Debian's qemu-system-x86, linux-image-amd64 and busybox-static
# (make deps installs them); skipped with a message without them.
# `make test-v9fs` runs this file alone.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Digest::MD5;

$ENV{TEST_NGINX_TCP_PORT} = Test::Ten::free_port();

my @VERSIONS = map { m{/lib/modules/(.+)} ? $1 : () } glob '/lib/modules/*';
my ($KERNEL) = grep { -f "/boot/vmlinuz-$_" } reverse sort @VERSIONS;
my $QEMU = '/usr/bin/qemu-system-x86_64';
if (!-x $QEMU || !$KERNEL || !-x '/bin/busybox') {
    plan(skip_all => 'needs qemu-system-x86, linux-image-amd64 and busybox-static (make deps)');
}

kernel_each_block();
run_tests();

sub md5_of {
    open my $fh, '<', $_[0] or return "missing $_[0]";
    binmode $fh;
    return Digest::MD5->new->addfile($fh)->hexdigest;
}

# Boots the guest; its console as lines.
sub boot {
    my (%o) = @_;
    my $initrd = Test::Ten::servroot() . '/initrd.gz';
    system('t/v9fs/mkinitrd.sh', $KERNEL, $initrd) == 0 or die "mkinitrd failed";
    my @cmd = ($QEMU, '-accel', $ENV{TEN_V9FS_ACCEL} || 'tcg', '-m', '512',
        '-nographic', '-no-reboot', '-nic', 'none',
        '-kernel', "/boot/vmlinuz-$KERNEL", '-initrd', $initrd,
        '-append', "console=ttyS0 panic=-1 loglevel=4 ten.ticket=$o{ticket}",
        '-device', 'virtio-serial-pci',
        '-chardev', "socket,id=vfs,host=127.0.0.1,port=$o{vfs_port}",
        '-device', 'virtserialport,chardev=vfs,name=vfs',
        '-chardev', "socket,id=kernel,host=127.0.0.1,port=$o{kernel_port}",
        '-device', 'virtserialport,chardev=kernel,name=kernel');
    open my $q, '-|', 'sh', '-c', 'exec timeout 300 "$@" 2>&1', 'qemu', @cmd
        or die "qemu: $!";
    my $out = do { local $/; <$q> };
    close $q;
    open my $log, '>', Test::Ten::servroot() . '/guest.log';
    print $log $out;
    return map { s/\r//gr } split /\n/, $out;
}

__DATA__

=== TEST 1: Linux lists, writes, truncates, touches and removes through ten-vfs and through the kernel
--- timeout: 400
--- stream_config
    server {
        listen 127.0.0.1:$TEST_NGINX_TCP_PORT;
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
    }
--- perl
my @lines = main::boot(ticket => $ENV{TEST_NGINX_TICKET}, vfs_port => kvfs()->port,
                       kernel_port => $ENV{TEST_NGINX_TCP_PORT});
my %value;
for (grep { /^VALUE / } @lines) {
    my (undef, $t, $name, $v) = split / /, $_, 4;
    $value{$t}{$name} = $v // '';
}
for my $t (qw(vfs kernel)) {
    ok((grep { /MOUNT $t ok$/ } @lines), "$t: Linux mounts it");
    my @steps = grep { /^STEP $t / } @lines;
    cmp_ok(scalar @steps, '>=', 24, "$t: the workload ran (" . scalar(@steps) . ' steps)');
    for (@steps) {
        my (undef, undef, $name, $res, $why) = split / /, $_, 5;
        is($res, 'ok', "$t: $name") or diag($why);
    }
    ok((grep { $_ eq "WORKLOAD $t done" } @lines), "$t: the workload finished");
}
my %dir = (vfs => kvfs()->path('tmp/linux'), kernel => kvfs()->path('usr/glenda/linux'));
for my $t (qw(vfs kernel)) {
    is(main::md5_of("$dir{$t}/big"), $value{$t}{'big-md5'}, "$t: the 4 MiB file on disk is what Linux wrote");
    is(main::md5_of("$dir{$t}/w1"), $value{$t}{'w1-md5'}, "$t: a concurrent writer's file on disk");
    ok(!-e "$dir{$t}/many" && !-e "$dir{$t}/small", "$t: rm -r removed both trees on disk");
}
is((stat "$dir{kernel}/c")[9], $value{kernel}{'c-mtime'}, 'kernel: touch -d set the mtime on disk');
is(Ten::VFS::disk_xattr("$dir{kernel}/c", 'user.ten.mode'), sprintf('%08x', 0640),
   'kernel: chmod 640 is the Plan 9 mode on disk');
is(Ten::VFS::disk_xattr("$dir{kernel}/c", 'user.ten.uid'), 'glenda', "kernel: the files are glenda's");
diag("appended lines of two concurrent appenders (9P2000 has no append offset): "
     . "vfs $value{vfs}{'appended-lines'}, kernel $value{kernel}{'appended-lines'}");
