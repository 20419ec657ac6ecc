# tools/ten-key: gen, pub, cert, ticket, and verify for operators.

use strict;
use warnings;
use lib 't/lib';
use Test::Ten 'no_nginx';
use Test::More;
use Cwd qw(abs_path);
use File::Path qw(make_path remove_tree);

my $build = $ENV{TEN_BUILD} || abs_path('build');
plan skip_all => "$build/ten-key is missing" unless -x "$build/ten-key";

my $d = abs_path('t') . '/servroot/043-keys';
remove_tree($d);
make_path($d);

sub key { my $out = `'$build/ten-key' @_ 2>&1`; return ($? >> 8, $out) }
sub put { my ($f, $t) = @_; open my $fh, '>', $f or die; print $fh $t; close $fh }

my ($rc, $out) = key("gen factotum $d/factotum.key");
is($rc, 0, 'gen');
like($out, qr{^factotum [A-Za-z0-9+/]{43}=\n$}, 'prints the name and the public key');
is((stat "$d/factotum.key")[2] & 07777, 0600, 'the secret key file is 0600');
($rc, $out) = key("gen factotum $d/factotum.key");
isnt($rc, 0, 'gen refuses to overwrite a key');
(undef, my $pub) = key("pub $d/factotum.key");
chomp $pub;
key("gen signer $d/signer.key");
key("gen rogue $d/rogue.key");
(undef, my $cert) = key("cert $d/factotum.key $d/signer.key 3600");
put("$d/keys", $cert);
(undef, my $ticket) = key("ticket $d/signer.key glenda 600");
put("$d/ticket", $ticket);

($rc, $out) = key("verify $d/keys $pub");
is($rc, 0, 'verify a certificate');
like($out, qr/^certificate of key [0-9a-f]{16}, valid \(\d+ to \d+\)$/, 'says whose and until when');
($rc, $out) = key("verify $d/ticket $pub $d/keys");
is($rc, 0, 'verify a ticket against the certificates');
like($out, qr{^ticket of glenda signed by key [0-9a-f]{16} \(key valid\), ticket valid .* path /priv/sessions/glenda/[0-9a-f]{32}$}, 'with its path');

(undef, my $rogue_pub) = key("pub $d/rogue.key");
chomp $rogue_pub;
($rc, $out) = key("verify $d/keys $rogue_pub");
is($rc, 1, 'a certificate checked against another issuer');
like($out, qr/^bad certificate: not a certificate signed by the issuer's key$/, 'says so');
(undef, my $other) = key("ticket $d/rogue.key glenda");
put("$d/other", $other);
($rc, $out) = key("verify $d/other $pub $d/keys");
is($rc, 1, 'a ticket of an uncertified key');
like($out, qr/^bad ticket: key [0-9a-f]{16} is not certified in /, 'says so');
(my $edited = $ticket) =~ s/ glenda / alice /;
put("$d/edited", $edited);
($rc, $out) = key("verify $d/edited $pub $d/keys");
like($out, qr/^bad ticket: not signed by key/, 'an edited ticket');
(undef, my $short) = key("cert $d/factotum.key $d/signer.key 1");
put("$d/short", $short);
sleep 2;
(undef, $out) = key("verify $d/short $pub");
like($out, qr/, expired \(/, 'an expired certificate is called expired');
put("$d/junk", "hello\n");
($rc, $out) = key("verify $d/junk $pub");
is($out, "neither a certificate nor a ticket\n", 'junk');
($rc, $out) = key("verify $d/ticket $pub");
is($rc, 2, 'a ticket without KEYS is a usage error');

done_testing();
