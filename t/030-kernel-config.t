# The kernel's directives under `nginx -t`: identities, trust files,
# services and their upstreams, ticket certificates, limits.  Each bad
# configuration must fail and say why.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use MIME::Base64 qw(encode_base64 decode_base64);

kernel_each_block();

# files the blocks refer to
my $k = kkeys();
sub put { my ($f, $t, $mode) = @_; open my $fh, '>', $f or die "$f: $!"; print $fh $t; close $fh; chmod $mode // 0600, $f }
{
    open my $fh, '<', "$k/kernel.key" or die; my $key = <$fh>; close $fh;
    put("$k/open.key", $key, 0644);                 # readable by others
    put("$k/short.key", "c2hvcnQ=\n");              # base64, 5 bytes
    put("$k/nossr.trust", "vfs " . Ten::Kernel::public_key('vfs') . "\n"
        . "factotum " . Ten::Kernel::public_key('factotum') . "\n");
    put("$k/nofactotum.trust", "vfs " . Ten::Kernel::public_key('vfs') . "\n");
    put("$k/garbled.trust", "vfs not-base64!\n");
    # certificates: one signed by another key than factotum's, one garbled,
    # one for signer whose key id is rogue's (signed as it is by factotum)
    put("$k/certs.rogue", Ten::Kernel::make_cert('signer', time - 10, time + 3600, 'rogue') . "\n", 0644);
    put("$k/certs.garbage", "# a comment is fine\nten-key-1 nonsense\n", 0644);
    my $good = Ten::Kernel::make_cert('signer', time - 10, time + 3600);
    my $text = join ' ', 'ten-key-1', Ten::Kernel::keyid('rogue'), Ten::Kernel::public_key('signer'),
        int(time) - 10, int(time) + 3600;
    my $otherid = "$text " . encode_base64(Ten::Kernel::_sk('factotum')->sign_message($text), '');
    # the only thing wrong with it is the key id: well formed, factotum's
    # signature over it good, the same line with signer's own key id loads
    require Crypt::PK::Ed25519;
    my $fpk = Crypt::PK::Ed25519->new->import_key_raw(
        decode_base64(Ten::Kernel::public_key('factotum')), 'public');
    my @w = split ' ', $otherid;
    die "certs.keyid: not six words" unless @w == 6;
    die "certs.keyid: factotum's signature does not verify"
        unless $fpk->verify_message(decode_base64($w[5]), $text);
    die "certs.keyid: the key id is signer's" if $w[1] eq Ten::Kernel::keyid('signer');
    put("$k/certs.keyid", "# signer, certified right\n$good\n$otherid\n", 0644);
    put("$k/certs.good", "$good\n", 0644);
}

run_tests();

__DATA__

=== TEST 1: a missing identity key file
--- config
    location = /9p { ninep; ninep_identity $TEST_NGINX_KKEYS/nonexistent.key; }
--- must_die
--- error_log
nonexistent.key
ninep_identity



=== TEST 2: an identity key readable by others is refused, with the fix
--- config
    location = /9p { ninep; ninep_identity $TEST_NGINX_KKEYS/open.key; }
--- must_die
--- error_log
open.key
chmod 600



=== TEST 3: an identity key that is not 64 bytes of base64
--- config
    location = /9p { ninep; ninep_identity $TEST_NGINX_KKEYS/short.key; }
--- must_die
--- error_log
short.key



=== TEST 4: a service naming an upstream that does not exist
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs no_such_upstream boot;
    }
--- must_die
--- error_log
no upstream block named "no_such_upstream"



=== TEST 5: two boot services
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_service vfs2 ten_vfs2 boot;
    }
--- must_die
--- error_log
two boot services



=== TEST 6: a service without a key in the trust file
--- config
    location = /9p {
        ninep;
        ninep_identity $TEST_NGINX_KKEYS/kernel.key;
        ninep_trust $TEST_NGINX_KKEYS/nossr.trust;
        ninep_service vfs ten_vfs boot;
        ninep_service ssr ten_vfs2;
    }
