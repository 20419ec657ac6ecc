# Concurrency under failures (seed roadmap 3.3): 200 sessions of 10 users
# send random mixes of walk, open, read, write, stat, clunk and flush for
# TEN_STRESS_SECONDS (8 here; `make stress` runs 60) while ten-vfs is
# killed with SIGKILL and started again every few seconds.  Afterwards:
# the worker never crashed, every request was answered exactly once, every
# acknowledged write is on disk, ten-vfs holds no fid but the kernel's,
# and the worker's memory is back to within 10% of where it was once the
# run was under way (a second in: buffers, tags and free lists grown).

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Ten::Load;
use Time::HiRes qw(time sleep);

kernel_each_block();
run_tests();

__DATA__

=== TEST 1: 200 sessions, random requests, ten-vfs killed and restarted
--- timeout: 400
--- setup
printf '0123456789abcdefghijklmnopqrstuvwxyz' > tmp/alphabet
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_KERNEL
        ninep_service vfs ten_vfs boot;
        ninep_backend_timeout 3s;
        ninep_idle_timeout 600s;
        ninep_ping_interval 300s;
    }
--- perl
my $seconds = $ENV{TEN_STRESS_SECONDS} || 8;
my $n = 200;
my ($worker) = Test::Ten::worker_pids();
my @tickets = map { plant_ticket(user => "u$_") } 0 .. 9;

my @s;
for my $i (0 .. $n - 1) {
    my $c = kclient(timeout => 30);
    my $r = $c->attach(0, 'x', $tickets[$i % 10]);
    die "attach $i: " . Ten::NineP::format_msg($r) unless $r->{type} eq 'Rattach';
    # a file of its own, kept open for writing
    my $home = $c->walk_to(0, 'usr/u' . ($i % 10));
    $r = $c->create($home, "s$i", 0644, 1);
    die "create $i: " . Ten::NineP::format_msg($r) unless $r->{type} eq 'Rcreate';
    push @s, { c => $c, i => $i, w => $home, k => 0, acked => [], state => 'idle', next => 200 };
}

# the worker's memory once the run is under way: its first second of
# 200 sessions of requests (tags, buffers and free lists at full size)
my $rss0;

my ($sent, $answered, $twice, $stray, $errors) = (0, 0, 0, 0, 0);
my %errors;
my $t0 = time;
my $kill_at = $t0 + 1.5;
my $kills = 0;

# One request (or a read and its flush) per session per round.
my $pick = sub {
    my ($x) = @_;
    my $c = $x->{c};
    my $fid = $x->{next};
    my $op = rand;
    if ($x->{state} eq 'walked') {
        $x->{state} = 'opened';
        return ("Topen fid=$x->{r} mode=0");
    }
    if ($x->{state} eq 'opened') {
        $x->{state} = 'read';
        return $op < 0.3
            ? ("Tread tag=" . ($x->{tagbase} = $c->next_tag) . " fid=$x->{r} offset=3 count=5",
               "Tflush oldtag=$x->{tagbase}")
            : ("Tread fid=$x->{r} offset=0 count=36");
    }
    if ($x->{state} eq 'read') {
        $x->{state} = 'idle';
        return ("Tclunk fid=$x->{r}");
    }
    if ($op < 0.35) {
        my $k = $x->{k}++;
        my $data = sprintf('s%03d-k%05d-%s', $x->{i}, $k, 'x' x 20);   # 32 bytes
        $x->{pending}{$k} = $data;
        return ("Twrite fid=$x->{w} offset=" . ($k * 32) . " data=\"$data\"");
    }
    if ($op < 0.55) {
        return ("Tstat fid=0");
    }
    $x->{r} = $fid;
    $x->{next}++;
    $x->{state} = 'walked';
    return ("Twalk fid=0 newfid=$fid wname=[tmp alphabet]");
};

