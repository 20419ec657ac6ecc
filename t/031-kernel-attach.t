# Ticket attaches through the kernel: the user a ticket names is the one
# the services see, every file operation is forwarded with that user's
# permissions and the services' errors come back unchanged; each forged,
# expired, misplaced or unreadable ticket is refused with its own
# message; /lib/namespace's mount lines ($user, specs, skipped lines).

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Ten::VFS qw(disk_xattr);

kernel_each_block();
run_tests();

sub ino { (stat $_[0])[1] }

__DATA__

=== TEST 1: a ticket attach as glenda; the kernel's own refusals
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tauth tag=1 afid=7 uname=glenda aname=$TEST_NGINX_TICKET
< Rerror tag=1 ename="authentication not required"
> Tattach tag=2 fid=0 afid=7 uname=glenda aname=$TEST_NGINX_TICKET
< Rerror tag=2 ename="authentication not required"
> Tattach tag=3 fid=0 afid=NOFID uname=glenda aname=/priv/sessions/glenda
< Rerror tag=3 ename="not a ticket"
> Tstat tag=4 fid=0
< Rerror tag=4 ename="unknown fid"
# uname is not what counts: the ticket names the user
> Tattach tag=5 fid=0 afid=NOFID uname=adm aname=$TEST_NGINX_TICKET
< Rattach tag=5 qid=(0x80 * *)
> Tattach tag=6 fid=0 afid=NOFID uname=glenda aname=$TEST_NGINX_TICKET
< Rerror tag=6 ename="fid in use"
> Twalk tag=7 fid=0 newfid=1 wname=[usr glenda]
< Rwalk tag=7 wqid=[(0x80 * *) (0x80 * *)]
> Twalk tag=8 fid=0 newfid=1 wname=[tmp]
< Rerror tag=8 ename="newfid in use"
> Tclunk tag=9 fid=55
< Rerror tag=9 ename="unknown fid"
> Twalk tag=10 fid=55 newfid=56 wname=[]
< Rerror tag=10 ename="unknown fid"
--- error_log
attached as "glenda"



=== TEST 1b: the user a ticket names is the one /dev/user reports; the bootstrap attach is none
--- perl
my ($c, $root) = kattach('glenda');
my $u = $c->walk_to($root, 'dev/user');
ok(defined $u, 'walk to /dev/user');
$c->open($u, 0);
is_9p($c->read($u, 0, 100), 'Rread data=glenda', 'glenda');
is_9p($c->attach(1, 'glenda', ''), 'Rattach qid=(0x80 * *)', 'a bootstrap attach (aname "") on the same session');
my $b = $c->walk_to(1, 'dev/user');
$c->open($b, 0);
is_9p($c->read($b, 0, 100), 'Rread data=none', 'is none, whatever uname says');



=== TEST 2: glenda's file operations through the kernel
--- perl
my $v = kvfs;
plant_file($v, 'adm/secret', 'top secret', uid => 'adm', gid => 'adm', mode => 0600);
my ($c, $root, $ra) = kattach($ENV{TEST_NGINX_TICKET});
is($ra->{qid}[2], main::ino($v->path('')), 'the root qid is the inode of the vfs root');

# walk and create in glenda's home: the file is glenda's
is_9p($c->walk($root, 1, 'usr', 'glenda'), 'Rwalk wqid=[(0x80 * *) (0x80 * *)]', 'walk usr/glenda');
my $r = $c->create(1, 'notes', 0644, 2);
is_9p($r, 'Rcreate qid=(0 * *) iounit=*', 'create notes ORDWR');
is($r->{qid}[2], main::ino($v->path('usr/glenda/notes')), 'its qid path is the new inode');
is(disk_xattr($v->path('usr/glenda/notes'), 'user.ten.uid'), 'glenda', 'on disk it belongs to glenda');
is_9p($c->write(1, 0, "hello, kernel\n"), 'Rwrite count=14', 'write');
is_9p($c->read(1, 0, 100), qq(Rread data="hello, kernel\\n"), 'read it back');
is_9p($c->read(1, 6, 6), qq(Rread data=" kerne"), 'read in the middle');
is(do { local (@ARGV, $/) = $v->path('usr/glenda/notes'); <> }, "hello, kernel\n", 'the disk has the bytes');
is_9p($c->stat(1), 'Rstat stat={type=* dev=* qid=(0 * *) mode=0644 atime=* mtime=* length=14 name=notes uid=glenda gid=glenda muid=glenda}',
    'stat of the open file');
