package Ten::NineP;

# A 9P2000 codec for the tests: pack/unpack every message type by field
# name, plus a readable one-line text form used by the `--- ninep` and
# `--- ws` sections of Test::Ten.
#
#   my $bytes = pack_msg({ type => 'Tversion', tag => 0xffff,
#                          msize => 8192, version => '9P2000' });
#   my $msg   = unpack_msg($bytes);          # dies with a reason if malformed
#   my $msg   = parse_msg('Tversion tag=NOTAG msize=8192 version=9P2000');
#   my $text  = format_msg($msg);
#   my $diff  = match_msg($expected, $got);  # undef when they match
#
# Values in the text form:
#   numbers      42, 0x1f, 0755 (octal), NOFID, NOTAG, DONTTOUCH (all ones)
#   strings      bare words, or "double quoted" with \" \\ \n \t \xHH
#   bytes        hex:0a0b0c  (also accepted for strings and data)
#   qid          (type version path), e.g. (0x80 0 1)
#   lists        [a b c] for wname, [(0x80 0 1) (0 0 2)] for wqid
#   stat         {type=0 dev=0 qid=(0 0 1) mode=0644 atime=0 mtime=0
#                 length=0 name=f uid=u gid=g muid=u}
#   *            in an expectation: any value
# Pseudo-fields when packing: size=N overrides the size field (to make
# malformed messages); in an expectation, size= is not allowed.

use strict;
use warnings;
use Exporter 'import';
use Carp qw(croak);

our @EXPORT_OK = qw(pack_msg unpack_msg parse_msg format_msg match_msg
    msg_type_number msg_fields parse_value_text tokenize);

use constant {
    NOTAG => 0xffff,
    NOFID => 0xffffffff,
};

# The wildcard in patterns: a unique object, so a literal "*" string differs.
our $ANY = bless \(my $any = '*'), 'Ten::NineP::Any';
sub _is_any { ref $_[0] eq 'Ten::NineP::Any' }

# type name => [number, [field, kind], ...]; kinds are the wire encodings.
my %MSG = (
    Tversion => [100, [msize => 'u32'], [version => 'str']],
    Rversion => [101, [msize => 'u32'], [version => 'str']],
    Tauth    => [102, [afid => 'u32'], [uname => 'str'], [aname => 'str']],
    Rauth    => [103, [aqid => 'qid']],
    Tattach  => [104, [fid => 'u32'], [afid => 'u32'], [uname => 'str'],
                      [aname => 'str']],
    Rattach  => [105, [qid => 'qid']],
    Terror   => [106],
    Rerror   => [107, [ename => 'str']],
    Tflush   => [108, [oldtag => 'u16']],
    Rflush   => [109],
    Twalk    => [110, [fid => 'u32'], [newfid => 'u32'],
                      [wname => 'strlist']],
    Rwalk    => [111, [wqid => 'qidlist']],
    Topen    => [112, [fid => 'u32'], [mode => 'u8']],
    Ropen    => [113, [qid => 'qid'], [iounit => 'u32']],
    Tcreate  => [114, [fid => 'u32'], [name => 'str'], [perm => 'u32'],
                      [mode => 'u8']],
    Rcreate  => [115, [qid => 'qid'], [iounit => 'u32']],
    Tread    => [116, [fid => 'u32'], [offset => 'u64'], [count => 'u32']],
    Rread    => [117, [data => 'data']],
    Twrite   => [118, [fid => 'u32'], [offset => 'u64'], [data => 'data']],
    Rwrite   => [119, [count => 'u32']],
    Tclunk   => [120, [fid => 'u32']],
    Rclunk   => [121],
    Tremove  => [122, [fid => 'u32']],
    Rremove  => [123],
    Tstat    => [124, [fid => 'u32']],
    Rstat    => [125, [stat => 'statn']],
    Twstat   => [126, [fid => 'u32'], [stat => 'statn']],
    Rwstat   => [127],
);
my %NAME_OF = map { $MSG{$_}[0] => $_ } keys %MSG;

my @STAT_FIELDS = ([type => 'u16'], [dev => 'u32'], [qid => 'qid'],
    [mode => 'u32'], [atime => 'u32'], [mtime => 'u32'], [length => 'u64'],
    [name => 'str'], [uid => 'str'], [gid => 'str'], [muid => 'str']);

