package Ten::TLS;

# Certificates for the suites that speak TLS between the tiers, made by
# openssl in a directory of the test's: a CA, certificates it signs for a
# name, self-signed ones.  P-256 keys; two days of validity.
#
#   my $dir = Ten::TLS::make_ca($dir);          # $dir/ca.crt, ca.key
#   Ten::TLS::make_cert($dir, 'vfs', 'vfs.ten');      # vfs.crt, vfs.key
#   Ten::TLS::make_cert($dir, 'self', 'vfs.ten', 1);  # self-signed

use strict;
use warnings;

sub openssl {
    my $cmd = join ' ', 'openssl', @_;
    my $out = `$cmd 2>&1`;
    die "$cmd: $out" if $?;
}

sub make_ca {
    my ($dir) = @_;
    openssl("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2",
        "-subj /CN=ten-test-ca -keyout $dir/ca.key -out $dir/ca.crt");
    return $dir;
}

# A key and a certificate for $name in $dir/$file.{key,crt}: signed by
# the CA of $dir, or by itself.
sub make_cert {
    my ($dir, $file, $name, $self_signed) = @_;
    if ($self_signed) {
        openssl("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes",
            "-days 2 -subj /CN=$name -addext subjectAltName=DNS:$name",
            "-keyout $dir/$file.key -out $dir/$file.crt");
        return;
    }
    openssl("req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes",
        "-subj /CN=$name -keyout $dir/$file.key -out $dir/$file.csr");
    open my $fh, '>', "$dir/$file.ext" or die "$dir/$file.ext: $!";
    print $fh "subjectAltName=DNS:$name\n";
    close $fh;
    openssl("x509 -req -in $dir/$file.csr -CA $dir/ca.crt -CAkey $dir/ca.key",
        "-CAcreateserial -days 2 -extfile $dir/$file.ext -out $dir/$file.crt");
}

1;
