# Configuration checks done by `nginx -t`: directive bounds and the
# ninep_output_buffer >= ninep_msize + 153 rule, ping/idle
# timeouts, origin syntax, a health check of an unused upstream, a
# `ninep` location without a boot service, `keepalive` in an upstream
# of a service.

use lib 't/lib';
use Test::Ten;
use Ten::Boot;

boot_each_block();

# Included files, so that an error's file and line can only be those of
# the directive (nginx.conf holds the closing brace of http{}).
for (['ninep-alone.conf', "location = /9p {\n    ninep;\n}\n"],
     ['keepalive.conf', "upstream ten_boot {\n    server 127.0.0.1:1;\n"
                        . "    keepalive 4;\n}\n"])
{
    my ($name, $text) = @$_;
    open my $fh, '>', servroot() . "/conf/$name" or die "$name: $!";
    print $fh $text;
    close $fh or die "$name: $!";
}

run_tests();

__DATA__

=== TEST 1: ninep_output_buffer smaller than msize + 153 fails nginx -t
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_msize 64k; ninep_output_buffer 1k; }
--- must_die
--- error_log
"ninep_output_buffer" must be at least ninep_msize + 153 (65689), not 1024



=== TEST 2: the default ninep_output_buffer grows with ninep_msize 1m
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_msize 1m; }
--- ninep
> Tversion tag=NOTAG msize=8388608 version=9P2000
< Rversion tag=NOTAG msize=1048576 version=9P2000



=== TEST 3: ninep_output_buffer of exactly msize + 153 is accepted
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_msize 1024; ninep_output_buffer 1177; }
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=1024 version=9P2000



=== TEST 4: ninep_output_buffer of msize + 152 is refused, naming the minimum
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_msize 1024; ninep_output_buffer 1176; }
--- must_die
--- error_log
"ninep_output_buffer" must be at least ninep_msize + 153 (1177), not 1176



=== TEST 4b: ninep_idle_timeout must exceed ninep_ping_interval
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_ping_interval 10s; ninep_idle_timeout 10s; }
--- must_die
--- error_log
"ninep_idle_timeout" must be longer than "ninep_ping_interval"



=== TEST 4c: an origin with a path is refused with the directive's line
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_allowed_origins https://a.example/; }
--- must_die
--- error_log
invalid origin "https://a.example/"
nginx.conf:



=== TEST 4c2: origins no browser sends are refused, each with the reason
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_allowed_origins https://ok.example http://[::1]:8080 example.org; }
--- must_die
--- error_log
invalid origin "example.org": no http:// or https://; an origin is http[s]://host[:port], as browsers send it
nginx.conf:



=== TEST 4c3: a wildcard
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_allowed_origins https://*.example.org; }
--- must_die
--- error_log
invalid origin "https://*.example.org": a wildcard (list each origin)



=== TEST 4c4: the scheme's own port, which browsers leave out of Origin
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_allowed_origins https://a.example:443; }
--- must_die
--- error_log
invalid origin "https://a.example:443": the scheme's own port, which browsers leave out



=== TEST 4c5: a port out of range
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_allowed_origins http://a.example:65536; }
--- must_die
--- error_log
invalid origin "http://a.example:65536": a bad port



=== TEST 4d: ninep_check in an upstream no ninep_service uses is refused
--- http_config
    upstream checked { server 127.0.0.1:1; ninep_check; }
--- config
    location = /ok { return 200 "ok\n"; }
--- must_die
--- error_log
"ninep_check" in upstream "checked", which no "ninep_service" uses, in
nginx.conf:



=== TEST 4e: ninep without any ninep_service is refused at its own line
--- config
    include ninep-alone.conf;
--- must_die
--- error_log
"ninep" in this location has no "ninep_service" with "boot": no session could attach with a ticket (add e.g. "ninep_service vfs ten_vfs boot;") in
qr/ninep-alone\.conf:2$/



=== TEST 4f: ninep with services but none marked boot is refused
--- config
    location = /9p {
        ninep;
        $TEST_NGINX_BOOT_KEYS
        ninep_service vfs ten_boot;
    }
--- must_die
--- error_log
"ninep" in this location has no "ninep_service" with "boot"



=== TEST 4g: a location's own ninep_service lines replace the inherited ones, boot included
--- config
    $TEST_NGINX_BOOT
    location = /9p { ninep; ninep_service vfs ten_boot; }
--- must_die
--- error_log
"ninep" in this location has no "ninep_service" with "boot"



=== TEST 4h: a boot service inherited from the server level is enough
--- config
    $TEST_NGINX_BOOT
    location = /9p { ninep; }
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
--- no_error_log
[emerg]



=== TEST 4i: keepalive in an upstream of a ninep_service is refused, naming the upstream's line
--- http_config
    include keepalive.conf;
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT }
--- must_die
--- error_log
"keepalive" in upstream "ten_boot" does nothing for "ninep_service" vfs: the kernel keeps its own connections; use "ninep_connections N" instead, in
qr/keepalive\.conf:1$/



=== TEST 4j: keepalive in an upstream no ninep_service uses is accepted
--- http_config
    $TEST_NGINX_BOOT_UPSTREAM
    upstream web { server 127.0.0.1:1; keepalive 4; }
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT }
    location = /web { proxy_pass http://web; }
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=8192 version=9P2000
--- no_error_log
[emerg]



=== TEST 5: ninep_msize below 256 is refused
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_msize 255; }
--- must_die
--- error_log
ninep_msize



=== TEST 6: ninep_msize above 16m is refused
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_msize 17m; ninep_output_buffer 20m; }
--- must_die
--- error_log
ninep_msize



=== TEST 7: the bounds themselves (256 and 16m) are accepted
--- config
    location = /256 { ninep; $TEST_NGINX_BOOT ninep_msize 256; }
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_msize 16m; ninep_output_buffer 17m; }
--- ninep
> Tversion tag=NOTAG msize=0xffffffff version=9P2000
< Rversion tag=NOTAG msize=16777216 version=9P2000
--- no_error_log
[emerg]



=== TEST 8: msize 256 is honoured
--- config
    location = /9p { ninep; $TEST_NGINX_BOOT ninep_msize 256; }
--- ninep
> Tversion tag=NOTAG msize=8192 version=9P2000
< Rversion tag=NOTAG msize=256 version=9P2000