my %WIDTH = (u8 => 1, u16 => 2, u32 => 4, u64 => 8);

sub msg_type_number { my $t = $MSG{$_[0]}; $t ? $t->[0] : undef }

# Field names of a message type, in wire order (after size/type/tag).
sub msg_fields {
    my ($type) = @_;
    my $def = $MSG{$type} or croak "unknown 9P message type '$type'";
    return map { $_->[0] } @$def[1 .. $#$def];
}

sub _kinds { my $def = $MSG{$_[0]}; return @$def[1 .. $#$def] }

# ---------------------------------------------------------------- packing

sub _pack_int {
    my ($kind, $v, $name) = @_;
    croak "field '$name' needs a number" unless defined $v && !ref $v;
    return pack('C', $v)  if $kind eq 'u8';
    return pack('v', $v)  if $kind eq 'u16';
    return pack('V', $v)  if $kind eq 'u32';
    return pack('Q<', $v) if $kind eq 'u64';
    croak "not an integer kind: $kind";
}

sub _pack_str {
    my ($s) = @_;
    croak "string field missing" unless defined $s;
    croak "string too long" if length($s) > 0xffff;
    return pack('v', length $s) . $s;
}

sub _pack_qid {
    my ($q) = @_;
    croak "qid must be [type, version, path]" unless ref $q eq 'ARRAY';
    return pack('C V Q<', @$q);
}

sub _pack_stat {
    my ($st) = @_;
    my $body = '';
    for my $f (@STAT_FIELDS) {
        my ($name, $kind) = @$f;
        croak "stat field '$name' missing" unless exists $st->{$name};
        $body .= _pack_field($kind, $st->{$name}, $name);
    }
    return pack('v', length $body) . $body;
}

sub _pack_field {
    my ($kind, $v, $name) = @_;
    return _pack_int($kind, $v, $name) if $WIDTH{$kind};
    return _pack_str($v)  if $kind eq 'str';
    return _pack_qid($v)  if $kind eq 'qid';
    if ($kind eq 'strlist') {
        return pack('v', scalar @$v) . join('', map { _pack_str($_) } @$v);
    }
    if ($kind eq 'qidlist') {
        return pack('v', scalar @$v) . join('', map { _pack_qid($_) } @$v);
    }
    return pack('V', length $v) . $v if $kind eq 'data';
    if ($kind eq 'statn') {
        my $raw = ref $v ? _pack_stat($v) : $v;    # a string is raw bytes
        return pack('v', length $raw) . $raw;
    }
    croak "unknown field kind $kind";
}

# Encodes a message hash; $m->{size} (optional) overrides the size field.
sub pack_msg {
    my ($m) = @_;
    my $type = $m->{type};
    my $def = $MSG{$type} or croak "unknown 9P message type '$type'";
    croak "$type: field 'tag' missing" unless defined $m->{tag};
    my $body = pack('C v', $def->[0], $m->{tag});
    for my $f (_kinds($type)) {
        my ($name, $kind) = @$f;
        croak "$type: field '$name' missing" unless exists $m->{$name};
        $body .= _pack_field($kind, $m->{$name}, $name);
    }
    my $size = defined $m->{size} ? $m->{size} : 4 + length $body;
    return pack('V', $size) . $body;
}

# -------------------------------------------------------------- unpacking

# A cursor over a byte string; each take_* dies with a reason when short.
sub _take {
    my ($cur, $n, $what) = @_;
    die "$what runs past the end\n" if $cur->{pos} + $n > length ${ $cur->{buf} };
    my $s = substr(${ $cur->{buf} }, $cur->{pos}, $n);
    $cur->{pos} += $n;
    return $s;
}

sub _unpack_field {
    my ($cur, $kind, $name) = @_;
    if (my $w = $WIDTH{$kind}) {
        my $fmt = { 1 => 'C', 2 => 'v', 4 => 'V', 8 => 'Q<' }->{$w};
        return unpack($fmt, _take($cur, $w, "field $name"));
    }
    if ($kind eq 'str') {
        my $len = unpack('v', _take($cur, 2, "string $name"));
        return _take($cur, $len, "string $name");
    }
    return [unpack('C V Q<', _take($cur, 13, "qid $name"))] if $kind eq 'qid';
    if ($kind eq 'strlist' || $kind eq 'qidlist') {
        my $n = unpack('v', _take($cur, 2, "count of $name"));
        die "too many elements in $name ($n > 16)\n" if $n > 16;
        my $elem = $kind eq 'strlist' ? 'str' : 'qid';
        return [map { _unpack_field($cur, $elem, $name) } 1 .. $n];
    }
    if ($kind eq 'data') {
        my $count = unpack('V', _take($cur, 4, "count"));
        return _take($cur, $count, "data");
    }
    if ($kind eq 'statn') {
        my $n = unpack('v', _take($cur, 2, "stat length"));
        return _unpack_stat(_take($cur, $n, "stat"));
    }
    die "unknown field kind $kind\n";
}

sub _unpack_stat {
    my ($raw) = @_;
    my $cur = { buf => \$raw, pos => 0 };
    my $size = unpack('v', _take($cur, 2, "stat size"));
    die "stat size $size does not match its length\n"
        if $size + 2 != length $raw;
    my %st;
    for my $f (@STAT_FIELDS) {
        $st{$f->[0]} = _unpack_field($cur, $f->[1], $f->[0]);
    }
    die "trailing bytes in stat\n" if $cur->{pos} != length $raw;
    return \%st;
}

# Decodes exactly one message; dies with a one-line reason if malformed.
sub unpack_msg {
    my ($bytes) = @_;
    die "message shorter than 7 bytes\n" if length $bytes < 7;
    my ($size, $typenum, $tag) = unpack('V C v', $bytes);
    die "size field $size does not match message length " . length($bytes) . "\n"
        if $size != length $bytes;
    my $type = $NAME_OF{$typenum}
        or die "unknown message type $typenum\n";
    my $cur = { buf => \$bytes, pos => 7 };
    my %m = (type => $type, tag => $tag);
    for my $f (_kinds($type)) {
        $m{$f->[0]} = _unpack_field($cur, $f->[1], $f->[0]);
    }
    die "trailing bytes after $type\n" if $cur->{pos} != length $bytes;
    return \%m;
}

# ------------------------------------------------------------ text form

# Splits a line into tokens: "quoted" strings, ( ) [ ] { } groups, '=',
# and bare words.  Returns a list of [kind, text] pairs.
sub tokenize {
    my ($line) = @_;
    my @tok;
    pos($line) = 0;
    while (pos($line) < length $line) {
        if ($line =~ /\G\s+/gc) { next }
        elsif ($line =~ /\G"((?:[^"\\]|\\.)*)"/gc) { push @tok, [q => _unescape($1)] }
        elsif ($line =~ /\G([()\[\]{}=])/gc)       { push @tok, [p => $1] }
        elsif ($line =~ /\G([^\s()\[\]{}="]+)/gc)  { push @tok, [w => $1] }
        else { croak "cannot parse near: " . substr($line, pos($line)) }
    }
    return \@tok;
}

sub _unescape {
    my ($s) = @_;
    my %simple = (n => "\n", t => "\t", r => "\r", '0' => "\0");
    $s =~ s{\\(x([0-9a-fA-F]{2})|.)}{
        defined $2 ? chr(hex $2) : exists $simple{$1} ? $simple{$1} : $1
    }ge;
    return $s;
}

# A value token sequence -> Perl value.  Words stay as text (converted by
# kind later); groups become refs tagged by their bracket.
sub _parse_value {
    my ($tok) = @_;
    my $t = shift @$tok or croak "missing value";
    return { q => $t->[1] } if $t->[0] eq 'q';
    return { w => $t->[1] } if $t->[0] eq 'w';
    my %close = ('(' => ')', '[' => ']', '{' => '}');
    my $open = $t->[1];
    croak "unexpected '$open'" unless $close{$open};
    if ($open eq '{') {
        my %fields;
        while (@$tok && $tok->[0][1] ne '}') {
            my ($name, $v) = _parse_assignment($tok);
            $fields{$name} = $v;
        }
        croak "missing '}'" unless @$tok;
        shift @$tok;
        return { '{' => \%fields };
    }
    my @items;
    while (@$tok && !($tok->[0][0] eq 'p' && $tok->[0][1] eq $close{$open})) {
        push @items, _parse_value($tok);
    }
    croak "missing '$close{$open}'" unless @$tok;
    shift @$tok;
    return { $open => \@items };
}

sub _parse_assignment {
    my ($tok) = @_;
    my $name = shift @$tok;
    croak "expected name=value" unless $name && $name->[0] eq 'w'
        && @$tok && $tok->[0][1] eq '=';
    shift @$tok;
    return ($name->[1], _parse_value($tok));
}

sub _number {
    my ($text, $name) = @_;
    return NOFID if $text eq 'NOFID';
    return NOTAG if $text eq 'NOTAG';
    return $text if $text eq 'DONTTOUCH';    # resolved by width later
    croak "field '$name': '$text' is not a number"
        unless $text =~ /^(0x[0-9a-fA-F]+|0b[01]+|0[0-7]*|[1-9][0-9]*)$/;
    return $text =~ /^0/ ? oct($text) : $text + 0;
}

sub _bytes_of {
    my ($v, $name) = @_;
    return $v->{q} if exists $v->{q};
    if (exists $v->{w}) {
        my $w = $v->{w};
        if ($w =~ /^hex:([0-9a-fA-F]*)$/) {
            croak "field '$name': odd number of hex digits" if length($1) % 2;
            return pack('H*', $1);
        }
        return $w;
    }
    croak "field '$name' needs a string";
}

# Converts a parsed value to the Perl form for a field kind.  '*' stays
# '*' (a wildcard) when $pattern is true.
sub _convert {
    my ($v, $kind, $name, $pattern) = @_;
    return $ANY if $pattern && exists $v->{w} && $v->{w} eq '*';
    if (my $w = $WIDTH{$kind}) {
        croak "field '$name' needs a number" unless exists $v->{w};
        my $n = _number($v->{w}, $name);
        return $n eq 'DONTTOUCH' ? 2**(8 * $w) - 1 : $n;
    }
    return _bytes_of($v, $name) if $kind eq 'str' || $kind eq 'data';
    if ($kind eq 'qid') {
        my $items = $v->{'('} or croak "field '$name' needs a qid (type version path)";
        croak "field '$name': a qid has 3 parts" unless @$items == 3;
        my @kinds = qw(u8 u32 u64);
        return [map { _convert($items->[$_], $kinds[$_], $name, $pattern) } 0 .. 2];
    }
    if ($kind eq 'strlist' || $kind eq 'qidlist') {
        my $items = $v->{'['} or croak "field '$name' needs a [list]";
        my $elem = $kind eq 'strlist' ? 'str' : 'qid';
        return [map { _convert($_, $elem, $name, $pattern) } @$items];
    }
    if ($kind eq 'statn') {
        return _bytes_of($v, $name) if exists $v->{w} || exists $v->{q};
        my $fields = $v->{'{'} or croak "field '$name' needs a {stat}";
        my %st;
        for my $f (@STAT_FIELDS) {
            my ($fname, $fkind) = @$f;
            croak "stat field '$fname' missing (use $fname=* for any)"
                unless exists $fields->{$fname};
            $st{$fname} = _convert($fields->{$fname}, $fkind, $fname, $pattern);
        }
        my @extra = grep { my $n = $_; !grep { $_->[0] eq $n } @STAT_FIELDS } keys %$fields;
        croak "unknown stat field(s): @extra" if @extra;
        return \%st;
    }
    croak "unknown kind $kind";
}

# Parses 'Tversion tag=1 msize=8192 version=9P2000' (or a token list) into
# a message hash.  With $pattern, '*' values are wildcards and every field
# must be given; without, size= may override the size field.
sub parse_msg {
    my ($text, $pattern) = @_;
    my $tok = ref $text ? $text : tokenize($text);
    my $head = shift @$tok;
    croak "expected a 9P message type" unless $head && $head->[0] eq 'w';
    my $type = $head->[1];
    croak "unknown 9P message type '$type'" unless $MSG{$type};
    my %kind_of = (tag => 'u16', map { @$_ } _kinds($type));
    $kind_of{size} = 'u32' unless $pattern;
    my %m = (type => $type);
    while (@$tok) {
        my ($name, $v) = _parse_assignment($tok);
        croak "$type has no field '$name' (fields: tag "
            . join(' ', msg_fields($type)) . ")" unless $kind_of{$name};
        croak "$type: field '$name' given twice" if exists $m{$name};
        $m{$name} = _convert($v, $kind_of{$name}, $name, $pattern);
    }
    for my $name ('tag', msg_fields($type)) {
        croak "$type: field '$name' missing" . ($pattern ? " (use $name=* for any)" : '')
            unless exists $m{$name};
    }
    return \%m;
}

sub _quote {
    my ($s) = @_;
    return $s if length $s && $s =~ /^[A-Za-z0-9_.,:\/\@+%^~!-]+\z/
        && $s !~ /^hex:/ && $s ne '*';
    return 'hex:' . unpack('H*', $s) if $s =~ /[^\x20-\x7e\n\t]/ && length $s > 64;
    (my $q = $s) =~ s/(["\\])/\\$1/g;
    $q =~ s/\n/\\n/g;
    $q =~ s/\t/\\t/g;
    $q =~ s/([^\x20-\x7e])/sprintf('\\x%02x', ord $1)/ge;
    return qq("$q");
}

sub _format_value {
    my ($v, $kind) = @_;
    return '*' if _is_any($v);
    return "$v" if $WIDTH{$kind};
    return _quote($v) if $kind eq 'str' || $kind eq 'data';
    if ($kind eq 'qid') {
        my @k = qw(u8 u32 u64);
        my @p = map { _format_value($v->[$_], $k[$_]) } 0 .. 2;
        $p[0] = sprintf('0x%x', $v->[0]) unless _is_any($v->[0]);
        return '(' . join(' ', @p) . ')';
    }
    if ($kind eq 'strlist' || $kind eq 'qidlist') {
        my $elem = $kind eq 'strlist' ? 'str' : 'qid';
        return '[' . join(' ', map { _format_value($_, $elem) } @$v) . ']';
    }
    if ($kind eq 'statn') {
        return _quote($v) unless ref $v eq 'HASH';
        return '{' . join(' ', map {
            my $text = _format_value($v->{$_->[0]}, $_->[1]);
            if ($_->[0] eq 'mode' && !_is_any($v->{mode})) {
                $text = $v->{mode} < 0x10000 ? sprintf('0%o', $v->{mode})
                                             : sprintf('0x%08x', $v->{mode});
            }
            "$_->[0]=$text"
        } @STAT_FIELDS) . '}';
    }
    return "?";
}

# The text form of a message hash (round-trips through parse_msg).
sub format_msg {
    my ($m) = @_;
    my @parts = ($m->{type}, "tag=" . _format_value($m->{tag}, 'u16'));
    for my $f (_kinds($m->{type})) {
        push @parts, "$f->[0]=" . _format_value($m->{$f->[0]}, $f->[1]);
    }
    return join ' ', @parts;
}

sub _values_match {
    my ($want, $got) = @_;
    return 1 if _is_any($want);
    if (ref $want eq 'ARRAY') {
        return 0 unless ref $got eq 'ARRAY' && @$want == @$got;
        return !grep { !_values_match($want->[$_], $got->[$_]) } 0 .. $#$want;
    }
    if (ref $want eq 'HASH') {
        return 0 unless ref $got eq 'HASH';
        return !grep { !_values_match($want->{$_}, $got->{$_}) } keys %$want;
    }
    return 0 if ref $got;
    return $want eq $got;
}

# Compares an expected pattern with a decoded message; returns undef when
# they match, else a short description of the first mismatching field.
sub match_msg {
    my ($want, $got) = @_;
    return "type: want $want->{type}, got $got->{type}"
        if $want->{type} ne $got->{type};
    for my $f (['tag', 'u16'], _kinds($want->{type})) {
        my ($name, $kind) = @$f;
        next if _values_match($want->{$name}, $got->{$name});
        return "$name: want " . _format_value($want->{$name}, $kind)
            . ", got " . _format_value($got->{$name}, $kind);
    }
    return undef;
}

# Parses one value for a field of the given kind from text (for tests).
sub parse_value_text {
    my ($text, $kind) = @_;
    return _convert(_parse_value(tokenize($text)), $kind, 'value', 1);
}

1;