--- must_die
--- error_log
qr/"ninep_service" ssr: the trust file has no key for "ssr"/



=== TEST 7: ninep_service without ninep_identity
--- config
    location = /9p {
        ninep;
        ninep_trust $TEST_NGINX_KKEYS/kernel.trust;
        ninep_service vfs ten_vfs boot;
    }
--- must_die
--- error_log
needs "ninep_identity"



=== TEST 8: ninep_service without ninep_trust
--- config
    location = /9p {
        ninep;
        ninep_identity $TEST_NGINX_KKEYS/kernel.key;
        ninep_service vfs ten_vfs boot;
    }
--- must_die
--- error_log
"ninep_trust"



=== TEST 9: a certificate signed by another key than factotum's
--- config
    location = /9p {
        ninep;
        ninep_identity $TEST_NGINX_KKEYS/kernel.key;
        ninep_trust $TEST_NGINX_KKEYS/kernel.trust;
        ninep_ticket_keys $TEST_NGINX_KKEYS/certs.rogue;
        ninep_service vfs ten_vfs boot;
    }
--- must_die
--- error_log
certs.rogue:1: not a certificate signed by the issuer's key (the issuer is factotum)



=== TEST 10: a garbled certificate line, named by its line number
--- config
    location = /9p {
        ninep;
        ninep_identity $TEST_NGINX_KKEYS/kernel.key;
        ninep_trust $TEST_NGINX_KKEYS/kernel.trust;
        ninep_ticket_keys $TEST_NGINX_KKEYS/certs.garbage;
        ninep_service vfs ten_vfs boot;
    }
--- must_die
--- error_log
certs.garbage:2: not a certificate



=== TEST 11: a certificate whose key id is not its key's
--- config
    location = /9p {
        ninep;
        ninep_identity $TEST_NGINX_KKEYS/kernel.key;
        ninep_trust $TEST_NGINX_KKEYS/kernel.trust;
        ninep_ticket_keys $TEST_NGINX_KKEYS/certs.keyid;
        ninep_service vfs ten_vfs boot;
    }
--- must_die
--- error_log
certs.keyid:3: the key id is not its key's (the issuer is factotum)



=== TEST 12: ninep_ticket_keys needs factotum's key in the trust file
--- config
    location = /9p {
        ninep;
        ninep_identity $TEST_NGINX_KKEYS/kernel.key;
        ninep_trust $TEST_NGINX_KKEYS/nofactotum.trust;
        ninep_ticket_keys $TEST_NGINX_KKEYS/certs.good;
        ninep_service vfs ten_vfs boot;
    }
--- must_die
--- error_log
"ninep_ticket_keys" needs "ninep_trust" with a key for "factotum"



=== TEST 13: a missing ninep_ticket_keys file
--- config
    location = /9p {
        ninep;
        ninep_identity $TEST_NGINX_KKEYS/kernel.key;
        ninep_trust $TEST_NGINX_KKEYS/kernel.trust;
        ninep_ticket_keys $TEST_NGINX_KKEYS/nonexistent.certs;
        ninep_service vfs ten_vfs boot;
    }
--- must_die
--- error_log
nonexistent.certs



=== TEST 14: ninep_connections 0
--- http_config
    upstream ten_vfs { server 127.0.0.1:$TEST_NGINX_VFS_PORT; ninep_connections 0; }
--- config
    location = /9p { ninep; $TEST_NGINX_KERNEL ninep_service vfs ten_vfs boot; }
--- must_die
--- error_log
invalid value "0": must be 1 to 64
qr/nginx\.conf:\d+$/



=== TEST 15: ninep_connections 65 is too many
--- http_config
    upstream ten_vfs { server 127.0.0.1:$TEST_NGINX_VFS_PORT; ninep_connections 65; }
