# The bootstrap session and the kernel's own files (Ten::Kernel's
# services, the boot service up): attach with an empty aname as none,
# the root holding dev, /dev's files, their contents, and what cannot
# be done to them.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;

add_block_preprocessor(sub {
    my ($block) = @_;
    $block->set_value(no_error_log => "[alert]\n[crit]\nexited on signal\n")
        unless defined $block->no_error_log;
});

kernel_each_block();
run_tests();

__DATA__

=== TEST 1: the bootstrap attach is none's; the root holds dev
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=glenda aname=""
< Rattach tag=1 qid=(0x80 0 *)
> Twalk tag=2 fid=0 newfid=1 wname=[dev user]
< Rwalk tag=2 wqid=[(0x80 0 *) (0 0 *)]
> Topen tag=3 fid=1 mode=0
< Ropen tag=3 qid=(0 0 *) iounit=8168
> Tread tag=4 fid=1 offset=0 count=100
< Rread tag=4 data="none"
> Tread tag=5 fid=1 offset=4 count=100
< Rread tag=5 data=""



=== TEST 2: /dev lists user, sysname, ns and nsctl; its stat names it
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=none aname=""
< Rattach tag=1 qid=*
> Twalk tag=2 fid=0 newfid=1 wname=[dev]
< Rwalk tag=2 wqid=[(0x80 0 *)]
> Tstat tag=3 fid=1
< Rstat tag=3 stat={type=0 dev=0 qid=(0x80 0 *) mode=0x8000016d atime=* mtime=* length=0 name=dev uid=none gid=none muid=none}



=== TEST 2b: reading /dev gives its four files as whole stat entries
--- perl
my $ws = ws_connect();
my $rpc = sub {
    $ws->send_binary(Ten::NineP::pack_msg($_[0]));
    return Ten::NineP::unpack_msg($ws->read_frame(5)->{payload});
};
$rpc->({ type => 'Tversion', tag => 0xffff, msize => 8192, version => '9P2000' });
$rpc->({ type => 'Tattach', tag => 1, fid => 0, afid => 0xffffffff, uname => 'none', aname => '' });
$rpc->({ type => 'Twalk', tag => 2, fid => 0, newfid => 1, wname => ['dev'] });
$rpc->({ type => 'Topen', tag => 3, fid => 1, mode => 0 });
my $r = $rpc->({ type => 'Tread', tag => 4, fid => 1, offset => 0, count => 8000 });
# stat(5): size[2], then name[s] after 41 bytes of fixed fields
my ($data, @names) = ($r->{data});
while (length $data >= 2) {
    my $size = unpack('v', $data);
    my $entry = substr($data, 2, $size);
    my $nlen = unpack('v', substr($entry, 39, 2));
    push @names, substr($entry, 41, $nlen);
    substr($data, 0, $size + 2, '');
}
is("@names", "user sysname ns nsctl", 'the entries of /dev, whole');
my $end = $rpc->({ type => 'Tread', tag => 5, fid => 1, offset => length $r->{data}, count => 8000 });
is(length $end->{data}, 0, 'then the end of the directory');



=== TEST 3: walks: a missing name, ".." at the root, a short walk
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=none aname=""
< Rattach tag=1 qid=*
> Twalk tag=2 fid=0 newfid=1 wname=[nope]
< Rerror tag=2 ename="file does not exist"
> Twalk tag=3 fid=0 newfid=1 wname=[dev nope user]
< Rwalk tag=3 wqid=[(0x80 0 *)]
> Twalk tag=4 fid=0 newfid=1 wname=[.. .. dev .. dev ns]
< Rwalk tag=4 wqid=[(0x80 0 *) (0x80 0 *) (0x80 0 *) (0x80 0 *) (0x80 0 *) (0 0 *)]
> Twalk tag=5 fid=1 newfid=2 wname=[x]
< Rerror tag=5 ename="not a directory"



