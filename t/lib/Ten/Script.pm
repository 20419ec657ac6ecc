package Ten::Script;

# The WebSocket conversation scripts of Test::Ten's `--- ws` and `--- ninep`
# sections.  One step a line; '#' starts a comment line.
#
# Sending (consecutive '>' lines go out in ONE TCP write, so they are
# pipelined; a '<' line, `> sleep` or `> reconnect` flushes them):
#
#   > binary PAYLOAD        one binary frame (FIN set, masked)
#   > text PAYLOAD          > ping PAYLOAD      > pong PAYLOAD
#   > cont PAYLOAD          continuation frame
#   > op3 PAYLOAD           a frame with opcode 3 (any 0..15)
#   > close [CODE ["reason"]]   close frame (`> close hex:03` for raw)
#   > fragments N [pings] PAYLOAD
#                           the payload as a binary frame and N-1
#                           continuations; `pings` puts a ping ("p1",
#                           "p2", ...) between fragments
#   > raw PAYLOAD           bytes straight onto TCP, no framing
#   > sleep SECONDS         flush, then pause
#   > reconnect             drop TCP and open a new WebSocket (handshake
#                           must succeed)
#
#   Frame modifiers, before the payload: nofin, unmasked, rsv1, rsv2, rsv3,
#   len16 / len64 (non-minimal length encoding), part=I/N (send only the
#   I-th of N equal slices of the payload).
#
#   PAYLOAD: a 9P message (Tversion tag=1 msize=8192 version=9P2000; see
#   Ten::NineP for the syntax; size=N overrides its size field), "text",
#   hex:0102, random:N (seeded random bytes), zeros:N, or nothing.
#
# Expecting (each waits up to the timeout for the next event):
#
#   < binary [PATTERN]      PATTERN: a 9P message pattern (* = any value),
#                           "text", hex:.., or nothing for any payload
#   < text [PATTERN]        < ping [PATTERN]     < pong [PATTERN]
#   < close [CODES ["reason substring"]]
#                           CODES: 1002 or 1002,1009 or *
#   < closed                the server closed TCP (no frame before it)
#   < nothing SECONDS       no frame and no close for that long
#
#   Options on '<' lines: timeout=S (default: the section's), skip=ping
#   (ignore pings, or any comma list of frame kinds, before the expected
#   event), after=S (the event must not come sooner than S seconds after
#   the last flush).
#
# In `--- ninep` sections a line may also start with a 9P message type:
# `> Tversion ...` means `> binary Tversion ...` and `< Rversion ...`
# means `< binary Rversion ...`.

use strict;
use warnings;
use Time::HiRes qw(time sleep);
use Carp qw(croak);
use Ten::WebSocket;
use Ten::NineP qw(tokenize parse_msg pack_msg unpack_msg format_msg match_msg);

my %FRAME_VERB = (binary => 2, text => 1, ping => 9, pong => 10,
    close => 8, cont => 0);
my %MODIFIER = map { $_ => 1 } qw(nofin unmasked rsv1 rsv2 rsv3 len16 len64);
my %OPTION = map { $_ => 1 } qw(timeout skip after);

# ---------------------------------------------------------------- parsing