is_9p($c->clunk(1), 'Rclunk', 'clunk');
is_9p($c->stat(1), 'Rerror ename="unknown fid"', 'a clunked fid is gone');

# wstat: chmod and rename by the owner
my $f = $c->walk_to($root, 'usr/glenda/notes');
ok(defined $f, 'walk to the file again');
is_9p($c->wstat($f, mode => 0600), 'Rwstat', 'chmod 0600');
is(disk_xattr($v->path('usr/glenda/notes'), 'user.ten.mode'), '00000180', 'the mode is on disk');
is_9p($c->wstat($f, name => 'renamed'), 'Rwstat', 'rename');
ok(-e $v->path('usr/glenda/renamed') && !-e $v->path('usr/glenda/notes'), 'renamed on disk');
is_9p($c->stat($f), 'Rstat stat={type=* dev=* qid=* mode=0600 atime=* mtime=* length=14 name=renamed uid=glenda gid=glenda muid=*}',
    'the fid follows the rename');
is_9p($c->wstat($f, uid => 'adm'), 'Rerror ename="Operation not permitted"',
    "the vfs's refusal of chown comes back unchanged");

# a directory read through the kernel
my $d = $c->walk_to($root, 'usr/glenda');
is_9p($c->open($d, 0), 'Ropen qid=(0x80 * *) iounit=*', 'open the directory');
my @names = sort map { $_->{name} } $c->read_dir($d, 200);
is_deeply(\@names, ['renamed'], 'its entries, read 200 bytes at a time');
is_9p($c->walk($d, 99, 'renamed'), 'Rerror ename="cannot walk an open fid"', 'an open fid cannot walk');
is_9p($c->clunk($d), 'Rclunk', 'clunk the directory');

# remove
is_9p($c->remove($f), 'Rremove', 'remove');
ok(!-e $v->path('usr/glenda/renamed'), 'gone from the disk');
is_9p($c->stat($f), 'Rerror ename="unknown fid"', 'remove clunked the fid');

# glenda's permissions, and the vfs's errors as they are
my $s = $c->walk_to($root, 'adm/secret');
ok(defined $s, 'walk to adm/secret (adm, 0600)');
is_9p($c->open($s, 0), 'Rerror ename="permission denied"', 'glenda may not read it');
is_9p($c->read($s, 0, 10), 'Rerror ename="fid not open for reading"', 'read of an unopened fid');
my $a = $c->walk_to($root, 'adm');
is_9p($c->create($a, 'mine', 0644, 1), 'Rerror ename="permission denied"', 'nor create in /adm');
ok(!-e $v->path('adm/mine'), 'nothing was created');
is_9p($c->walk($root, 98, 'nonexistent'), 'Rerror ename="file does not exist"', 'a walk to nothing');
is_9p($c->walk($root, 98, 'adm', 'users', 'x'), 'Rwalk wqid=[(0x80 * *) (0 * *)]', 'a short walk through a file');
is_9p($c->stat(98), 'Rerror ename="unknown fid"', 'the short walk made no fid');
my $t = $c->walk_to($root, 'tmp');
is_9p($c->open($t, 1), 'Rerror ename="Is a directory"', 'open a directory for writing');
is_9p($c->create($t, 'x/y', 0644, 1), 'Rerror ename="invalid file name"', 'create with a slash');
is_9p($c->remove($root), 'Rerror ename="cannot remove the root"', 'the root cannot be removed');
is_9p($c->stat($root), 'Rerror ename="unknown fid"', 'but the fid is gone all the same');



