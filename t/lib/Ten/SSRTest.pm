package Ten::SSRTest;

# Helpers of the ten-ssr suites (t/06[1-9]-ssr-*.t): kernel blocks with a
# ten-ssr mounted at /view, and checks of its pages.
#
#   use Ten::Kernel;
#   use Ten::SSRTest;
#   ssr_each_block();       # every block: `--- ssr` (flags ''), and a
#                           # namespace with `mount ssr /view`
#   my $page = view($c, $root, 'usr/glenda/notes.md');  # or an Rerror hash
#   page_ok($page, $name);  # UTF-8, one document, no script, CSP, ...

use strict;
use warnings;
use Exporter 'import';
use Encode ();
use Test::More ();
use Test::Ten ();
use Ten::Kernel ();

our @EXPORT = qw(ssr_each_block view view_open walk_long page_ok page_main);

our $NAMESPACE = "mount -c vfs /\nmount ssr /view\n";

sub ssr_each_block {
    Test::Ten::add_block_preprocessor(sub {
        my ($b) = @_;
        $b->set_value(ssr => '') unless defined $b->ssr;
        $b->set_value(namespace => $NAMESPACE) unless defined $b->namespace;
    });
    Ten::Kernel::kernel_each_block();
}

# Walks from $root to view/$path, opens and reads it whole ($count a
# read); the page, or the first Rerror (a hash) on the way.
sub view {
    my ($c, $root, $path, %o) = @_;
    my ($fid, $r) = view_open($c, $root, $path);
    return $r unless defined $fid;
    my ($data, $off) = ('', 0);
    while (1) {
        $r = $c->read($fid, $off, $o{count} || 8192);
        if ($r->{type} eq 'Rerror') { $c->clunk($fid); return $r }
        last unless length $r->{data};
        $data .= $r->{data};
        $off += length $r->{data};
    }
    $c->clunk($fid);
    return $data;
}

# ($fid) of view/$path opened for reading, or (undef, $rerror).
sub view_open {
    my ($c, $root, $path, $mode) = @_;
    my $fid = walk_long($c, $root, "view/$path");
    return (undef, $c->{last}) unless defined $fid;
    my $r = $c->open($fid, $mode // 0);
    if ($r->{type} ne 'Ropen') { $c->clunk($fid); return (undef, $r) }
    return ($fid, $r);
}

# walk_to for paths of any depth: 16 names a Twalk.
sub walk_long {
    my ($c, $from, $path) = @_;
    my @names = grep { length } split m{/}, $path;
    my $fid = $c->newfid;
    my $at = $from;
    do {
        my @step = splice @names, 0, 16;
        my $r = $c->{last} = $c->walk($at, $fid, @step);
        return undef unless $r->{type} eq 'Rwalk' && @{ $r->{wqid} } == @step;
        $at = $fid;
    } while (@names);
    return $fid;
}

# What lies between <main> and </main>.
sub page_main {
    my ($page) = @_;
    return $page =~ m{<main>\n(.*)</main>\n}s ? $1 : '';
}

# The invariants of every page.
sub page_ok {
    my ($page, $name) = @_;
    if (ref $page) {
        Test::More::fail("$name: a page");
        Test::More::diag(Ten::NineP::format_msg($page));
        return;
    }
    my $copy = $page;
    my $utf8 = eval { Encode::decode('UTF-8', $copy, Encode::FB_CROAK); 1 };
    Test::More::ok($utf8, "$name: valid UTF-8");
    Test::More::like($page, qr{\A<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n}, "$name: an HTML5 document in UTF-8");
    Test::More::like($page, qr{</html>\n\z}, "$name: complete");
    Test::More::like($page, qr{<meta http-equiv="Content-Security-Policy" content="default-src 'none'; [^"]*">}, "$name: a CSP without scripts");
    # every tag well formed, with known attributes only, values quoted
    my %attr = map { $_ => 1 } qw(lang charset http-equiv content name target
        class href src alt title start);
    (my $tags = $page) =~ s{<style>.*?</style>}{<style></style>}s;
    my @odd;
    for my $tag ($tags =~ m{(<[^!][^>]*>)}g) {
        my ($attrs) = $tag =~ m{^</?[a-z][a-z0-9]*((?:\s+[a-z-]+(?:="[^"<]*")?)*)\s*/?>\z};
        if (!defined $attrs) { push @odd, $tag; next }
        $attrs =~ s{="[^"]*"}{}g;
        push @odd, grep { !$attr{$_} } $attrs =~ m{\s([a-z-]+)}g;
    }
    Test::More::is("@odd", '', "$name: well-formed tags, known attributes: nothing that runs");
    Test::More::unlike($page, qr{<script|\shref="\s*(?:javascript|vbscript|data):}i, "$name: no script, no unsafe link");
    Test::More::like($page, qr{<title>[^<]*</title>}, "$name: a title");
    Test::More::like($page, qr{<nav class="crumbs"><a href="/\#/view/" target="_top">/</a>}, "$name: breadcrumbs");
    Test::More::like($page, qr{<style>\n.*prefers-color-scheme:dark.*</style>}s, "$name: the stylesheet, light and dark");
    # every element is one the renderer or cmark writes
    my %ok = map { $_ => 1 } qw(html head meta base title style body nav main a
        span table thead tbody tr th td p pre code h1 h2 h3 h4 h5 h6 ul ol li
        blockquote em strong hr br img figure figcaption article);
    (my $body = $page) =~ s{<style>.*?</style>}{}s;
    my @bad = grep { !$ok{lc $_} } $body =~ m{<(?!!)/?([A-Za-z][A-Za-z0-9]*)}g;
    Test::More::is("@bad", '', "$name: only known elements");
    for my $href ($body =~ m{\s(?:href|src)="([^"]*)"}g) {
        next if $href =~ m{^(/\#/view/|https?:|mailto:|data:image/(png|jpeg|gif|webp|svg\+xml);base64,)}i;
        Test::More::fail("$name: a link to $href");
    }
}

1;
