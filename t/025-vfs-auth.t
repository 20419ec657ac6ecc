# ten-vfs host authentication, ten-auth-1 (DESIGN.md §2), client side in
# Perl (Ten::Client::auth, Crypt::PK::Ed25519).  The trust file lists
# kernel (speaks-for), alice, factotum (tickets) and "bob" with another
# key than bob's own; mallory has a key but is not listed.

use lib 't/lib';
use Test::Ten 'no_nginx';
use Ten::VFS;
use Crypt::PK::Ed25519;
use MIME::Base64 qw(encode_base64 decode_base64);

vfs_each_block();
run_tests();

# Does $sig_b64 verify over $text with the public key of $name?
sub verifies {
    my ($name, $text, $sig_b64) = @_;
    my $pk = Crypt::PK::Ed25519->new->import_key_raw(Ten::VFS::public_key($name), 'public');
    return $pk->verify_message(decode_base64($sig_b64), $text) ? 1 : 0;
}

__DATA__

=== TEST 1: unauthenticated connections may attach only as none
--- vfs
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=kernel aname=""
< Rerror tag=1 ename="authentication required to attach as kernel"
> Tattach tag=2 fid=0 afid=NOFID uname=adm aname=""
< Rerror tag=2 ename="authentication required to attach as adm"
> Tattach tag=3 fid=0 afid=NOFID uname=none aname=""
< Rattach tag=3 qid=(0x80 * *)



=== TEST 2: ten-auth-1 as kernel: the server proves itself with the vfs key, then kernel speaks for anyone
--- perl
my $v = vfs;
my $c = $v->client;
my $a = $c->auth('kernel', $v->key('kernel'), server_pk => Ten::VFS::public_key('vfs'));
ok($a->{ok}, 'the conversation completes');
is($a->{aqid}[0], 0x08, 'Rauth qid type is QTAUTH');
like($a->{server_msg}, qr{^ten-auth-1 server vfs [A-Za-z0-9+/]{43}= [A-Za-z0-9+/]{86}==$},
    'server message: ten-auth-1 server vfs <nonce> <sig>');
ok($a->{server_ok}, 'its signature verifies with the vfs public key');
my (undef, undef, undef, $snonce, $sig) = split / /, $a->{server_msg};
my $text = "ten-auth-1 server-proof $a->{cnonce} $snonce kernel vfs";
ok(main::verifies('vfs', $text, $sig), 'over "ten-auth-1 server-proof <cnonce> <snonce> kernel vfs"');
ok(!main::verifies('kernel', $text, $sig), 'and not with another key');
is(length decode_base64($snonce), 32, 'the server nonce is 32 bytes');
is_9p($c->attach(0, 'kernel', '', $a->{afid}), 'Rattach qid=(0x80 * *)', 'attach as kernel with the afid');
my $fid = 1;
is_9p($c->attach($fid++, $_), 'Rattach qid=(0x80 * *)', "then as $_ without one") for qw(glenda adm alice none);
my $c2 = $v->client;
my $b = $c2->auth('kernel', $v->key('kernel'));
isnt($b->{snonce}, $a->{snonce}, 'another conversation gets a new server nonce');