=== TEST 3: two attaches in one session, each as its own user
--- perl
my $v = kvfs;
my ($c, $g) = kattach('glenda');
my (undef, $a) = kattach('alice', client => $c);
my $tg = $c->walk_to($g, 'tmp');
my $ta = $c->walk_to($a, 'tmp');
is_9p($c->create($tg, 'by-glenda', 0600, 1), 'Rcreate qid=* iounit=*', 'glenda creates /tmp/by-glenda');
is_9p($c->create($ta, 'by-alice', 0600, 1), 'Rcreate qid=* iounit=*', 'alice creates /tmp/by-alice');
is(disk_xattr($v->path('tmp/by-glenda'), 'user.ten.uid'), 'glenda', "glenda's file is glenda's");
is(disk_xattr($v->path('tmp/by-alice'), 'user.ten.uid'), 'alice', "alice's file is alice's");
# fids walked from alice's attach are alice's
my $x = $c->walk_to($a, 'tmp/by-glenda');
is_9p($c->open($x, 0), 'Rerror ename="permission denied"', "alice cannot open glenda's 0600 file");
my $y = $c->walk_to($g, 'tmp/by-glenda');
is_9p($c->open($y, 0), 'Ropen qid=* iounit=*', 'glenda can');
my $a2 = $c->walk_to($a, '');
my $z = $c->walk_to($a2, 'tmp');
is_9p($c->create($z, 'alice-again', 0644, 1), 'Rcreate qid=* iounit=*', 'a clone of a clone is still alice');
is(disk_xattr($v->path('tmp/alice-again'), 'user.ten.uid'), 'alice', 'on disk too');



=== TEST 4: forged, misplaced and garbled tickets are refused, each with its reason
--- perl
my $v = kvfs;
my $good = Ten::Kernel::ten_key_ticket('glenda');
chomp $good;
my $nonce = ticket_nonce($good);
my $c = kclient();
my $fid = 0;
my $try = sub {
    my ($path) = @_;
    return $c->attach($fid++, 'glenda', $path);
};
my $refused = sub {
    my ($path, $ename, $name) = @_;
    my $r = $try->($path);
    is_rerror($r, $ename, $name);
};

# the positive controls: a ticket of ten-key, one made here
is_9p($try->(plant_ticket(text => "$good\n")), 'Rattach qid=*', "ten-key's ticket (with its newline)");
is_9p($try->(plant_ticket(text => make_ticket(user => 'glenda'))), 'Rattach qid=*',
    'a ticket made by the test with the certified key');

(my $user = $good) =~ s/ glenda / adm /;
$refused->(plant_ticket(text => $user, at => 'adm', nonce => $nonce), 'bad ticket signature',
    'the user edited (at /priv/sessions/adm/<nonce>)');
my @w = split ' ', $good;
$w[4] += 86400;
$refused->(plant_ticket(text => join(' ', @w), nonce => 'a' x 32), 'bad ticket signature',
    'the expiry edited');
@w = split ' ', $good;
substr($w[6], 5, 1) = substr($w[6], 5, 1) eq 'A' ? 'B' : 'A';
$refused->(plant_ticket(text => join(' ', @w), nonce => 'b' x 32), 'bad ticket signature',
    'the signature edited');
$refused->(plant_ticket(text => $good, at => 'adm'), 'ticket path mismatch',
    "glenda's ticket copied to /priv/sessions/adm/<nonce>");
$refused->(plant_ticket(text => $good, nonce => 'c' x 32), 'ticket path mismatch',
    "glenda's ticket under another nonce");
$refused->(plant_file($v, "tmp/$nonce", $good, uid => 'glenda', gid => 'glenda', mode => 0644),
    'ticket path mismatch', "glenda's ticket copied to /tmp/<nonce>");
$refused->("/priv/sessions/glenda/../glenda/$nonce", 'ticket path mismatch',
    'the right file by a path with ..');
$refused->(plant_ticket(text => make_ticket(key => 'rogue')), 'ticket signed by an unknown key',
    'signed by a key without a certificate');
$refused->(plant_ticket(text => make_ticket(key => 'signer', keyid => Ten::Kernel::keyid('rogue'))),
    'ticket signed by an unknown key', 'the key id of a key without a certificate');
