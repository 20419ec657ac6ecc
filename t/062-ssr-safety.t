# ten-ssr: nothing a file, a name or a link holds runs in the page (every
# unsafe input stays inert), users see only what the VFS lets them read
# (its errors come back unchanged, two users never share a page), and a
# client that sends malformed 9P to ten-ssr loses only its connection.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Ten::SSRTest;
use Ten::Client;

ssr_each_block();
run_tests();

__DATA__

=== TEST 1: unsafe Markdown stays inert: raw HTML, script and event handlers, unsafe link schemes however spelled
--- perl
my $md = <<'MD';
# <script>alert(1)</script> heading

<script>alert(2)</script>

<img src=x onerror=alert(3)>

A paragraph with inline <img src=x onerror=alert(4)> and <a href="javascript:alert(5)">raw a</a>.

<!-- a comment --> text after a comment

&lt;script&gt;alert(6)&lt;/script&gt; and &#60;script&#62; and &amp;lt;b&amp;gt;

[js](javascript:alert(7)) [JS](JaVaScRiPt:alert(8)) [ent](&#106;avascript:alert(9)) [hex](&#x6A;avascript:alert(10))
[vb](vbscript:msgbox(11)) [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMik8L3NjcmlwdD4=) [file](file:///etc/passwd)
[tab](<java	script:alert(13)>) [nl](java%0Ascript:alert(14)) [sp]( javascript:alert(15)) [pct](%6Aavascript:alert(16))
<javascript:alert(17)> <https://example.org/ok>
[ref][r1] ![img](javascript:alert(18)) ![dimg](data:image/png;base64,AAAA) ![rel](pic.png)
[title](https://example.org "x\" onmouseover=\"alert(19)")
[q](https://example.org/"onclick="alert(20))

[r1]: javascript:alert(21)

<div onclick="alert(22)">div</div>
<style>body{background:url(javascript:alert(23))}</style>
<iframe src="javascript:alert(24)"></iframe>
<svg onload=alert(25)>
MD
plant_file(kvfs, 'usr/glenda/evil.md', $md, uid => 'glenda', gid => 'glenda');
my ($c, $root) = kattach('glenda');
my $page = view($c, $root, 'usr/glenda/evil.md');
page_ok($page, 'evil.md');
my $m = page_main($page);
my @tags = $m =~ m{<[^>]*>}g;
for my $n (grep { $_ != 16 && $_ != 19 && $_ != 20 } 1 .. 25) {
    my @in = grep { /alert\($n\)/ } @tags;
    is("@in", '', "alert($n) is in no tag");
}
like($m, qr{<h1><!-- raw HTML omitted -->alert\(1\)<!-- raw HTML omitted --> heading</h1>}, 'raw HTML in a heading is omitted, its text stays text');
like($m, qr{<!-- raw HTML omitted -->}, 'raw HTML blocks are omitted (safe mode)');
like($m, qr{&lt;script&gt;alert\(6\)&lt;/script&gt; and &lt;script&gt; and &amp;lt;b&amp;gt;}, 'entities stay text');
like($m, qr{<p>js JS ent hex\nvb data file\n}, 'unsafe schemes, in any case or entity spelling: the link is gone, its text stays');
like($m, qr{tab nl sp <a href="/\#/view/usr/glenda/%6Aavascript:alert\(16\)">pct</a>}, 'odd spellings: dropped, or a harmless view path');
like($m, qr{\njavascript:alert\(17\) <a href="https://example\.org/ok">}, 'an autolink to javascript: is text, no link');
unlike($m, qr{href="javascript}i, 'no javascript: href');
like($m, qr{<a href="https://example\.org/ok">https://example\.org/ok</a>}, 'a safe autolink stays');
like($m, qr{\bref\b img dimg rel\n}, 'a javascript: reference and unsafe or relative pictures: text only');
like($m, qr{<a href="https://example\.org" title="x&quot; onmouseover=&quot;alert\(19\)">title</a>}, 'a title cannot break out of its attribute');
like($m, qr{<a href="https://example\.org/%22onclick=%22alert\(20\)">q</a>}, 'nor can a URL');



=== TEST 2: hostile names: a file named <b>.md, a directory entry named "><script>, bytes that are not UTF-8
--- perl
my $evil = q{"><script>alert(1)};
plant_file(kvfs, 'usr/glenda/<b>.md', "# bold?\n", uid => 'glenda', gid => 'glenda');
plant_file(kvfs, "usr/glenda/$evil", "x\n", uid => 'glenda', gid => 'glenda');
plant_file(kvfs, "usr/glenda/caf\xe9 & 'co'.txt", "x\n", uid => 'glenda', gid => 'glenda');
my ($c, $root) = kattach('glenda');
my $page = view($c, $root, 'usr/glenda/<b>.md');
page_ok($page, '<b>.md');
like($page, qr{<title>/usr/glenda/&lt;b&gt;\.md</title>}, 'the title, escaped');
like($page, qr{<span>&lt;b&gt;\.md</span></nav>}, 'the breadcrumb, escaped');
my $dir = view($c, $root, 'usr/glenda');
page_ok($dir, 'the directory');
like($dir, qr{<a href="/\#/view/usr/glenda/%22%3E%3Cscript%3Ealert%281%29" target="_top">&quot;&gt;&lt;script&gt;alert\(1\)</a>},
    'the entry "><script>...: its link percent-encoded, its name escaped');
like($dir, qr{<a href="/\#/view/usr/glenda/%3Cb%3E\.md" target="_top">&lt;b&gt;\.md</a>}, '<b>.md in the listing');
my $want = qq{<a href="/#/view/usr/glenda/caf%E9%20%26%20%27co%27.txt" target="_top">caf\xef\xbf\xbd &amp; &#39;co&#39;.txt</a>};
ok(index($dir, $want) >= 0, 'a Latin-1 name: U+FFFD shown, the byte kept in the link');
my $e = view($c, $root, "usr/glenda/$evil");
page_ok($e, 'the file "><script>...');
like($e, qr{<title>/usr/glenda/&quot;&gt;&lt;script&gt;alert\(1\)</title>}, 'its title, escaped');



=== TEST 3: the VFS's refusals come back unchanged
--- setup
mkdir -p usr/glenda/locked usr/glenda/noread
--- perl
plant_file(kvfs, 'adm/secret.md', "# top secret\n", uid => 'adm', gid => 'adm', mode => 0600);
plant_file(kvfs, 'usr/glenda/locked/in.md', "# in\n", uid => 'glenda', gid => 'glenda');
set_xattrs(kvfs->path('usr/glenda/locked'), uid => 'adm', gid => 'adm', mode => 0x80000000 | 0700);
set_xattrs(kvfs->path('usr/glenda/noread'), uid => 'adm', gid => 'adm', mode => 0x80000000 | 0711);
my ($c, $root) = kattach('glenda');
my (undef, $r) = view_open($c, $root, 'adm/secret.md');
is_rerror($r, 'permission denied', 'a file glenda may not read: "permission denied" at the open');
my $f = $c->walk_to($root, 'view/adm/secret.md');
ok(defined $f, 'walking to it is allowed (as on the VFS)');
is_9p(view($c, $root, 'usr/glenda/locked/in.md'), 'Rwalk wqid=[* * * *]', 'no search permission on the way: the walk stops there');
my $l = $c->walk_to($root, 'view/usr/glenda/locked');
is_9p($c->walk($l, 99, 'in.md'), 'Rerror ename="permission denied"', "the VFS's error for the first name of a walk");
is_rerror(view($c, $root, 'usr/glenda/noread'), 'permission denied', 'a directory she may not read: no listing');
my $g = $c->walk_to($root, 'view/usr/glenda');
is_9p($c->walk($g, 98, 'nothere.md'), 'Rerror ename="file does not exist"', 'a missing file');
unlike(kssr()->log_text, qr/top secret/, 'nothing of the file in the log');



=== TEST 4: two users with different rights on the same path never share a page
--- perl
plant_file(kvfs, 'tmp/mine.md', "# glenda's own\n", uid => 'glenda', gid => 'glenda', mode => 0600);
my ($g, $groot) = kattach('glenda');
my ($a, $aroot) = kattach('alice');
like(view($g, $groot, 'tmp/mine.md'), qr{<h1>glenda's own</h1>}, 'glenda reads her page (now cached)');
is_rerror(view($a, $aroot, 'tmp/mine.md'), 'permission denied', 'alice does not, cached or not');
set_xattrs(kvfs->path('tmp/mine.md'), mode => 0644);
like(view($a, $aroot, 'tmp/mine.md'), qr{<h1>glenda's own</h1>}, 'once readable by others, alice reads it');
set_xattrs(kvfs->path('tmp/mine.md'), mode => 0600);
is_rerror(view($a, $aroot, 'tmp/mine.md'), 'permission denied', 'taken back: alice is refused again, though her page is cached');
like(view($g, $groot, 'tmp/mine.md'), qr{glenda's own}, 'glenda still reads it');
# the same session, two attaches
my (undef, $a2) = kattach('alice', client => $g);
is_rerror(view($g, $a2, 'tmp/mine.md'), 'permission denied', "alice's attach on glenda's session: alice's rights");



=== TEST 5: malformed 9P to ten-ssr closes that connection only; attaches need authentication
--- perl
my $port = kssr()->port;
my $ok = Ten::Client->connect(port => $port);
is($ok->version(8192)->{type}, 'Rversion', 'a second, well-behaved connection');
my $bad = Ten::Client->connect(port => $port);
$bad->version(8192);
$bad->send_raw(pack('V', 0xfffffff) . 'garbage');
ok($bad->closed(3), 'a message larger than msize: closed');
my $bad2 = Ten::Client->connect(port => $port);
$bad2->version(8192);
$bad2->send_raw(pack('VCv', 11, 104, 1) . "\xff\xff\xff\xff");
ok($bad2->closed(3), 'a truncated Tattach: closed');
is_9p($ok->attach(0, 'glenda', ''), 'Rerror ename="authentication required to attach as glenda"', 'no attach as a user without ten-auth-1 (only the kernel speaks for users)');
is_9p($ok->attach(0, 'none', ''), 'Rattach qid=(0 * *)', 'none may attach');
ok(kssr()->alive, 'ten-ssr runs on');
plant_file(kvfs, 'tmp/still.md', "# still here\n", uid => 'glenda', gid => 'glenda');
my ($c, $root) = kattach('glenda');
like(view($c, $root, 'tmp/still.md'), qr{<h1>still here</h1>}, 'and the kernel\'s connection still works');
like(kssr()->log_text, qr/malformed 9P|message size/, 'it logged why');