while (time < $t0 + $seconds) {
    $rss0 //= Ten::Load::vmrss($worker) if time >= $t0 + 1;
    if (time >= $kill_at) {
        kvfs->kill9;
        sleep 0.2;
        kvfs->start;
        $kills++;
        $kill_at = time + 2 + rand;
    }
    my @batch;
    for my $x (@s) {
        my @msgs = $pick->($x);
        my @tags = $x->{c}->send(@msgs);
        $sent += @tags;
        push @batch, [$x, \@tags, \@msgs];
    }
    for my $b (@batch) {
        my ($x, $tags, $msgs) = @$b;
        my %want = map { $_ => 1 } @$tags;
        my ($flush) = grep { $msgs->[$_] =~ /^Tflush/ } 0 .. $#$msgs;
        my %got;
        while (keys %want) {
            my $r = $x->{c}->recv(30) or die "session $x->{i}: no reply to tags " . join(',', keys %want);
            if (!exists $want{$r->{tag}} && !$got{$r->{tag}}) { $stray++; next }
            $twice++ if $got{$r->{tag}}++;
            delete $want{$r->{tag}};
            $answered++;
            if ($r->{type} eq 'Rerror') {
                $errors++;
                $errors{$r->{ename}}++;
            }
            if ($r->{type} eq 'Rflush') {
                # flush(5): the read's reply may never come now
                delete $want{$tags->[0]};
                $answered++ if !$got{$tags->[0]};
            }
            if ($r->{type} eq 'Rwrite') {
                my ($k) = $msgs->[0] =~ /offset=(\d+)/;
                push @{ $x->{acked} }, [$k / 32, delete $x->{pending}{$k / 32}];
            }
            if ($r->{type} eq 'Rerror' && $msgs->[0] =~ /^Twalk/) {
                $x->{state} = 'idle';       # the walk made no fid
            }
            if ($r->{type} eq 'Rerror' && $msgs->[0] =~ /^Topen/) {
                $x->{state} = 'read';       # clunk it next
            }
        }
    }
}

is($sent, $answered, "every request answered ($sent)");
is($twice, 0, 'none twice');
is($stray, 0, 'no reply to a tag not in flight');
cmp_ok($kills, '>=', int(($seconds - 1.5) / 3), "ten-vfs was killed $kills times");
diag("errors while ten-vfs was down or dying: $errors; "
     . join(', ', map { "$_ ($errors{$_})" } sort keys %errors)) if $errors;
ok(!grep({ !/unavailable|connection lost|outcome unknown|timed out|interrupted|unknown fid|fid not open|file does not exist/ } keys %errors),
   'the only errors are those of a service going away');

# every acknowledged write is on disk
my $lost = 0;
my $acked = 0;
for my $x (@s) {
    my $file = kvfs->path('usr/u' . ($x->{i} % 10) . "/s$x->{i}");
    my $disk = do { local $/; open my $fh, '<', $file or die "$file: $!"; <$fh> } // '';
    for my $a (@{ $x->{acked} }) {
        $acked++;
        $lost++ unless substr($disk, $a->[0] * 32, 32) eq $a->[1];
    }
}
cmp_ok($acked, '>', $n, "writes acknowledged: $acked");
is($lost, 0, 'every acknowledged write is on disk');

# each session clunks what it holds, then goes
for my $x (@s) {
    my @tags = $x->{c}->send("Tclunk fid=$x->{w}", $x->{state} ne 'idle' ? ("Tclunk fid=$x->{r}") : ());
    $x->{c}->collect(\@tags, 30);
    $x->{c}->close;
}
my $k = kvfs->wait_counts(sub { $_[0]{fids} <= 1 }, 10);
is($k->{fids}, 1, 'ten-vfs holds no fid but the kernel\'s');
my ($w2) = Test::Ten::worker_pids();
is($w2, $worker, 'the same worker throughout: it never crashed');
if ($ENV{TEN_SANITIZED}) {
    pass('RSS is not measured under sanitizers (their quarantine keeps freed memory)');
} else {
    my $rss1 = Ten::Load::vmrss($worker);
    cmp_ok($rss1, '<=', $rss0 * 1.10, "worker RSS $rss1 kB, within 10% of its $rss0 kB a second into the run");
}
