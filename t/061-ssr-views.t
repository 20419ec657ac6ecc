# ten-ssr through the kernel: /view/<path> is an HTML page of the VFS's
# <path> for the session's user -- Markdown, directories, text, binary,
# large files, images; walks through views, stat, and the refusal of
# everything that would write.

use lib 't/lib';
use Test::Ten;
use Ten::Kernel;
use Ten::SSRTest;
use MIME::Base64 qw(encode_base64);

ssr_each_block();
run_tests();

__DATA__

=== TEST 1: Markdown: headings, lists, code, links, quotes; tables stay text (cmark has none)
--- perl
my $md = <<'MD';
# Title

## Second *level*

### Third

Some *em*, **strong**, `inline <code>` & more.

- one
- two
  - nested

1. first
2. second

```c
int main(void) { return 1 < 2; }
```

    indented code

> a quote

[same dir](other.md) [up](../alice/x.md) [root](/lib/namespace) [self](#part) [web](https://example.org/a?b=1&c=2) [mail](mailto:glenda@example.org) [spaced](<my file.md>)

| a | b |
|---|---|
| 1 | 2 |

---
MD
plant_file(kvfs, 'usr/glenda/notes.md', $md, uid => 'glenda', gid => 'glenda');
my ($c, $root) = kattach('glenda');
my $page = view($c, $root, 'usr/glenda/notes.md');
page_ok($page, 'notes.md');
my $m = page_main($page);
like($page, qr{<title>/usr/glenda/notes\.md</title>}, 'the title is the path');
like($page, qr{<body class="ssr-markdown">}, 'a Markdown page');
like($page, qr{<nav class="crumbs"><a href="/\#/view/" target="_top">/</a> <a href="/\#/view/usr" target="_top">usr</a> / <a href="/\#/view/usr/glenda" target="_top">glenda</a> / <span>notes\.md</span></nav>}, 'breadcrumbs, each step a link but the last');
like($m, qr{<h1>Title</h1>\n<h2>Second <em>level</em></h2>\n<h3>Third</h3>}, 'headings');
like($m, qr{<p>Some <em>em</em>, <strong>strong</strong>, <code>inline &lt;code&gt;</code> &amp; more\.</p>}, 'inline markup, escaped code');
like($m, qr{<ul>\n<li>one</li>\n<li>two\n<ul>\n<li>nested</li>\n</ul>\n</li>\n</ul>}, 'a nested list');
like($m, qr{<ol>\n<li>first</li>\n<li>second</li>\n</ol>}, 'an ordered list');
like($m, qr{<pre><code class="language-c">int main\(void\) \{ return 1 &lt; 2; \}\n</code></pre>}, 'a fenced code block with its language');
like($m, qr{<pre><code>indented code\n</code></pre>}, 'an indented code block');
like($m, qr{<blockquote>\n<p>a quote</p>\n</blockquote>}, 'a quote');
like($m, qr{<a href="/\#/view/usr/glenda/other\.md">same dir</a>}, 'a relative link is a view of the file beside it');
like($m, qr{<a href="/\#/view/usr/alice/x\.md">up</a>}, '../ resolved');
like($m, qr{<a href="/\#/view/lib/namespace">root</a>}, 'an absolute path from the root');
like($m, qr{<a href="/\#/view/usr/glenda/notes\.md">self</a>}, 'a fragment: this view');
like($m, qr{<a href="https://example\.org/a\?b=1&amp;c=2">web</a>}, 'https stays, escaped');
like($m, qr{<a href="mailto:glenda\@example\.org">mail</a>}, 'mailto stays');
like($m, qr{<a href="/\#/view/usr/glenda/my%20file\.md">spaced</a>}, 'a name with a space, percent-encoded');
like($m, qr{<p>\| a \| b \|\n\|---\|---\|\n\| 1 \| 2 \|</p>}, 'a table is plain text: libcmark has no tables');
like($m, qr{<hr />}, 'a rule');
like($page, qr{<base target="_top">}, "links open in the web UI's window, not in the iframe");



=== TEST 2: a directory: directories first, then files, each a link to its view, with size, mode, owner and time
--- setup
mkdir -p usr/glenda/zdir usr/glenda/adir
--- perl
use POSIX qw(strftime);
plant_file(kvfs, 'usr/glenda/b.txt', "bee\n", uid => 'glenda', gid => 'glenda', mode => 0640);
plant_file(kvfs, 'usr/glenda/a.md', "# a\n", uid => 'alice', gid => 'glenda', mode => 0444);
set_xattrs(kvfs->path('usr/glenda/zdir'), uid => 'glenda', gid => 'glenda', mode => 0x80000000 | 0755);
set_xattrs(kvfs->path('usr/glenda/adir'), uid => 'glenda', gid => 'glenda', mode => 0x80000000 | 0750);
my $t = 1700000000;
utime $t, $t, kvfs->path('usr/glenda/b.txt');
my ($c, $root) = kattach('glenda');
my $page = view($c, $root, 'usr/glenda');
page_ok($page, 'usr/glenda');
like($page, qr{<body class="ssr-dir">}, 'a directory page');
my @names = page_main($page) =~ m{<td class="name"><a [^>]*>([^<]*)</a>}g;
is_deeply(\@names, ['../', 'adir/', 'zdir/', 'a.md', 'b.txt'], 'the parent, then directories, then files, each by name');
like($page, qr{<a href="/\#/view/usr/glenda/b\.txt" target="_top">b\.txt</a></td><td class="size">4</td><td class="mode">--rw-r-----</td><td class="owner">glenda</td><td class="mtime">2023-11-14 22:13</td>}, 'a file: its link, size, mode, owner, time (UTC)');
like($page, qr{<a href="/\#/view/usr/glenda/adir" target="_top">adir/</a></td><td class="size">0</td><td class="mode">d-rwxr-x---</td>}, 'a directory');
like($page, qr{<td class="owner">alice</td>}, "a.md is alice's");
like($page, qr{<a href="/\#/view/usr" target="_top">\.\./</a>}, '../ is the view of the parent');
like($page, qr{<p class="note">4 entries</p>}, 'how many');
my $top = view($c, $root, '');
page_ok($top, 'the root');
like($top, qr{<title>/</title>}, 'the root view');
like($top, qr{<a href="/\#/view/usr" target="_top">usr/</a>}, 'lists /usr');
unlike($top, qr{\.\./}, 'no parent at the root');



=== TEST 3: a text file, escaped in <pre> with line numbers; CRLF is one line end
--- perl
plant_file(kvfs, 'tmp/t.c', "a < b && c > \"d\"\r\n\tsecond\x1b[0m\n\nlast, no newline", uid => 'glenda', gid => 'glenda');
my ($c, $root) = kattach('glenda');
my $page = view($c, $root, 'tmp/t.c');
page_ok($page, 't.c');
like($page, qr{<body class="ssr-text">}, 'a text page');
is(page_main($page), qq{<pre class="text"><span class="ln">1</span>a &lt; b &amp;&amp; c &gt; &quot;d&quot;\n}
    . qq{<span class="ln">2</span>\tsecond\xe2\x90\x9b[0m\n<span class="ln">3</span>\n<span class="ln">4</span>last, no newline\n</pre>\n},
    'every line numbered, everything escaped, ESC shown as its picture');
plant_file(kvfs, 'tmp/empty', '', uid => 'glenda', gid => 'glenda');
like(view($c, $root, 'tmp/empty'), qr{<p class="note">empty file</p>}, 'an empty file');
plant_file(kvfs, 'tmp/utf8.txt', "gr\xc3\xbc\xc3\x9fe \xe2\x98\x83\n", uid => 'glenda', gid => 'glenda');
like(view($c, $root, 'tmp/utf8.txt'), qr{gr\xc3\xbc\xc3\x9fe \xe2\x98\x83}, 'UTF-8 text as it is');



=== TEST 4: binary files: NUL bytes or bytes that are not UTF-8
--- perl
plant_file(kvfs, 'tmp/nul.md', "# x\0y\n", uid => 'glenda', gid => 'glenda');
plant_file(kvfs, 'tmp/latin1.txt', "caf\xe9\n", uid => 'glenda', gid => 'glenda');
plant_file(kvfs, 'tmp/overlong', "\xc0\xaf", uid => 'glenda', gid => 'glenda');
plant_file(kvfs, 'tmp/surrogate', "\xed\xa0\x80", uid => 'glenda', gid => 'glenda');
my ($c, $root) = kattach('glenda');
for ([ 'nul.md', 6 ], [ 'latin1.txt', 5 ], [ 'overlong', 2 ], [ 'surrogate', 3 ]) {
    my ($name, $size) = @$_;
    my $page = view($c, $root, "tmp/$name");
    page_ok($page, $name);
    is(page_main($page), qq{<p class="note">binary file, $size bytes</p>\n}, "$name: binary, $size bytes");
}



=== TEST 5: files over -L are not read: a page says they are too large
--- ssr: -L 1000
--- perl
plant_file(kvfs, 'tmp/big.md', "# big\n" x 400, uid => 'glenda', gid => 'glenda');
plant_file(kvfs, 'tmp/fits.md', "# fits\n" x 100, uid => 'glenda', gid => 'glenda');
my ($c, $root) = kattach('glenda');
my $page = view($c, $root, 'tmp/big.md');
page_ok($page, 'big.md');
like($page, qr{<body class="ssr-large">}, 'a large-file page');
is(page_main($page), qq{<p class="note">too large to render: 2400 bytes (the limit is 1000 bytes)</p>\n}, 'says so, with the sizes');
like(view($c, $root, 'tmp/fits.md'), qr{<h1>fits</h1>}, 'a file under the limit is rendered');



=== TEST 6: images inline as data: URLs up to -I; SVG only inside <img>
--- ssr: -I 2000
--- perl
my $png = "\x89PNG\r\n\x1a\n" . join('', map { chr($_ % 256) } 0 .. 99);
my $svg = qq{<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script><circle r="4"/></svg>};
plant_file(kvfs, 'tmp/p.png', $png, uid => 'glenda', gid => 'glenda');
plant_file(kvfs, 'tmp/Q.JPEG', "\xff\xd8\xff\xe0JFIF", uid => 'glenda', gid => 'glenda');
plant_file(kvfs, 'tmp/s.svg', $svg, uid => 'glenda', gid => 'glenda');
plant_file(kvfs, 'tmp/w.webp', 'RIFF....WEBP', uid => 'glenda', gid => 'glenda');
plant_file(kvfs, 'tmp/g.gif', 'GIF89a', uid => 'glenda', gid => 'glenda');
plant_file(kvfs, 'tmp/huge.png', "\x89PNG" . ("x" x 3000), uid => 'glenda', gid => 'glenda');
my ($c, $root) = kattach('glenda');
my $page = view($c, $root, 'tmp/p.png');
page_ok($page, 'p.png');
like($page, qr{<body class="ssr-image">}, 'an image page');
my $b64 = encode_base64($png, '');
like($page, qr{<figure><img alt="p\.png" src="data:image/png;base64,\Q$b64\E"><figcaption>p\.png, 108 bytes</figcaption></figure>}, 'the PNG inline, exactly');
like(view($c, $root, 'tmp/Q.JPEG'), qr{src="data:image/jpeg;base64,}, '.JPEG: image/jpeg, any case');
like(view($c, $root, 'tmp/w.webp'), qr{src="data:image/webp;base64,}, 'webp');
like(view($c, $root, 'tmp/g.gif'), qr{src="data:image/gif;base64,}, 'gif');
my $s = view($c, $root, 'tmp/s.svg');
page_ok($s, 's.svg');
my $sb64 = encode_base64($svg, '');
like($s, qr{<img alt="s\.svg" src="data:image/svg\+xml;base64,\Q$sb64\E">}, 'SVG only as an <img> (where it cannot run scripts)');
unlike($s, qr{<svg|<circle}, 'never as markup');
my $h = view($c, $root, 'tmp/huge.png');
page_ok($h, 'huge.png');
is(page_main($h), qq{<p class="note">image too large to show inline: 3004 bytes (the limit is 2000 bytes)</p>\n}, 'an image over -I: a page that says so');



=== TEST 7: walks mirror the VFS: through views of directories, "..", short walks, the VFS's errors; qids are files
--- perl
plant_file(kvfs, 'usr/glenda/d/e/f.md', "# deep\n", uid => 'glenda', gid => 'glenda');
my ($c, $root) = kattach('glenda');
my $r = $c->walk($root, 1, 'view');
is_9p($r, 'Rwalk wqid=[(0 * *)]', '/view is a file (QTFILE): the root listing');
$r = $c->walk(1, 2, 'usr', 'glenda', 'd');
is_9p($r, 'Rwalk wqid=[(0 * *) (0 * *) (0 * *)]', 'views of directories are files too');
is($r->{wqid}[2][2], (stat kvfs->path('usr/glenda/d'))[1], "a view's qid path is the VFS file's");
$r = $c->walk(2, 3, 'e', '..', 'e', 'f.md');
is_9p($r, 'Rwalk wqid=[(0 * *) (0 * *) (0 * *) (0 * *)]', 'walking on from a view, through ..');
like(view($c, $root, 'usr/glenda/d/e/../e/f.md'), qr{<h1>deep</h1>}, 'and the page is there');
$c->open(3, 0);
like($c->read(3, 0, 8192)->{data}, qr{<title>/usr/glenda/d/e/f\.md</title>}, 'the walked fid reads its page');
is_9p($c->walk(1, 4, 'nonexistent'), 'Rerror ename="file does not exist"', "the VFS's error for the first name");
is_9p($c->walk(1, 4, 'usr', 'nonexistent', 'x'), 'Rwalk wqid=[(0 * *)]', 'a short walk after it');
is_9p($c->stat(4), 'Rerror ename="unknown fid"', 'which made no fid');
is_9p($c->walk(1, 4, 'usr', 'glenda', 'd', 'e', 'f.md', 'x'), 'Rwalk wqid=[(0 * *) (0 * *) (0 * *) (0 * *) (0 * *)]', 'no walking past a file: the VFS says so');
is_9p($c->walk(3, 5), 'Rerror ename="cannot walk an open fid"', 'an open view cannot walk');
my $deep = join '/', map { "d$_" } 1 .. 20;
plant_file(kvfs, "tmp/$deep/z.md", "# twenty deep\n", uid => 'glenda', gid => 'glenda');
like(view($c, $root, "tmp/$deep/z.md"), qr{<h1>twenty deep</h1>}, 'a path deeper than 16 names');



=== TEST 8: stat: a file, read-only modes, the page's length once it is known
--- perl
plant_file(kvfs, 'usr/glenda/s.md', "# stat me\n", uid => 'glenda', gid => 'glenda', mode => 0664);
my ($c, $root) = kattach('glenda');
my $f = $c->walk_to($root, 'view/usr/glenda/s.md');
is_9p($c->stat($f), 'Rstat stat={type=* dev=* qid=(0 * *) mode=0444 atime=* mtime=* length=0 name=s.md uid=glenda gid=glenda muid=*}',
    'before it is rendered: length 0 (read until EOF), mode r--r--r--');
$c->open($f, 0);
my $page = $c->read_all($f);
is_9p($c->stat($f), 'Rstat stat={type=* dev=* qid=(0 * *) mode=0444 atime=* mtime=* length=' . length($page) . ' name=s.md uid=glenda gid=glenda muid=*}',
    'an open view: the length of its page');
my $g = $c->walk_to($root, 'view/usr/glenda/s.md');
is($c->stat($g)->{stat}{length}, length($page), 'another fid: the cached page gives its length too');
my $d = $c->walk_to($root, 'view/usr/glenda');
is_9p($c->stat($d), 'Rstat stat={type=* dev=* qid=(0 * *) mode=0444 atime=* mtime=* length=0 name=glenda uid=glenda gid=glenda muid=*}',
    'a directory view: a file, mode r--r--r--');



=== TEST 9: nothing writes: opens for writing, create, write, remove, wstat say "read-only file system"
--- perl
plant_file(kvfs, 'usr/glenda/keep.md', "# keep\n", uid => 'glenda', gid => 'glenda', mode => 0664);
my ($c, $root) = kattach('glenda');
my $f = $c->walk_to($root, 'view/usr/glenda/keep.md');
for my $mode (1, 2, 0x10, 0x40) {
    is_9p($c->open($f, $mode), 'Rerror ename="read-only file system"', sprintf('open mode 0x%x', $mode));
}
is_9p($c->open($f, 3), 'Rerror ename="permission denied"', 'OEXEC');
my $d = $c->walk_to($root, 'view/usr/glenda');
is_9p($c->create($d, 'new.md', 0644, 1), 'Rerror ename="read-only file system"', 'create');
is_9p($c->wstat($f, mode => 0666), 'Rerror ename="read-only file system"', 'wstat');
$c->open($f, 0);
is_9p($c->write($f, 0, 'x'), 'Rerror ename="read-only file system"', 'write on a view open for reading');
is_9p($c->remove($f), 'Rerror ename="read-only file system"', 'remove');
is_9p($c->stat($f), 'Rerror ename="unknown fid"', 'remove clunked the fid all the same');
is(do { local (@ARGV, $/) = kvfs->path('usr/glenda/keep.md'); <> }, "# keep\n", 'the file is untouched');
ok(!-e kvfs->path('usr/glenda/new.md'), 'nothing was created');
my $g = $c->walk_to($root, 'view/usr/glenda/keep.md');
is_9p($c->read($g, 0, 10), 'Rerror ename="fid not open"', 'a read before the open');