=== TEST 3: -n: the server announces and signs with its name
--- vfs_args: -n files
--- perl
my $v = vfs;
my $c = $v->client;
my $a = $c->auth('kernel', $v->key('kernel'), server => 'files', server_pk => Ten::VFS::public_key('vfs'));
like($a->{server_msg}, qr/^ten-auth-1 server files /, 'server message names "files"');
ok($a->{server_ok}, 'signed over ... kernel files');
ok($a->{ok}, 'the client proof over ... kernel files is accepted');
my $c2 = $v->client;
my $b = $c2->auth('kernel', $v->key('kernel'), server => 'vfs');
ok(!$b->{ok}, 'a proof over ... kernel vfs is not');
is($b->{error}, 'ten-auth-1: authentication failed', $b->{error} // 'no error');



=== TEST 4: a principal without speaks-for attaches only as itself (and none)
--- perl
my $v = vfs;
my $c = $v->client;
my $a = $c->auth('alice', $v->key('alice'));
ok($a->{ok}, 'alice authenticates');
is_9p($c->attach(0, 'alice', '', $a->{afid}), 'Rattach qid=*', 'attach as alice with the afid');
is_9p($c->attach(1, 'alice'), 'Rattach qid=*', 'as alice again without it');
is_rerror($c->attach(2, 'glenda'), 'alice may not speak for glenda', 'not as glenda');
is_rerror($c->attach(2, 'kernel'), 'alice may not speak for kernel', 'not as kernel');
is_9p($c->attach(2, 'none'), 'Rattach qid=*', 'as none');
my $c2 = $v->client;
my $f = $c2->auth('factotum', $v->key('factotum'));
is_9p($c2->attach(0, 'factotum', '', $f->{afid}), 'Rattach qid=*', 'factotum (tickets) attaches as itself');
is_rerror($c2->attach(1, 'alice'), 'factotum may not speak for alice', 'but may not speak for alice');



=== TEST 5: a key that does not match the trust file, an unlisted principal
--- perl
my $v = vfs;
my $c = $v->client;
my $a = $c->auth('bob', $v->key('bob'));
is($a->{step}, 'proof', 'bob gets as far as the proof');
is($a->{error}, 'ten-auth-1: authentication failed', 'which fails: the trust file has another key');
is_rerror($c->attach(0, 'bob', '', $a->{afid}), 'afid is not authenticated as that user', 'attach with the afid');
is_rerror($c->attach(0, 'bob'), 'authentication required to attach as bob', 'attach without');
my $m = $c->auth('mallory', $v->key('mallory'));
is($m->{step}, 'hello', 'mallory fails at hello');
is($m->{error}, 'ten-auth-1: unknown principal', 'unknown principal');
my $k = $c->auth('kernel', $v->key('mallory'));
is($k->{error}, 'ten-auth-1: authentication failed', 'kernel with mallory\'s key fails');
--- error_log
ten-auth-1: proof of bob does not verify
ten-auth-1: unknown principal mallory



=== TEST 6: a proof replayed from an earlier conversation is refused
--- perl
my $v = vfs;
my $c1 = $v->client;
my $a = $c1->auth('kernel', $v->key('kernel'));
ok($a->{ok}, 'a genuine conversation');
for my $same_conn (0, 1) {
    my $c = $same_conn ? $c1 : $v->client;
    my $where = $same_conn ? 'same connection' : 'new connection';
    my $r = $c->auth('kernel', $v->key('kernel'), cnonce => $a->{cnonce}, proof => $a->{proof});
    is($r->{step}, 'proof', "$where: hello replayed, proof replayed");
    is($r->{error}, 'ten-auth-1: authentication failed', "$where: refused");
    is_rerror($c->attach(5, 'kernel', '', $r->{afid}), 'afid is not authenticated as that user',
        "$where: the afid does not authenticate");
}
my $c = $v->client;
is_rerror($c->attach(0, 'glenda'), 'authentication required to attach as glenda', 'the new connection is not authenticated');



=== TEST 7: garbled or truncated hellos
--- perl
my $v = vfs;
my $nonce = encode_base64('n' x 32, '');
my @hellos = (
    ['empty',              ''],
    ['no nonce',           'ten-auth-1 hello kernel'],
    ['truncated nonce',    'ten-auth-1 hello kernel ' . substr($nonce, 0, 20)],
    ['16-byte nonce',      'ten-auth-1 hello kernel ' . encode_base64('n' x 16, '')],
    ['unpadded nonce',     'ten-auth-1 hello kernel ' . ($nonce =~ s/=+$//r)],
    ['double space',       "ten-auth-1 hello  kernel $nonce"],
    ['extra word',         "ten-auth-1 hello kernel $nonce extra"],
    ['other protocol',     "ten-auth-2 hello kernel $nonce"],
    ['not hello',          "ten-auth-1 proof kernel $nonce"],
    ['two newlines',       "ten-auth-1 hello kernel $nonce\n\n"],
    ['NUL inside',         "ten-auth-1 hello kernel\0 $nonce"],
    ['tab',                "ten-auth-1 hello\tkernel $nonce"],
    ['garbage',            join('', map { chr int rand 256 } 1 .. 200)],
);
for my $case (@hellos) {
    my ($what, $hello) = @$case;
    my $c = $v->client;
    my $r = $c->auth('kernel', $v->key('kernel'), hello => $hello);
    is($r->{step}, 'hello', "$what: refused at hello");
    is($r->{error}, 'ten-auth-1: malformed hello', "$what: malformed hello");
    is_9p($c->write($r->{afid}, 0, "ten-auth-1 hello kernel $nonce"), 'Rerror ename="ten-auth-1: conversation is over"',
        "$what: the conversation is over");
}
my $c = $v->client;
my $r = $c->auth('kernel', $v->key('kernel'), hello => "ten-auth-1 hello kernel $nonce\n", cnonce => $nonce);
ok($r->{ok}, 'one trailing newline is accepted');



=== TEST 8: steps out of order; auth fids are for reading and writing only
--- perl
my $v = vfs;
my $c = $v->client;
is_9p($c->rpc(Tauth => afid => 1, uname => 'kernel', aname => ''), 'Rauth aqid=(0x08 * *)', 'Tauth');
is_rerror($c->read(1, 0, 100), 'ten-auth-1: nothing to read; write hello first', 'read before hello');
is_9p($c->rpc(Tauth => afid => 2, uname => 'kernel', aname => ''), 'Rauth aqid=*', 'another Tauth');
my $nonce = encode_base64('q' x 32, '');
$c->write(2, 0, "ten-auth-1 hello kernel $nonce");
is_rerror($c->write(2, 0, 'ten-auth-1 proof ' . encode_base64('s' x 64, '')), 'ten-auth-1: read the server proof first',
    'proof before reading the server');
is_rerror($c->attach(0, 'kernel', '', 2), 'afid is not authenticated as that user', 'attach before the proof');
is_9p($c->rpc(Tauth => afid => 3, uname => 'kernel', aname => ''), 'Rauth aqid=*', 'a third Tauth');
is_rerror($c->stat(3), 'not allowed on an auth fid', 'Tstat of an auth fid');
is_rerror($c->walk(3, 4), 'not allowed on an auth fid', 'Twalk of an auth fid');
is_rerror($c->open(3, 0), 'not allowed on an auth fid', 'Topen of an auth fid');
is_rerror($c->rpc(Tauth => afid => 3, uname => 'kernel', aname => ''), 'fid in use', 'Tauth on a fid in use');
is_9p($c->clunk(3), 'Rclunk', 'Tclunk of an auth fid');
is_9p($c->rpc(Tauth => afid => 0xffffffff, uname => 'kernel', aname => ''), 'Rerror ename=*', 'Tauth with NOFID');
is_rerror($c->rpc(Tauth => afid => 5, uname => 'Not A Name', aname => ''), 'ten-auth-1: invalid principal name',
    'Tauth with an invalid name');



=== TEST 9: Tauth and hello must name the same principal; attach must too
--- perl
my $v = vfs;
my $c = $v->client;
my $r = $c->auth('kernel', $v->key('kernel'), uname => 'alice');
is($r->{step}, 'hello', 'Tauth alice, hello kernel: refused at hello');
is($r->{error}, 'ten-auth-1: hello names another principal than Tauth', $r->{error});
my $a = $c->auth('kernel', $v->key('kernel'));
ok($a->{ok}, 'kernel authenticates');
is_rerror($c->attach(0, 'glenda', '', $a->{afid}), 'afid is not authenticated as that user',
    'attach as glenda with kernel\'s afid');
is_rerror($c->attach(0, 'glenda'), 'authentication required to attach as glenda',
    'the connection is not authenticated until an attach with the afid');



=== TEST 10: an afid belongs to its connection; other fids are not auth fids
--- perl
my $v = vfs;
my $c1 = $v->client;
my $a = $c1->auth('kernel', $v->key('kernel'), afid => 77);
ok($a->{ok}, 'kernel authenticates afid 77 on one connection');
my $c2 = $v->client;
is_rerror($c2->attach(0, 'kernel', '', 77), 'afid is not an auth fid', 'afid 77 on another connection');
is_rerror($c2->attach(0, 'glenda'), 'authentication required to attach as glenda', 'which stays unauthenticated');
is_9p($c2->attach(1, 'none'), 'Rattach qid=*', 'attach none');
is_rerror($c2->attach(2, 'none', '', 1), 'afid is not an auth fid', 'an ordinary fid as afid');
is_rerror($c2->attach(2, 'kernel', '', 1), 'afid is not an auth fid', 'also for kernel');
is_9p($c1->attach(0, 'kernel', '', 77), 'Rattach qid=*', 'afid 77 on its own connection works');
is_9p($c1->attach(1, 'kernel', '', 77), 'Rattach qid=*', 'and again');
$c1->disconnect;
my $c3 = $v->client;
is_rerror($c3->attach(0, 'kernel', '', 77), 'afid is not an auth fid', 'nor on a later connection');



=== TEST 11: a failed attach with the afid does not authenticate the connection
--- perl
my $v = vfs;
my $c = $v->client;
my $a = $c->auth('kernel', $v->key('kernel'));
ok($a->{ok}, 'kernel authenticates');
is_rerror($c->attach(0, 'kernel', 'nonexistent', $a->{afid}), 'file does not exist', 'attach to a missing aname fails');
is_rerror($c->attach(1, 'glenda'), 'authentication required to attach as glenda',
    'so the connection may not yet speak for glenda');