$refused->(plant_ticket(text => make_ticket(key => 'old')), 'ticket signing key expired',
    'signed by a key whose certificate expired');
$refused->(plant_ticket(text => make_ticket(expires => time - 5, issued => time - 100)),
    'ticket expired', 'a ticket that expired five seconds ago');
$refused->(plant_ticket(text => "hello, world\n", nonce => 'd' x 32), 'not a ticket',
    'a file that is not a ticket');
$refused->(plant_ticket(text => '', nonce => 'e' x 32), 'not a ticket', 'an empty file');
$refused->(plant_ticket(text => "$good\n$good\n", nonce => 'f' x 32), 'not a ticket', 'two tickets in one file');
$refused->('/adm/users', 'not a ticket', '/adm/users is not a ticket');
$refused->('/priv/sessions/glenda/' . ('0' x 32), 'no such ticket', 'a path with no file');
$refused->('/priv/sessions', 'not a ticket', 'a directory');
$refused->(plant_ticket(text => ('x' x 2000), nonce => '1' x 32), 'ticket too long', 'a 2000-byte file');
is_9p($c->stat($_), 'Rerror ename="unknown fid"', "refused attach $_ made no fid") for 2 .. 4;
# the refused attaches clunk their ticket fids after the Rerror went out
my $k = $v->wait_counts(sub { $_[0]{fids} <= 1 + 2 * 2 });
is($k->{fids}, 1 + 2 * 2, "vfs holds the kernel's fid and two per live attach, nothing of the refused ones")
    or diag("fids $k->{fids}");



=== TEST 5: a ticket of ten-key with two seconds to live: accepted, then expired
--- perl
my $text = Ten::Kernel::ten_key_ticket('glenda', 2);
my $expires = (split ' ', $text)[4];
my $t = plant_ticket(text => $text);
my $c = kclient();
is_9p($c->attach(0, 'glenda', $t), 'Rattach qid=*', 'accepted while it lives');
select(undef, undef, undef, 0.1) while time <= $expires;
is_rerror($c->attach(1, 'glenda', $t), 'ticket expired', 'refused once it has expired');
is_9p($c->walk(0, 2, 'tmp'), 'Rwalk wqid=[*]', 'the attach made before goes on');



=== TEST 6: logout removes the ticket file: new attaches are refused within a few seconds
--- perl
my $t = $ENV{TEST_NGINX_TICKET};
my $c = kclient();
is_9p($c->attach(0, 'glenda', $t), 'Rattach qid=*', 'attach');
unlink kvfs->path(substr $t, 1) or die "unlink: $!";
my $fid = 1;
my $r = wait_for(sub { my $r = $c->attach($fid++, 'glenda', $t); $r->{type} eq 'Rerror' ? $r : undef }, 8, 0.2);   # ninep_ticket_cache is 5 s
is_rerror($r, 'no such ticket', 'refused after the logout');



=== TEST 6b: ninep_ticket_cache: a ticket verified moments ago is not read again; 0 turns that off
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_ticket_cache 2s;
    }
    location = /9p-nocache {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_ticket_cache 0;
    }
--- perl
my $t = $ENV{TEST_NGINX_TICKET};
my $c = kclient();
is_9p($c->attach(0, 'glenda', $t), 'Rattach qid=*', 'attach: the ticket is read and verified');
my $gone = Time::HiRes::time();
unlink kvfs->path(substr $t, 1) or die "unlink: $!";
is_9p($c->attach(1, 'glenda', $t), 'Rattach qid=*', 'again at once: from the cache, the file is not read');
my $fid = 2;
my $r = wait_for(sub { my $r = $c->attach($fid++, 'glenda', $t); $r->{type} eq 'Rerror' ? $r : undef }, 5, 0.2);
is_rerror($r, 'no such ticket', 'refused once the cache time has passed');
cmp_ok(Time::HiRes::time() - $gone, '>=', 1.5, 'not before');
my $t2 = plant_ticket(user => 'glenda');
my $n = kclient(path => '/9p-nocache');
is_9p($n->attach(0, 'glenda', $t2), 'Rattach qid=*', 'without a cache: attach');
unlink kvfs->path(substr $t2, 1) or die "unlink: $!";
is_rerror($n->attach(1, 'glenda', $t2), 'no such ticket', 'refused at once');



