# make install into a DESTDIR: the module where Debian's nginx loads
# modules from, the services, 9p and its man page, the skeleton the
# installed ten-vfs seeds from, the web UI; nginx -t accepts the installed
# module; an installed ten-vfs seeds a root; make uninstall takes it all
# away again.

use strict;
use warnings;
use lib 't/lib';
use Test::Ten 'no_nginx';
use Test::More;
use Cwd qw(abs_path);
use File::Path qw(remove_tree make_path);
use File::Find;

my $build = $ENV{TEN_BUILD} || abs_path('build');
plan skip_all => 'make install builds into build/ (not TEN_BUILD)'
    if $build ne abs_path('build');

my $dest = abs_path('t') . '/servroot/075-dest';
remove_tree($dest);
sub sh { my $out = `@_ 2>&1`; return ($? >> 8, $out) }

my ($rc, $out) = sh("make install DESTDIR=$dest PREFIX=/opt/ten");
is($rc, 0, 'make install') or diag($out);
like($out, qr{load_module /usr/lib/nginx/modules/ngx_http_9p_module\.so}, 'it says how to load the module');

my %want = (
    'usr/lib/nginx/modules/ngx_http_9p_module.so' => 0644,
    'usr/lib/nginx/modules/ngx_stream_9p_module.so' => 0644,
    'opt/ten/sbin/ten-vfs' => 0755, 'opt/ten/sbin/ten-factotum' => 0755,
    'opt/ten/sbin/ten-ssr' => 0755, 'opt/ten/sbin/ten-setup' => 0755,
    'opt/ten/bin/9p' => 0755,
    'opt/ten/bin/ten-key' => 0755, 'opt/ten/share/man/man1/9p.1' => 0644,
    'opt/ten/share/ten/web/index.html' => 0644, 'opt/ten/share/ten/web/ninep.js' => 0644,
    'opt/ten/share/ten/skel/lib/namespace' => 0644,
    'opt/ten/share/ten/skel.perms' => 0644,
    'opt/ten/share/ten/examples/nginx.conf' => 0644,
);
for my $f (sort keys %want) {
    my @st = stat "$dest/$f";
    is(@st ? sprintf('%o', $st[2] & 07777) : 'missing', sprintf('%o', $want{$f}), "$f installed, mode");
}

($rc, $out) = sh("$dest/opt/ten/bin/9p -h");
like($out, qr/^usage: 9p /, 'the installed 9p runs');
($rc, $out) = sh("$dest/opt/ten/sbin/ten-setup -h");
is($rc, 2, 'ten-setup -h: exit 2');
like($out, qr/^usage: ten-setup /, 'with its usage');
($rc, $out) = sh("$dest/opt/ten/sbin/ten-vfs -h");
like($out, qr{-s SKEL +skeleton tree \(default /opt/ten/share/ten/skel\)}, 'the installed ten-vfs seeds from the installed skeleton');
($rc, $out) = sh("$build/ten-vfs -h");
like($out, qr{\(default \Q${\ abs_path('conf/skel')}\E\)}, 'the build tree\'s from the tree\'s');
($rc, $out) = sh("groff -man -ww -z $dest/opt/ten/share/man/man1/9p.1");
is($out, '', 'the man page formats without a warning');

# nginx -t with the installed module
my $prefix = "$dest/nginx";
make_path("$prefix/conf", "$prefix/logs");
# a ninep location needs a boot service, which needs the kernel's key
# and a trust file
($rc, $out) = sh("$dest/opt/ten/bin/ten-key gen kernel $prefix/conf/kernel.key");
is($rc, 0, 'the installed ten-key makes a key') or diag($out);
($rc, $out) = sh("$dest/opt/ten/bin/ten-key gen vfs $prefix/conf/vfs.key");
open my $fh, '>', "$prefix/conf/kernel.trust" or die;
print $fh $out;
close $fh;
open $fh, '>', "$prefix/conf/nginx.conf" or die;
print $fh "load_module $dest/usr/lib/nginx/modules/ngx_http_9p_module.so;\n",
    "load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n",
    "load_module $dest/usr/lib/nginx/modules/ngx_stream_9p_module.so;\n",
    "error_log logs/error.log;\npid logs/nginx.pid;\nevents {}\n",
    "http { upstream ten_vfs { server 127.0.0.1:1; }\n",
    "  server { listen 127.0.0.1:1; location = /9p { ninep;\n",
    "    ninep_identity kernel.key; ninep_trust kernel.trust;\n",
    "    ninep_service vfs ten_vfs boot; } } }\n",
    "stream { server { listen 127.0.0.1:2; ninep;\n",
    "    ninep_identity kernel.key; ninep_trust kernel.trust;\n",
    "    ninep_service vfs ten_vfs boot; } }\n";
close $fh;
my $nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
($rc, $out) = sh("$nginx -t -p $prefix -c conf/nginx.conf");
is($rc, 0, 'nginx -t loads the installed modules, the raw 9P one too') or diag($out);

($rc, $out) = sh("make uninstall DESTDIR=$dest PREFIX=/opt/ten");
is($rc, 0, 'make uninstall') or diag($out);
my @left;
find(sub { push @left, $File::Find::name if -f $_ }, "$dest/opt", "$dest/usr");
is("@left", '', 'nothing installed is left');
remove_tree($dest);

done_testing();
