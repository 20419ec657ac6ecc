# web/ninep.js, the browser's 9P client, against the real kernel and
# ten-vfs: `node --test web/test/` with the system's address, a ticket for
# glenda, ten-vfs's root and a FIFO in the environment.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Fcntl qw(O_RDWR O_NONBLOCK);

kernel_each_block();
run_tests();

__DATA__

=== TEST 1: node --test web/test/ (Node 20's WebSocket)
--- timeout: 120
--- perl
my ($major) = (`node --version 2>/dev/null` // '') =~ /^v(\d+)/;
die "web/ninep.js's tests need Node.js 20 or later (found "
    . ($major ? "v$major" : 'none') . ")\n" unless ($major // 0) >= 20;
my $v = kvfs;
my $fifo = $v->path('tmp/fifo');
system('mkfifo', '-m', '0666', $fifo) == 0 or die "mkfifo $fifo";
# a writer that writes nothing: readers wait instead of reading EOF
sysopen(my $keep, $fifo, O_RDWR | O_NONBLOCK) or die "$fifo: $!";
local $ENV{TEN_WS_URL} = 'ws://127.0.0.1:' . Test::Ten::server_port() . '/9p';
local $ENV{TEN_TICKET} = plant_ticket(user => 'glenda');
local $ENV{TEN_VFS_ROOT} = $v->path('');
local $ENV{TEN_FIFO} = $fifo;
my $out = `node --experimental-websocket --no-warnings --test --test-timeout=20000 web/test/ninep.test.mjs 2>&1`;
my $rc = $? >> 8;
my ($pass) = $out =~ /^# pass (\d+)/m;
my ($fail) = $out =~ /^# fail (\d+)/m;
is($rc, 0, "node --test web/test/: $pass passed, $fail failed") or diag($out);
cmp_ok($pass // 0, '>=', 9, 'every test ran');