=== TEST 4: the kernel's files cannot be written, created, removed or changed
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=none aname=""
< Rattach tag=1 qid=*
> Twalk tag=2 fid=0 newfid=1 wname=[dev user]
< Rwalk tag=2 wqid=*
> Topen tag=3 fid=1 mode=1
< Rerror tag=3 ename="permission denied"
> Twalk tag=4 fid=0 newfid=2 wname=[dev]
< Rwalk tag=4 wqid=*
> Tcreate tag=5 fid=2 name=f perm=0644 mode=1
< Rerror tag=5 ename="permission denied"
> Twstat tag=6 fid=1 stat={type=DONTTOUCH dev=DONTTOUCH qid=(DONTTOUCH DONTTOUCH DONTTOUCH) mode=DONTTOUCH atime=DONTTOUCH mtime=DONTTOUCH length=DONTTOUCH name=x uid="" gid="" muid=""}
< Rerror tag=6 ename="permission denied"
> Twstat tag=7 fid=1 stat={type=DONTTOUCH dev=DONTTOUCH qid=(DONTTOUCH DONTTOUCH DONTTOUCH) mode=0666 atime=DONTTOUCH mtime=DONTTOUCH length=DONTTOUCH name="" uid="" gid="" muid=""}
< Rerror tag=7 ename="permission denied"
> Tstat tag=8 fid=1
< Rstat tag=8 stat={type=* dev=* qid=* mode=0444 atime=* mtime=* length=* name=user uid=* gid=* muid=*}
> Tremove tag=9 fid=1
< Rerror tag=9 ename="permission denied"
> Tstat tag=10 fid=1
< Rerror tag=10 ename="unknown fid"



=== TEST 4b: a wstat that changes nothing is accepted (Linux and FUSE send one after an OTRUNC open of nsctl)
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=none aname=""
< Rattach tag=1 qid=*
> Twalk tag=2 fid=0 newfid=1 wname=[dev user]
< Rwalk tag=2 wqid=*
> Twstat tag=3 fid=1 stat={type=DONTTOUCH dev=DONTTOUCH qid=(DONTTOUCH DONTTOUCH DONTTOUCH) mode=DONTTOUCH atime=DONTTOUCH mtime=DONTTOUCH length=DONTTOUCH name="" uid="" gid="" muid=""}
< Rwstat tag=3
> Twstat tag=4 fid=1 stat={type=DONTTOUCH dev=DONTTOUCH qid=(DONTTOUCH DONTTOUCH DONTTOUCH) mode=DONTTOUCH atime=DONTTOUCH mtime=DONTTOUCH length=0 name="" uid="" gid="" muid=""}
< Rerror tag=4 ename="permission denied"
> Twstat tag=5 fid=1 stat={type=DONTTOUCH dev=DONTTOUCH qid=(DONTTOUCH DONTTOUCH DONTTOUCH) mode=DONTTOUCH atime=DONTTOUCH mtime=1700000000 length=DONTTOUCH name="" uid="" gid="" muid=""}
< Rerror tag=5 ename="permission denied"
> Twalk tag=6 fid=0 newfid=2 wname=[dev nsctl]
< Rwalk tag=6 wqid=*
> Topen tag=7 fid=2 mode=0x11
< Ropen tag=7 qid=* iounit=*
> Twstat tag=8 fid=2 stat={type=DONTTOUCH dev=DONTTOUCH qid=(DONTTOUCH DONTTOUCH DONTTOUCH) mode=DONTTOUCH atime=DONTTOUCH mtime=1700000000 length=0 name="" uid="" gid="" muid=""}
< Rwstat tag=8
> Twstat tag=9 fid=2 stat={type=DONTTOUCH dev=DONTTOUCH qid=(DONTTOUCH DONTTOUCH DONTTOUCH) mode=DONTTOUCH atime=DONTTOUCH mtime=DONTTOUCH length=5 name="" uid="" gid="" muid=""}
< Rerror tag=9 ename="permission denied"
> Twstat tag=10 fid=2 stat={type=DONTTOUCH dev=DONTTOUCH qid=(DONTTOUCH DONTTOUCH DONTTOUCH) mode=0666 atime=DONTTOUCH mtime=DONTTOUCH length=0 name="" uid="" gid="" muid=""}
< Rerror tag=10 ename="permission denied"
> Twrite tag=11 fid=2 offset=0 data="bind /dev /d"
< Rwrite tag=11 count=12



