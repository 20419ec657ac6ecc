package Ten::Passkey;

# A software authenticator for the suites: makes what a browser's
# navigator.credentials.create() and .get() give back (attestation format
# "none"), ES256 (Crypt::PK::ECC) or EdDSA (Crypt::PK::Ed25519), with a
# counter, so that factotum's proto=webauthn can be driven without a
# browser.  CBOR is written by the few lines below (never read).
#   my $pk = Ten::Passkey->new(alg => -7, rp => 'localhost',
#                              origin => 'http://localhost:8080');
#   my ($obj, $client) = $pk->attestation($challenge);
#   my ($id, $ad, $client2, $sig, $uh) = $pk->assertion($challenge, $userid);

use strict;
use warnings;
use Crypt::PK::ECC;
use Crypt::PK::Ed25519;
use Digest::SHA qw(sha256);
use MIME::Base64 qw(encode_base64url decode_base64url);

sub new {
    my ($class, %o) = @_;
    my $self = bless { alg => -7, rp => 'localhost', counter => 0,
                       flags => 0x05, %o }, $class;
    if ($self->{alg} == -8) {
        $self->{key} = Crypt::PK::Ed25519->new->generate_key;
    } else {
        $self->{key} = Crypt::PK::ECC->new;
        $self->{key}->generate_key('secp256r1');
    }
    $self->{id} //= join '', map { chr int rand 256 } 1 .. 32;
    return $self;
}

sub id { encode_base64url($_[0]{id}) }

sub _head {
    my ($major, $n) = @_;
    return chr($major << 5 | $n) if $n < 24;
    return chr($major << 5 | 24) . chr($n) if $n < 256;
    return chr($major << 5 | 25) . pack('n', $n) if $n < 65536;
    return chr($major << 5 | 26) . pack('N', $n);
}

sub cbor_int   { $_[0] >= 0 ? _head(0, $_[0]) : _head(1, -1 - $_[0]) }
sub cbor_bytes { _head(2, length $_[0]) . $_[0] }
sub cbor_text  { _head(3, length $_[0]) . $_[0] }
# pairs, already encoded
sub cbor_map   { my @kv = @_; _head(5, @kv / 2) . join '', @kv }

sub cose_key {
    my $self = shift;
    my $raw = $self->{key}->export_key_raw('public');
    return cbor_map(cbor_int(1), cbor_int(1), cbor_int(3), cbor_int(-8),
                    cbor_int(-1), cbor_int(6), cbor_int(-2), cbor_bytes($raw))
        if $self->{alg} == -8;
    return cbor_map(cbor_int(1), cbor_int(2), cbor_int(3), cbor_int(-7),
                    cbor_int(-1), cbor_int(1),
                    cbor_int(-2), cbor_bytes(substr $raw, 1, 32),
                    cbor_int(-3), cbor_bytes(substr $raw, 33, 32));
}

sub client_data {
    my ($self, $type, $challenge) = @_;
    my $origin = $self->{origin};
    return qq({"type":"$type","challenge":"$challenge","origin":"$origin","crossOrigin":false});
}

sub _auth_data {
    my ($self, $flags, $rest) = @_;
    return sha256($self->{rp}) . chr($flags) . pack('N', ++$self->{counter})
        . ($rest // '');
}

# (attestation object, client data), base64url, for the challenge
sub attestation {
    my ($self, $challenge) = @_;
    my $ad = $self->_auth_data($self->{flags} | 0x40,
        "\0" x 16 . pack('n', length $self->{id}) . $self->{id} . $self->cose_key);
    my $obj = cbor_map(cbor_text('fmt'), cbor_text('none'),
                       cbor_text('attStmt'), cbor_map(),
                       cbor_text('authData'), cbor_bytes($ad));
    return (encode_base64url($obj),
            encode_base64url($self->client_data('webauthn.create', $challenge)));
}

# (id, authenticator data, client data, signature, user handle)
sub assertion {
    my ($self, $challenge, $userid) = @_;
    my $ad = $self->_auth_data($self->{flags});
    my $client = $self->client_data('webauthn.get', $challenge);
    my $msg = $ad . sha256($client);
    my $sig = $self->{alg} == -8 ? $self->{key}->sign_message($msg)
                                 : $self->{key}->sign_message($msg, 'SHA256');
    return ($self->id, encode_base64url($ad), encode_base64url($client),
            encode_base64url($sig), defined $userid ? $userid : ());
}

1;