# Parses script text into steps: { dir => '>' | '<', verb, line, lineno,
# and verb-specific fields }.  Dies with "line N: reason" on bad syntax.
sub parse {
    my ($text, %opt) = @_;
    my @steps;
    my $lineno = 0;
    for my $line (split /\n/, $text) {
        $lineno++;
        next if $line =~ /^\s*(#|$)/;
        my $step = eval { _parse_line($line, $opt{ninep}) };
        die "script line $lineno ($line): " . _clean($@) if $@;
        $step->{line} = $line;
        $step->{lineno} = $lineno;
        push @steps, $step;
    }
    return \@steps;
}

sub _parse_line {
    my ($line, $ninep) = @_;
    $line =~ s/^\s*([<>])\s*// or croak "a line starts with '>' (send) or '<' (expect)\n";
    my $dir = $1;
    my $tok = tokenize($line);
    croak "nothing after '$dir'\n" unless @$tok;
    # `Txxx ...` in ninep sections is shorthand for `binary Txxx ...`
    unshift @$tok, [w => 'binary'] if $tok->[0][1] =~ /^[TR][a-z]+$/;
    my $verb = shift(@$tok)->[1];
    return $dir eq '>' ? _parse_send($verb, $tok) : _parse_expect($verb, $tok);
}

sub _parse_send {
    my ($verb, $tok) = @_;
    my %s = (dir => '>', verb => $verb);
    if ($verb eq 'sleep') {
        $s{seconds} = _word($tok, 'seconds');
        return \%s;
    }
    return \%s if $verb eq 'reconnect';
    if ($verb eq 'raw') {
        $s{payload} = _payload($tok);
        return \%s;
    }
    if ($verb eq 'fragments') {
        $s{count} = _word($tok, 'fragment count');
        croak "fragments needs a count >= 1\n" unless $s{count} =~ /^\d+$/ && $s{count} >= 1;
        if (@$tok && $tok->[0][1] eq 'pings') { shift @$tok; $s{pings} = 1 }
        $s{payload} = _payload($tok);
        return \%s;
    }
    if (exists $FRAME_VERB{$verb}) { $s{opcode} = $FRAME_VERB{$verb} }
    elsif ($verb =~ /^op(\d+)$/ && $1 < 16) { $s{opcode} = $1 }
    else { croak "unknown send verb '$verb'\n" }
    _parse_modifiers($tok, \%s);
    if ($verb eq 'close' && @$tok && $tok->[0][1] =~ /^\d+$/) {
        my $code = shift(@$tok)->[1];
        my $reason = @$tok && $tok->[0][0] eq 'q' ? shift(@$tok)->[1] : '';
        croak "unexpected text after the close reason\n" if @$tok;
        $s{payload} = pack('n', $code) . $reason;
        return \%s;
    }
    $s{payload} = _payload($tok);
    return \%s;
}

sub _parse_modifiers {
    my ($tok, $s) = @_;
    while (@$tok && $tok->[0][0] eq 'w') {
        my $w = $tok->[0][1];
        if ($MODIFIER{$w}) { $s->{$w} = 1; shift @$tok; next }
        if ($w eq 'part' && @$tok >= 3 && $tok->[1][1] eq '=') {
            my $spec = $tok->[2][1];
            $spec =~ m{^(\d+)/(\d+)$} && $1 >= 1 && $1 <= $2
                or croak "part=I/N needs 1 <= I <= N\n";
            $s->{part} = [$1, $2];
            splice @$tok, 0, 3;
            next;
        }
        last;
    }
}

sub _word {
    my ($tok, $what) = @_;
    my $t = shift @$tok or croak "missing $what\n";
    return $t->[1];
}

# A payload description -> bytes (9P messages are packed here).
sub _payload {
    my ($tok) = @_;
    return '' unless @$tok;
    my $first = $tok->[0];
    if ($first->[0] eq 'w' && $first->[1] =~ /^[TR][a-z]+$/) {
        return pack_msg(parse_msg($tok));
    }
    croak "unexpected text after the payload\n" if @$tok > 1;
    return $first->[1] if $first->[0] eq 'q';
    my $w = $first->[1];
    return pack('H*', $1) if $w =~ /^hex:((?:[0-9a-fA-F]{2})*)$/;
    return "\0" x $1 if $w =~ /^zeros:(\d+)$/;
    if ($w =~ /^random:(\d+)$/) {
        srand(9);    # reproducible garbage
        return join '', map { chr int rand 256 } 1 .. $1;
    }
    croak "cannot understand payload '$w'\n";
}

sub _parse_expect {
    my ($verb, $tok) = @_;
    my %e = (dir => '<', verb => $verb);
    # options may appear anywhere at the top level of the line
    my $i = 0;
    while ($i + 2 <= $#$tok) {
        if ($tok->[$i][0] eq 'w' && $OPTION{ $tok->[$i][1] }
            && $tok->[$i + 1][0] eq 'p' && $tok->[$i + 1][1] eq '=') {
            $e{ $tok->[$i][1] } = $tok->[$i + 2][1];
            splice @$tok, $i, 3;
        } else {
            $i++;
        }
    }
    $e{skip} = { map { $_ => 1 } split /,/, $e{skip} } if defined $e{skip};
    if ($verb eq 'closed') {
        croak "unexpected text after 'closed'\n" if @$tok;
    } elsif ($verb eq 'nothing') {
        $e{seconds} = _word($tok, 'seconds');
    } elsif ($verb eq 'close') {
        if (@$tok && $tok->[0][0] eq 'w') {
            my $codes = shift(@$tok)->[1];
            $e{codes} = [split /,/, $codes] unless $codes eq '*';
        }
        $e{reason} = shift(@$tok)->[1] if @$tok && $tok->[0][0] eq 'q';
        croak "unexpected text after the close reason\n" if @$tok;
    } elsif (exists $FRAME_VERB{$verb}) {
        $e{opcode} = $FRAME_VERB{$verb};
        _parse_pattern($tok, \%e);
    } else {
        croak "unknown expect verb '$verb'\n";
    }
    return \%e;
}

sub _parse_pattern {
    my ($tok, $e) = @_;
    return unless @$tok;                                  # any payload
    if ($tok->[0][0] eq 'w' && $tok->[0][1] =~ /^[TR][a-z]+$/) {
        $e->{msg} = parse_msg($tok, 1);
        return;
    }
    return if @$tok == 1 && $tok->[0][0] eq 'w' && $tok->[0][1] eq '*';    # any
    $e->{payload} = _payload($tok);
}

# -------------------------------------------------------------- running

# Runs the steps.  %opt: connect => sub returning a handshaken
# Ten::WebSocket (dies on failure), timeout => default seconds.
# Returns { ok => 0|1, error => text, transcript => [lines] }.
sub run {
    my ($steps, %opt) = @_;
    my $run = bless { connect => $opt{connect}, timeout => $opt{timeout} || 5,
                      transcript => [], pending => '', last_flush => time }, __PACKAGE__;
    my $error = eval {
        $run->{ws} = $run->{connect}->();
        for my $step (@$steps) {
            $run->{step} = $step;
            my $err = $step->{dir} eq '>' ? $run->_send($step) : $run->_expect($step);
            return "line $step->{lineno}: $step->{line}\n    $err" if $err;
        }
        $run->_flush;
        return $run->_finish;
    };
    $error = "line $run->{step}{lineno}: $run->{step}{line}\n    " . _clean($@)
        if !defined $error && $@ && $run->{step};
    $error = _clean($@) if !defined $error && $@;
    $run->{ws}->disconnect if $run->{ws};
    return { ok => !$error, error => $error, transcript => $run->{transcript} };
}

# An error text without Perl's " at FILE line N." suffix.
sub _clean { my ($e) = @_; $e =~ s/ at \S+ line \d+\.?\n?\z/\n/; return $e }

sub _note { push @{ $_[0]{transcript} }, $_[1] }

sub _flush {
    my ($self) = @_;
    return '' unless length $self->{pending};
    my $bytes = $self->{pending};
    $self->{pending} = '';
    $self->{last_flush} = time;
    return '' if $self->{ws}->send_raw($bytes);
    $self->_note("  (write failed: $self->{ws}{write_error})");
    return '';    # the server may legitimately close first; expect lines judge
}

sub _send {
    my ($self, $s) = @_;
    my $v = $s->{verb};
    if ($v eq 'sleep') { $self->_flush; $self->_note("> sleep $s->{seconds}"); sleep $s->{seconds}; return '' }
    if ($v eq 'reconnect') {
        $self->_flush;
        $self->{ws}->disconnect;
        $self->_note('> reconnect');
        $self->{ws} = $self->{connect}->();
        $self->{last_flush} = time;
        delete @$self{qw(sent_close got_close)};
        return '';
    }
    if ($v eq 'raw') {
        $self->{pending} .= $s->{payload};
        $self->_note('> raw ' . length($s->{payload}) . ' bytes');
        return '';
    }
    if ($v eq 'fragments') {
        my @parts = _split_payload($s->{payload}, $s->{count});
        for my $i (0 .. $#parts) {
            my $last = $i == $#parts;
            $self->_queue_frame(opcode => $i ? 0 : 2, fin => $last, payload => $parts[$i]);
            $self->_queue_frame(opcode => 9, payload => 'p' . ($i + 1))
                if $s->{pings} && !$last;
        }
        return '';
    }
    my $payload = $s->{payload};
    if ($s->{part}) {
        my ($i, $n) = @{ $s->{part} };
        $payload = (_split_payload($payload, $n))[$i - 1];
    }
    $self->_queue_frame(
        opcode  => $s->{opcode},
        payload => $payload,
        fin     => !$s->{nofin},
        mask    => !$s->{unmasked},
        rsv     => ($s->{rsv1} ? 4 : 0) | ($s->{rsv2} ? 2 : 0) | ($s->{rsv3} ? 1 : 0),
        len     => $s->{len64} ? 64 : $s->{len16} ? 16 : 'min',
    );
    return '';
}

sub _queue_frame {
    my ($self, %f) = @_;
    $self->{pending} .= Ten::WebSocket::build_frame(%f);
    $self->{sent_close} = 1 if $f{opcode} == 8;
    $self->_note('> ' . _describe({ %f, fin => $f{fin} // 1 }, 1));
}

# Splits $bytes into $n slices of (nearly) equal length, none empty
# unless $bytes is shorter than $n.
sub _split_payload {
    my ($bytes, $n) = @_;
    my $len = length $bytes;
    my @parts;
    my $pos = 0;
    for my $i (1 .. $n) {
        my $end = int($len * $i / $n);
        push @parts, substr($bytes, $pos, $end - $pos);
        $pos = $end;
    }
    return @parts;
}

# Describes a frame for the transcript, decoding 9P in binary frames.
# $outgoing: $f holds build_frame() arguments rather than a parsed frame.
sub _describe {
    my ($f, $outgoing) = @_;
    return Ten::WebSocket::describe_frame($f) if $f->{eof};
    my $name = Ten::WebSocket::opcode_name($f->{opcode});
    my @flags;
    push @flags, 'nofin' unless $f->{fin};
    push @flags, "rsv=$f->{rsv}" if $f->{rsv};
    if ($outgoing) {
        push @flags, 'unmasked' if defined $f->{mask} && !$f->{mask};
        push @flags, "len$f->{len}" if $f->{len} && $f->{len} ne 'min';
    } else {
        push @flags, 'masked' if $f->{masked};
    }
    my $p = $f->{payload} // '';
    my $body;
    if ($f->{opcode} == 8) {
        $body = length $p >= 2
            ? unpack('n', $p) . (length $p > 2 ? ' "' . substr($p, 2) . '"' : '')
            : length $p ? 'hex:' . unpack('H*', $p) : '(empty)';
    } elsif ($f->{opcode} == 2 && $f->{fin} && (my $m = eval { unpack_msg($p) })) {
        $body = format_msg($m);
    } elsif ($p =~ /^[\x20-\x7e]*$/ && length $p <= 80) {
        $body = qq("$p");
    } else {
        $body = length($p) . ' bytes hex:' . unpack('H*', substr($p, 0, 40))
            . (length $p > 40 ? '...' : '');
    }
    return join ' ', $name, @flags, $body;
}

sub _expect {
    my ($self, $e) = @_;
    $self->_flush;
    my $timeout = $e->{timeout} // $self->{timeout};
    my $deadline = time + ($e->{verb} eq 'nothing' ? $e->{seconds} : $timeout);
    while (1) {
        my $f = $self->{ws}->read_frame($deadline - time);
        if (!$f) {
            return '' if $e->{verb} eq 'nothing';
            $self->_note('< (nothing within ' . ($timeout + 0) . 's)');
            return "timed out after ${timeout}s waiting for it";
        }
        my $kind = $f->{eof} ? 'closed' : Ten::WebSocket::opcode_name($f->{opcode});
        $self->_note('< ' . _describe($f));
        $self->{got_close} = $f if !$f->{eof} && $f->{opcode} == 8;
        next if $e->{verb} ne 'nothing' && $e->{skip} && $e->{skip}{$kind};
        return "expected nothing, got " . _describe($f) if $e->{verb} eq 'nothing';
        my $err = _match($e, $f);
        return $err if $err;
        my $elapsed = time - $self->{last_flush};
        return sprintf("came %.2fs after the last send, expected no sooner than %ss",
            $elapsed, $e->{after}) if defined $e->{after} && $elapsed < $e->{after};
        return '';
    }
}

# '' when frame $f satisfies expectation $e, else why not.
sub _match {
    my ($e, $f) = @_;
    if ($e->{verb} eq 'closed') {
        return '' if $f->{eof};
        return 'expected TCP close, got ' . _describe($f);
    }
    return 'expected a ' . $e->{verb} . ' frame, but the server closed TCP'
        . ($f->{error} ? " ($f->{error})" : '') if $f->{eof};
    my $want_op = $e->{verb} eq 'close' ? 8 : $e->{opcode};
    return "expected a $e->{verb} frame, got " . _describe($f)
        if $f->{opcode} != $want_op;
    return 'server frame is masked' if $f->{masked};
    return "server frame has RSV bits $f->{rsv}" if $f->{rsv};
    return 'server frame is fragmented (FIN not set)' if !$f->{fin};
    return _match_close($e, $f) if $e->{verb} eq 'close';
    if ($e->{msg}) {
        my $got = eval { unpack_msg($f->{payload}) };
        return "expected a 9P message, got undecodable bytes ($@): "
            . unpack('H*', $f->{payload}) unless $got;
        my $diff = match_msg($e->{msg}, $got);
        return "9P mismatch ($diff)\n    got: " . format_msg($got) if $diff;
        return '';
    }
    return '' unless defined $e->{payload};
    return '' if $e->{payload} eq $f->{payload};
    return 'payload mismatch: want hex:' . unpack('H*', $e->{payload})
        . ', got hex:' . unpack('H*', $f->{payload});
}

sub _match_close {
    my ($e, $f) = @_;
    my ($code, $reason) = Ten::WebSocket::close_status($f);
    if ($e->{codes}) {
        return 'expected close ' . join(' or ', @{ $e->{codes} }) . ', got an empty close frame'
            unless defined $code;
        return 'expected close ' . join(' or ', @{ $e->{codes} }) . ", got close $code"
            . (length $reason ? qq( "$reason") : '')
            unless grep { $_ == $code } @{ $e->{codes} };
    }
    return qq(close reason "$reason" does not contain "$e->{reason}")
        if defined $e->{reason} && index($reason, $e->{reason}) < 0;
    return '';
}

# After the last step: if the connection is still open, complete the
# closing handshake (echoing the server's close, else sending 1000) and
# make sure no unexpected data frame was pending.
sub _finish {
    my ($self) = @_;
    my $ws = $self->{ws};
    # frames read with the server's FIN are still checked below
    if (!$ws->{eof} && !$self->{sent_close}) {
        my ($code) = $self->{got_close} ? Ten::WebSocket::close_status($self->{got_close}) : ();
        $ws->send_close($code // 1000);
    }
    my $deadline = time + 2;
    while (time < $deadline) {
        my $f = $ws->read_frame($deadline - time) or last;
        last if $f->{eof};
        next if $f->{opcode} == 8 || $f->{opcode} == 9 || $f->{opcode} == 10;
        $self->_note('< ' . _describe($f));
        return 'after the last line: unexpected ' . _describe($f);
    }
    return '';
}

1;