=== TEST 7: a user with a valid ticket but unknown to the vfs: its refusal names the mount
--- perl
my $c = kclient();
is_rerror($c->attach(0, 'zed', plant_ticket(user => 'zed')), 'mount /: unknown user',
    "the vfs's error, prefixed with the mount point");



=== TEST 8: /lib/namespace: $user in a spec; a bind too early, unknown services and commands are skipped
--- namespace
# comments and blank lines are fine

bind /tmp /n/tmp
mount -c vfs / usr/$user
mount factotum /dev/factotum
mount nonsense
unmount /x
--- perl
my $v = kvfs;
my ($c, $fid, $r) = kattach('glenda');
is($r->{qid}[2], main::ino($v->path('usr/glenda')), "the root is /usr/glenda: the spec with \$user");
my (undef, $fa, $ra) = kattach('alice', client => $c);
is($ra->{qid}[2], main::ino($v->path('usr/alice')), "alice's root is /usr/alice");
$r = $c->walk($fid, 5, '..', '..', 'usr');
is_9p($r, 'Rwalk wqid=[(0x80 * *) (0x80 * *)]', '.. .. usr: a short walk');
is($r->{wqid}[1][2], main::ino($v->path('usr/glenda')), '.. does not leave the root of the mount');
--- error_log
/lib/namespace:3: bind before / is mounted; line skipped
/lib/namespace:5: mount: unknown service "factotum"; line skipped
/lib/namespace:6: expected "mount [-abc] service mountpoint [spec]"
/lib/namespace:7: unmount: not mounted



=== TEST 8b: /lib/namespace: bind with $user, a bind undone by unmount, a source that is not there
--- namespace
mount vfs /
bind /usr/$user /home
bind /adm /a
unmount /a
bind /nowhere /x
--- perl
my $v = kvfs;
my ($c, $fid) = kattach('glenda');
my $r = $c->walk($fid, 5, 'home');
is_9p($r, 'Rwalk wqid=[(0x80 * *)]', '/home: the bind of /usr/glenda');
is($r->{wqid}[0][2], main::ino($v->path('usr/glenda')), "glenda's directory");
is_9p($c->walk($fid, 6, 'a'), 'Rerror ename="file does not exist"', '/a: unmounted again');
is_9p($c->walk($fid, 7, 'x'), 'Rerror ename="file does not exist"', '/x: left out');
my $ns = $c->walk($fid, 8, 'dev', 'ns');
$c->open(8, 0);
my $text = $c->read(8, 0, 1000)->{data};
like($text, qr{^mount vfs /\nbind /usr/glenda /home\nbind '#c' /dev\n$}, '/dev/ns says so');
--- error_log
/x left out of the namespace: bind: cannot walk to the source /nowhere



=== TEST 8c: /lib/namespace: includes, in place; a missing one is fine; one level deep
--- namespace
. /lib/ns.local
bind /adm /a
. /lib/missing
bind /usr/$user /home
--- setup
printf 'mount vfs /\nbind /tmp /t\n. /lib/deeper\n' > lib/ns.local
--- perl
my ($c, $fid) = kattach('glenda');
is_9p($c->walk($fid, 5, 't'), 'Rwalk wqid=[(0x80 * *)]', '/t, from the include');
is_9p($c->walk($fid, 6, 'a'), 'Rwalk wqid=[(0x80 * *)]', '/a, after it');
is_9p($c->walk($fid, 7, 'home'), 'Rwalk wqid=[(0x80 * *)]', '/home, after the missing one');
$c->walk($fid, 8, 'dev', 'ns');
$c->open(8, 0);
is($c->read(8, 0, 1000)->{data},
   "mount vfs /\nbind /tmp /t\nbind /adm /a\nbind /usr/glenda /home\nbind '#c' /dev\n",
   'the entries in the order of the lines');
--- error_log
/lib/ns.local:3: includes are one level deep
no /lib/missing to include