=== TEST 4c: a directory read whose count is too small for the next entry gets what fits: nothing, and the position is kept
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=none aname=""
< Rattach tag=1 qid=*
> Twalk tag=2 fid=0 newfid=1 wname=[dev]
< Rwalk tag=2 wqid=*
> Topen tag=3 fid=1 mode=0
< Ropen tag=3 qid=* iounit=*
> Tread tag=4 fid=1 offset=0 count=10
< Rread tag=4 data=""
> Tread tag=5 fid=1 offset=0 count=70
< Rread tag=5 data=*
> Tread tag=6 fid=1 offset=65 count=10
< Rread tag=6 data=""
> Tread tag=7 fid=1 offset=65 count=8000
< Rread tag=7 data=*



=== TEST 5: /dev/ns and nsctl: the namespace, and clear errors
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
> Tattach tag=1 fid=0 afid=NOFID uname=none aname=""
< Rattach tag=1 qid=*
> Twalk tag=2 fid=0 newfid=1 wname=[dev ns]
< Rwalk tag=2 wqid=*
> Topen tag=3 fid=1 mode=0
< Ropen tag=3 qid=* iounit=*
> Tread tag=4 fid=1 offset=0 count=1000
< Rread tag=4 data="bind '#c' /dev\n"
> Twalk tag=5 fid=0 newfid=2 wname=[dev nsctl]
< Rwalk tag=5 wqid=*
> Twrite tag=6 fid=2 offset=0 data="mount vfs /n"
< Rerror tag=6 ename="permission denied"
> Twalk tag=30 fid=0 newfid=4 wname=[dev nsctl]
< Rwalk tag=30 wqid=*
> Topen tag=31 fid=4 mode=0
< Ropen tag=31 qid=* iounit=*
> Twrite tag=32 fid=4 offset=0 data="bind /dev /d"
< Rerror tag=32 ename="permission denied"
> Topen tag=7 fid=2 mode=1
< Ropen tag=7 qid=* iounit=*
> Twrite tag=8 fid=2 offset=0 data="mount vfs /n"
< Rerror tag=8 ename="mount: permission denied: none may not mount services; log in first"
> Twrite tag=9 fid=2 offset=0 data="frob /x"
< Rerror tag=9 ename="nsctl: expected mount, bind, unmount or reset"
> Twrite tag=10 fid=2 offset=0 data="unmount /"
< Rerror tag=10 ename="unmount: not mounted (the root stays)"
> Twrite tag=11 fid=2 offset=0 data="bind /dev /d"
< Rwrite tag=11 count=12
> Twalk tag=12 fid=0 newfid=3 wname=[d user]
< Rwalk tag=12 wqid=[(0x80 0 *) (0 0 *)]
> Tread tag=13 fid=1 offset=0 count=1000
< Rread tag=13 data="bind '#c' /dev\nbind /dev /d\n"



=== TEST 6: sessions are separate: a bind in one is not in another
--- perl
my $a = ws_connect();
my $b = ws_connect();
for my $ws ($a, $b) {
    $ws->send_binary(Ten::NineP::pack_msg({ type => 'Tversion', tag => 0xffff, msize => 8192, version => '9P2000' }));
    $ws->read_frame(5);
    $ws->send_binary(Ten::NineP::pack_msg({ type => 'Tattach', tag => 1, fid => 0, afid => 0xffffffff, uname => 'none', aname => '' }));
    $ws->read_frame(5);
}
my $rpc = sub {
    my ($ws, $m) = @_;
    $ws->send_binary(Ten::NineP::pack_msg($m));
    my $f = $ws->read_frame(5);
    return Ten::NineP::unpack_msg($f->{payload});
};
$rpc->($a, { type => 'Twalk', tag => 2, fid => 0, newfid => 1, wname => ['dev', 'nsctl'] });
$rpc->($a, { type => 'Topen', tag => 3, fid => 1, mode => 1 });
my $w = $rpc->($a, { type => 'Twrite', tag => 4, fid => 1, offset => 0, data => 'bind /dev /d' });
is($w->{type}, 'Rwrite', 'the bind in session A');
my $ra = $rpc->($a, { type => 'Twalk', tag => 5, fid => 0, newfid => 2, wname => ['d'] });
my $rb = $rpc->($b, { type => 'Twalk', tag => 5, fid => 0, newfid => 2, wname => ['d'] });
is($ra->{type}, 'Rwalk', 'A sees /d');
is($rb->{type} . ' ' . ($rb->{ename} // ''), 'Rerror file does not exist', 'B does not');
