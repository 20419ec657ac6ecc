# The WebSocket opening handshake of a `ninep` location (RFC 6455 and
# DESIGN.md §3): success, every refusal status, their order, the Origin
# policy and the "9p" subprotocol.

use lib 't/lib';
use Test::Ten;
use Ten::Boot;

# every block without its own config gets a plain endpoint
add_block_preprocessor(sub {
    my ($block) = @_;
    $block->set_value(config => "    location = /9p { ninep; \$TEST_NGINX_BOOT }\n")
        unless defined $block->config;
    $block->set_value(no_error_log => "[alert]\n[crit]\n[emerg]\n")
        unless defined $block->no_error_log;
});

boot_each_block();
run_tests();

__DATA__

=== TEST 1: handshake succeeds (RFC 6455 sample key)
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
--- error_code: 101
--- response_headers
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
Upgrade ~ ^(?i:websocket)$
Connection ~ ^(?i:upgrade)$
!Sec-WebSocket-Protocol
--- no_error_log
[error]
[alert]
[crit]



=== TEST 2: a second key gets its own accept value
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==
--- error_code: 101
--- response_headers
Sec-WebSocket-Accept: C/0nmHhBztSRGR1CwL6Tf4ZjwpY=



=== TEST 3: header tokens are case-insensitive and may be in lists
--- request
GET /9p
--- more_headers
Upgrade: foo/2, WebSocket
Connection: keep-alive, UPGRADE
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
--- error_code: 101
--- response_headers
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=



=== TEST 4: POST is refused with 405
--- request
POST /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
--- error_code: 405



=== TEST 5: the method is checked first (POST, HTTP/1.0, no Upgrade)
--- request
POST /9p HTTP/1.0
--- more_headers
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
--- error_code: 405



=== TEST 6: HTTP/1.0 is refused with 400
--- request
GET /9p HTTP/1.0
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
--- error_code: 400



=== TEST 7: HTTP/2 is refused with 400
--- http2
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
--- error_code: 400



=== TEST 8: no Upgrade header: 426 with Upgrade and version headers
--- request
GET /9p
--- more_headers
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
--- error_code: 426
--- response_headers
Upgrade: websocket
Sec-WebSocket-Version: 13



=== TEST 9: Upgrade without the websocket token: 426
--- request
GET /9p
--- more_headers
Upgrade: h2c, websockets
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
--- error_code: 426
--- response_headers
Upgrade: websocket
Sec-WebSocket-Version: 13



=== TEST 10: Connection without the upgrade token: 400
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: keep-alive
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
--- error_code: 400



=== TEST 11: Connection token must match whole ("upgrades" is not "upgrade")
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: upgrades
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
--- error_code: 400



=== TEST 12: no Connection header at all: 400
--- request
GET /9p
--- more_headers
Upgrade: websocket
!Connection
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
--- error_code: 400



=== TEST 13: no Sec-WebSocket-Version: 426 with the version header
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
--- error_code: 426
--- response_headers
Sec-WebSocket-Version: 13



=== TEST 14: Sec-WebSocket-Version 8: 426 with the version header
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 8
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
--- error_code: 426
--- response_headers
Sec-WebSocket-Version: 13



=== TEST 15: Sec-WebSocket-Version 130 is not 13
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 130
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
--- error_code: 426



=== TEST 16: no Sec-WebSocket-Key: 400
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
--- error_code: 400



=== TEST 17: a key that is not base64: 400
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: !!!!not*base64!!!!!!!==
--- error_code: 400



=== TEST 18: a key of 15 bytes: 400
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4P
--- error_code: 400



=== TEST 19: a key of 17 bytes: 400
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEBE=
--- error_code: 400



=== TEST 20: the version is checked before the key (426, not 400)
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 7
Sec-WebSocket-Key: short
--- error_code: 426



=== TEST 21: Upgrade is checked before Connection (426, not 400)
--- request
GET /9p
--- more_headers
Connection: keep-alive
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
--- error_code: 426



=== TEST 22: a request body (Content-Length) is refused with 400
--- request
GET /9p
hello
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Content-Length: 5
--- error_code: 400



=== TEST 23: a chunked request body is refused with 400
--- request eval
"GET /9p\n5\r\nhello\r\n0\r\n\r\n"
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Transfer-Encoding: chunked
--- error_code: 400



=== TEST 24: Content-Length: 0 is not a body
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Content-Length: 0
--- error_code: 101



=== TEST 25: allowed Origin: 101
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_BOOT
        ninep_allowed_origins https://ten.example.org https://other.example.org;
    }
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Origin: https://other.example.org
--- error_code: 101



=== TEST 26: allowed Origin compared case-insensitively: 101
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_BOOT
        ninep_allowed_origins https://ten.example.org;
    }
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Origin: HTTPS://Ten.Example.ORG
--- error_code: 101



=== TEST 27: Origin not in the list: 403
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_BOOT
        ninep_allowed_origins https://ten.example.org;
    }
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Origin: https://evil.example.org
--- error_code: 403



=== TEST 28: Origin that only starts like an allowed one: 403
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_BOOT
        ninep_allowed_origins https://ten.example.org;
    }
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Origin: https://ten.example.org.evil.com
--- error_code: 403



=== TEST 29: no Origin header with a list set: allowed
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_BOOT
        ninep_allowed_origins https://ten.example.org;
    }
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
--- error_code: 101



=== TEST 30: any Origin when no list is set
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Origin: https://anywhere.example.net
--- error_code: 101



=== TEST 31: the key is checked before the Origin (400, not 403)
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_BOOT
        ninep_allowed_origins https://ten.example.org;
    }
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: short
Origin: https://evil.example.org
--- error_code: 400



=== TEST 32: the Origin is checked before the body (403, not 400)
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_BOOT
        ninep_allowed_origins https://ten.example.org;
    }
--- request
GET /9p
hello
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Origin: https://evil.example.org
--- error_code: 403



=== TEST 33: subprotocol 9p offered among others: echoed
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Sec-WebSocket-Protocol: chat, 9p
--- error_code: 101
--- response_headers
Sec-WebSocket-Protocol: 9p



=== TEST 34: subprotocol 9p alone: echoed
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Sec-WebSocket-Protocol: 9p
--- error_code: 101
--- response_headers
Sec-WebSocket-Protocol: 9p



=== TEST 35: other subprotocols only: no Sec-WebSocket-Protocol
--- request
GET /9p
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Sec-WebSocket-Protocol: chat, 9p2000, x9p
--- error_code: 101
--- response_headers
!Sec-WebSocket-Protocol



=== TEST 36: after a 9p-subprotocol handshake, 9P works
--- more_headers
Sec-WebSocket-Protocol: 9p
--- response_headers
Sec-WebSocket-Protocol: 9p
--- ninep
> Tversion tag=65535 msize=8192 version=9P2000
< Rversion tag=65535 msize=8192 version=9P2000



=== TEST 37: a location without ninep is not an endpoint
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT }
    location = /other { return 200 "plain\n"; }
--- request
GET /other
--- more_headers
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
--- error_code: 200
--- response_body
plain