--- config
    location = /9p { ninep; $TEST_NGINX_KERNEL ninep_service vfs ten_vfs boot; }
--- must_die
--- error_log
invalid value "65": must be 1 to 64



=== TEST 16: ninep_connections outside an upstream block
--- config
    location = /9p { ninep; ninep_connections 2; }
--- must_die
--- error_log
"ninep_connections" directive is not allowed here



=== TEST 17: a service declared twice
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_service vfs ten_vfs2;
    }
--- must_die
--- error_log
service "vfs" is declared twice



=== TEST 18: a third parameter other than boot
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs bot;
    }
--- must_die
--- error_log
invalid parameter "bot"



=== TEST 19: a service name that is not a principal name
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service Vfs! ten_vfs boot;
    }
--- must_die
--- error_log
invalid service name "Vfs!"



=== TEST 20: a garbled trust file
--- config
    location = /9p {
        ninep;
        ninep_identity $TEST_NGINX_KKEYS/kernel.key;
        ninep_trust $TEST_NGINX_KKEYS/garbled.trust;
    }
--- must_die
--- error_log
garbled.trust



=== TEST 21: ninep_max_fids 0 is refused
--- config
    location = /9p { ninep; ninep_max_fids 0; }
--- must_die
--- error_log
value must be between 1 and 65535



=== TEST 22: ninep_max_requests 0 is refused
--- config
    location = /9p { ninep; ninep_max_requests 0; }
--- must_die
--- error_log
value must be between 1 and 65535



=== TEST 23: the upstream may come after the location; a full configuration starts
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_SERVER_PORT;
        server_name other;
        location = /9p {
            ninep;
            $TEST_NGINX_KERNEL
            ninep_service vfs ten_vfs boot;
            ninep_service vfs2 ten_vfs2;
            ninep_msize 16k;
            ninep_max_fids 100;
            ninep_max_requests 10;
            ninep_connect_timeout 2s;
            ninep_backend_timeout 10s;
        }
    }
    upstream ten_vfs { server 127.0.0.1:$TEST_NGINX_VFS_PORT; ninep_connections 4; }
    upstream ten_vfs2 { server 127.0.0.1:$TEST_NGINX_VFS2_PORT; ninep_connections 64; }
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
    }
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=glenda aname=$TEST_NGINX_TICKET
< Rattach tag=1 qid=(0x80 * *)
--- no_error_log
[emerg]
[alert]



=== TEST 24: the kernel's identity under another name: a service that does not know it refuses
--- config
    location = /9p {
        ninep;
        ninep_identity $TEST_NGINX_KKEYS/kernel.key kernel2;
        ninep_trust $TEST_NGINX_KKEYS/kernel.trust;
        ninep_ticket_keys $TEST_NGINX_KKEYS/certs;
        ninep_service vfs ten_vfs boot;
    }
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=glenda aname=$TEST_NGINX_TICKET
< Rerror tag=1 ename="vfs unavailable: cannot connect"
--- error_log
qr/service "vfs": ten-auth-1 hello failed: ten-auth-1: unknown principal/



=== TEST 25: ninep_identity with an invalid principal name
--- config
    location = /9p { ninep; ninep_identity $TEST_NGINX_KKEYS/kernel.key "Kernel Two"; }
--- must_die
--- error_log
invalid principal name "Kernel Two"



=== TEST 26: ninep_union_dir_max larger than ninep_union_dir_session cannot work
--- config
    location = /9p { ninep; ninep_union_dir_max 2m; ninep_union_dir_session 1m; }
--- must_die
--- error_log
"ninep_union_dir_max" (2097152) must not exceed "ninep_union_dir_session" (1048576), nor that "ninep_union_dir_worker" (67108864)



=== TEST 27: ninep_rescue_size too small for the rescue tree's root and README
--- config
    location = /9p { ninep; ninep_rescue_size 1k; }
--- must_die
--- error_log
"ninep_rescue_size" directive must be at least 4k in