=== TEST 8d: /dev/nsctl: mount and bind as the user, unmount, reset to /lib/namespace
--- namespace
mount vfs /
bind /tmp /scratch
--- vfs2
--- perl
my $v = kvfs;
my ($c, $fid) = kattach('glenda');
$c->walk($fid, 1, 'dev', 'nsctl');
is_9p($c->open(1, 1), 'Ropen qid=* iounit=*', 'open nsctl for writing');
my $ctl = sub { $c->write(1, 0, $_[0]) };
is_9p($ctl->('mount vfs2 /tmp/two'), 'Rwrite count=19', 'mount vfs2 /tmp/two');
my $r = $c->walk($fid, 2, 'tmp', 'two');
is($r->{wqid}[1][2], main::ino(kvfs2->path('')), '/tmp/two is the root of vfs2');
is_9p($ctl->('bind /usr/glenda /home'), 'Rwrite count=22', 'bind /usr/glenda /home');
is($c->walk($fid, 3, 'home')->{wqid}[0][2], main::ino($v->path('usr/glenda')), '/home is /usr/glenda');
is_9p($ctl->('unmount /home'), 'Rwrite count=13', 'unmount /home');
is_rerror($c->walk($fid, 4, 'home'), 'file does not exist', 'gone');
is_rerror($ctl->('mount nosuch /x'), 'mount: unknown service "nosuch"', 'an unknown service');
is_9p($ctl->('reset'), 'Rwrite count=5', 'reset');
is_9p($c->walk($fid, 5, 'tmp', 'two'), 'Rwalk wqid=[*]', '/tmp/two is gone with the reset: a short walk');
is_9p($c->walk($fid, 6, 'scratch'), 'Rwalk wqid=[*]', '/scratch, from the file, is there');
is_9p($c->stat(2), 'Rstat stat=*', 'a fid made before the reset still works');
$c->clunk($_) for 1, 2, 3, 6;
$c->close;
my $k = kvfs2->wait_counts(sub { $_[0]{fids} <= 1 }, 2);
is($k->{fids}, 1, 'vfs2: only the kernel\'s own fid afterwards');



=== TEST 9: /lib/namespace without a mount of / first
--- namespace
mount vfs2 /n/two
mount vfs /
--- vfs2
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=glenda aname=$TEST_NGINX_TICKET
< Rerror tag=1 ename="namespace has no root: /lib/namespace must mount \"/\" first"



=== TEST 10: a mount whose spec does not exist fails the attach with the vfs's reason
--- namespace
mount vfs / usr/nobody
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=glenda aname=$TEST_NGINX_TICKET
< Rerror tag=1 ename="mount /: file does not exist"
> Tattach tag=2 fid=0 afid=NOFID uname=glenda aname=$TEST_NGINX_TICKET
< Rerror tag=2 ename="mount /: file does not exist"



=== TEST 11: no /lib/namespace at all
--- setup
rm lib/namespace
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=glenda aname=$TEST_NGINX_TICKET
< Rerror tag=1 ename="no /lib/namespace"



=== TEST 12: a namespace edited on disk applies to the next attach, not to the live one
--- vfs2
--- perl
my ($c, $f0) = kattach('glenda');
is_9p($c->walk($f0, 1, 'usr', 'glenda'), 'Rwalk wqid=[* *]', 'the whole vfs at /');
open my $fh, '>', kvfs->path('lib/namespace') or die; print $fh "mount vfs2 /\n"; close $fh;
my (undef, $f1, $r) = kattach('glenda', client => $c);
is($r->{qid}[2], (stat kvfs2->path(''))[1], "the new attach's root is vfs2's");
is_9p($c->walk($f0, 2, 'lib', 'namespace'), 'Rwalk wqid=[* *]', 'the old attach still sees vfs');
$r = $c->walk($f1, 3, 'lib', 'namespace');
is_9p($r, 'Rwalk wqid=[* *]', 'the new attach walks in vfs2');
is($r->{wqid}[1][2], (stat kvfs2->path('lib/namespace'))[1], "to vfs2's /lib/namespace");
