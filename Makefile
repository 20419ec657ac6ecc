# Ten: one way to build (make), test (make test) and run (make run).

SHELL     := /bin/bash
NGINX_SRC ?= /usr/share/nginx/src
BUILD     := $(CURDIR)/build
NGX_BUILD := $(BUILD)/nginx
MODULE    := $(NGX_BUILD)/objs/ngx_http_9p_module.so
STREAM_MODULE := $(NGX_BUILD)/objs/ngx_stream_9p_module.so
# ours alone: nginx-dev has the stream module's headers, not its sources
NGX_MODULES := objs/ngx_http_9p_module.so objs/ngx_stream_9p_module.so
FUZZ_TIME ?= 10

# Debian packages the project needs; `make deps` installs the missing ones.
DEBS := nginx nginx-dev gcc make libc6-dev libssl-dev libpcre2-dev \
        zlib1g-dev libcmocka-dev clang libclang-rt-14-dev perl \
        libtest-base-perl libcryptx-perl libsodium-dev procps \
        qemu-system-x86 linux-image-amd64 busybox-static kmod cpio \
        libcmark-dev chromium gdb attr groff-base valgrind \
        libnginx-mod-stream libio-socket-ssl-perl debhelper dpkg-dev \
        lintian mmdebstrap docker-compose python3-yaml iproute2 \
        libcbor-dev glusterfs-server glusterfs-client libglusterfs-dev

CFLAGS_UNIT := -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -Wall -Wextra \
               -Werror -fsanitize=address,undefined -fno-sanitize-recover=all
CFLAGS_FUZZ := -g -O1 -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=all

NINEP_SRCS := src/ninep/ninep.c
NINEP_HDRS := src/ninep/ninep.h
TEN_SRCS   := $(NINEP_SRCS) src/ninep/tenkey.c
TEN_HDRS   := $(NINEP_HDRS) src/ninep/tenkey.h

# the services and tools: plain C on libsodium and pthreads, and OpenSSL
# for TLS between the tiers (services/lib/tls.c)
CFLAGS_SRV := -std=c11 -D_GNU_SOURCE -g -O2 -Wall -Wextra -Werror \
              -Isrc/ninep -Iservices/lib $(SRV_SAN)
LIBS_SRV   := -lsodium -lpthread -lssl -lcrypto
SRVLIB     := $(wildcard services/lib/*.c)
SRVLIB_H   := $(wildcard services/lib/*.h)
VFS_SRCS   := $(wildcard services/vfs/*.c)
FACT_SRCS  := $(wildcard services/factotum/*.c)
# passkeys: CBOR through libcbor, ES256 through OpenSSL
WEBAUTHN_SRCS := services/factotum/fact_webauthn.c
LIBS_WEBAUTHN := -lcbor -lcrypto -lsodium
SSR_SRCS   := $(wildcard services/ssr/*.c)

PROGS := $(BUILD)/ten-vfs $(BUILD)/ten-factotum $(BUILD)/ten-key \
         $(BUILD)/ten-livefuzz $(BUILD)/ten-ssr $(BUILD)/9p

.PHONY: all module progs deps test unit fuzz fuzz-run prove run stop clean FORCE \
        asan stress install uninstall

all: module progs

progs: $(PROGS)

# ten-vfs seeds an empty root from the skeleton: the tree's own, or for
# make install the installed one
VFS_SKEL := $(CURDIR)/conf/skel

# -r gluster://...: GlusterFS volumes through libgfapi (libglusterfs-dev)
$(BUILD)/ten-vfs $(BUILD)/install/ten-vfs: $(VFS_SRCS) \
                  $(wildcard services/vfs/*.h) \
                  $(SRVLIB) $(SRVLIB_H) $(TEN_SRCS) $(TEN_HDRS)
	@mkdir -p $(dir $@)
	gcc $(CFLAGS_SRV) -DTEN_SKEL_DIR='"$(VFS_SKEL)"' -o $@ \
	    $(VFS_SRCS) $(SRVLIB) $(TEN_SRCS) $(LIBS_SRV) -lgfapi

$(BUILD)/ten-factotum: $(FACT_SRCS) $(wildcard services/factotum/*.h) $(SRVLIB) \
                       $(SRVLIB_H) $(TEN_SRCS) $(TEN_HDRS)
	@mkdir -p $(BUILD)
	gcc $(CFLAGS_SRV) -Iservices/factotum -o $@ $(FACT_SRCS) $(SRVLIB) \
	    $(TEN_SRCS) $(LIBS_SRV) $(LIBS_WEBAUTHN)

# ten-ssr: HTML views of the VFS's files, Markdown through libcmark
$(BUILD)/ten-ssr: $(SSR_SRCS) services/ssr/ssr.h $(SRVLIB) $(SRVLIB_H) \
                  $(TEN_SRCS) $(TEN_HDRS)
	@mkdir -p $(BUILD)
	gcc $(CFLAGS_SRV) -Iservices/ssr -o $@ $(SSR_SRCS) $(SRVLIB) \
	    $(TEN_SRCS) $(LIBS_SRV) -lcmark

# the live network fuzzer (fuzz/live.c): t/090-livefuzz.t runs it
$(BUILD)/ten-livefuzz: fuzz/live.c $(NINEP_SRCS) $(NINEP_HDRS)
	@mkdir -p $(BUILD)
	gcc $(CFLAGS_SRV) -o $@ fuzz/live.c $(NINEP_SRCS)

# 9p: the command-line client (tools/9p), over WebSocket (OpenSSL for
# wss:// and the handshake's SHA-1) or raw TCP (ten-auth-1 from services/lib)
NINEP_CLI_SRCS := $(wildcard tools/9p/*.c) services/lib/client.c \
                  services/lib/tls.c \
                  services/lib/io.c

$(BUILD)/9p: $(NINEP_CLI_SRCS) $(wildcard tools/9p/*.h) $(SRVLIB_H) \
             $(TEN_SRCS) $(TEN_HDRS)
	@mkdir -p $(BUILD)
	gcc $(CFLAGS_SRV) -Itools/9p -o $@ $(NINEP_CLI_SRCS) $(TEN_SRCS) \
	    $(LIBS_SRV)

$(BUILD)/ten-key: tools/ten-key.c $(TEN_SRCS) $(TEN_HDRS)
	@mkdir -p $(BUILD)
	gcc $(CFLAGS_SRV) -o $@ tools/ten-key.c $(TEN_SRCS) $(LIBS_SRV)

# configure runs once into build/nginx (a copy of Debian's nginx sources),
# and again only when the addon's `config` or the set of kernel files
# changes (build/kernel-files lists them).
KERNEL_FILES := $(BUILD)/kernel-files

$(KERNEL_FILES): FORCE
	@mkdir -p $(BUILD)
	@ls src/ngx_http_9p*.[ch] > $@.new
	@cmp -s $@.new $@ && rm $@.new || mv $@.new $@

FORCE:

$(NGX_BUILD)/objs/Makefile: config $(KERNEL_FILES)
	rm -rf $(NGX_BUILD)
	mkdir -p $(BUILD)
	cp -r $(NGINX_SRC) $(NGX_BUILD)
	cd $(NGX_BUILD) && . ./conf_flags && \
	    ./configure "$${NGX_CONF_FLAGS[@]}" --with-compat \
	        --with-stream=dynamic \
	        --add-dynamic-module=$(CURDIR) > $(BUILD)/configure.log 2>&1 \
	    || { tail -30 $(BUILD)/configure.log; exit 1; }

module: $(NGX_BUILD)/objs/Makefile
	$(MAKE) -C $(NGX_BUILD) -f objs/Makefile $(NGX_MODULES)

deps:
	@missing=""; \
	for p in $(DEBS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null \
	        | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: everything is installed"; \
	else \
	    echo "deps: installing$$missing"; \
	    apt-get update && DEBIAN_FRONTEND=noninteractive \
	        apt-get install -y --no-install-recommends $$missing; \
	fi
	@# the browser tests' driver, as package-lock.json pins it (no browser
	@# download: the tests use Debian's chromium)
	npm ci --no-audit --no-fund

$(BUILD)/test_ninep: t/unit/test_ninep.c $(NINEP_SRCS) $(NINEP_HDRS)
	@mkdir -p $(BUILD)
	gcc $(CFLAGS_UNIT) -Isrc/ninep -o $@ t/unit/test_ninep.c $(NINEP_SRCS) \
	    -lcmocka

$(BUILD)/test_nsfile: t/unit/test_nsfile.c src/ngx_http_9p_nsfile.c \
                      src/ngx_http_9p_nsfile.h
	@mkdir -p $(BUILD)
	gcc $(CFLAGS_UNIT) -Isrc -o $@ t/unit/test_nsfile.c \
	    src/ngx_http_9p_nsfile.c -lcmocka

# the mount table against nginx's headers (configured in build/nginx) and
# a few of its core functions done plainly in t/unit/ngx_shim.c
NGX_INCS := $(addprefix -I$(NGINX_SRC)/src/,core event event/modules \
                os/unix http http/modules http/v2) -I$(NGX_BUILD)/objs
MNT_SRCS := src/ngx_http_9p_mnt.c src/ngx_http_9p_dev.c $(NINEP_SRCS)

$(BUILD)/test_mnt: t/unit/test_mnt.c t/unit/ngx_shim.c $(MNT_SRCS) \
                   src/ngx_http_9p_mnt.h src/ngx_http_9p_dev.h \
                   $(NGX_BUILD)/objs/Makefile
	gcc $(CFLAGS_UNIT) -D_GNU_SOURCE -Wno-unused-parameter $(NGX_INCS) \
	    -Isrc -Isrc/ninep -o $@ t/unit/test_mnt.c t/unit/ngx_shim.c \
	    $(MNT_SRCS) -lcmocka

# factotum's WebAuthn checks against vectors recorded from Chromium
$(BUILD)/test_webauthn: t/unit/test_webauthn.c $(WEBAUTHN_SRCS) \
                        services/factotum/fact_webauthn.h
	@mkdir -p $(BUILD)
	gcc $(CFLAGS_UNIT) -Iservices/factotum -o $@ t/unit/test_webauthn.c \
	    $(WEBAUTHN_SRCS) $(LIBS_WEBAUTHN) -lcmocka

# ten-vfs's gluster store's nodes (references, renew), its file included
# the gluster store reads ports with services/lib/client.c's cli_port
$(BUILD)/test_vfs_store: t/unit/test_vfs_store.c \
                         services/vfs/vfs_store_gluster.c \
                         services/vfs/vfs_store.h $(SRVLIB) $(SRVLIB_H)
	@mkdir -p $(BUILD)
	gcc $(CFLAGS_UNIT) -D_GNU_SOURCE -Iservices/vfs -Iservices/lib \
	    -Isrc/ninep -o $@ t/unit/test_vfs_store.c services/lib/client.c \
	    services/lib/tls.c services/lib/io.c $(TEN_SRCS) -lgfapi \
	    -lpthread -lcmocka -lsodium -lssl -lcrypto

unit: $(BUILD)/test_ninep $(BUILD)/test_nsfile $(BUILD)/test_mnt \
      $(BUILD)/test_webauthn $(BUILD)/test_vfs_store
	$(BUILD)/test_ninep
	$(BUILD)/test_nsfile
	$(BUILD)/test_mnt
	$(BUILD)/test_webauthn
	$(BUILD)/test_vfs_store

# libFuzzer targets: fuzz/fuzz_NAME.c with the sources it tests
FUZZ_SRCS_ninep   := $(NINEP_SRCS)
FUZZ_SRCS_tenauth := $(TEN_SRCS)
FUZZ_SRCS_ticket  := $(TEN_SRCS)
FUZZ_SRCS_nsfile  := src/ngx_http_9p_nsfile.c
FUZZ_SRCS_wsframe := src/ngx_http_9p_wsframe.c
FUZZ_SRCS_ssr     := services/ssr/ssr_render.c services/ssr/ssr_html.c
FUZZ_SRCS_webauthn := $(WEBAUTHN_SRCS)
# what a target needs besides the common flags
FUZZ_FLAGS_ssr    := -Iservices/ssr -Iservices/lib -lcmark
FUZZ_FLAGS_webauthn := -Iservices/factotum -lcbor -lcrypto

.SECONDEXPANSION:
$(BUILD)/fuzz_%: fuzz/fuzz_%.c $$(FUZZ_SRCS_$$*) $(TEN_HDRS) \
                 src/ngx_http_9p_nsfile.h src/ngx_http_9p_wsframe.h \
                 services/ssr/ssr.h services/factotum/fact_webauthn.h
	@mkdir -p $(BUILD)
	clang $(CFLAGS_FUZZ) -D_GNU_SOURCE -Isrc -Isrc/ninep -o $@ $< \
	    $(FUZZ_SRCS_$*) -lsodium $(FUZZ_FLAGS_$*)

# each target gets FUZZ_TIME seconds; a finding fails the run
FUZZ_TARGETS := ninep tenauth nsfile ticket wsframe ssr webauthn

fuzz-run: $(addprefix $(BUILD)/fuzz_,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(BUILD)/corpus/$$t; \
	    echo "fuzz: $$t for $(FUZZ_TIME) s"; \
	    $(BUILD)/fuzz_$$t -max_total_time=$(FUZZ_TIME) \
	        -print_final_stats=1 -artifact_prefix=$(BUILD)/ \
	        $(BUILD)/corpus/$$t fuzz/seeds/$$t 2>&1 \
	        | grep -E "^(Done|stat::number_of_executed|==|SUMMARY)|ERROR" \
	        ; [ $${PIPESTATUS[0]} -eq 0 ] || exit 1; \
	done

# the libFuzzer targets for a minute each, the live fuzzer for five
fuzz: module progs
	$(MAKE) fuzz-run FUZZ_TIME=60
	TEN_MODULE=$(MODULE) TEN_BUILD=$(BUILD) TEN_LIVEFUZZ_SECONDS=300 \
	    prove -I t/lib t/090-livefuzz.t

prove: module progs
	TEN_MODULE=$(MODULE) TEN_BUILD=$(BUILD) prove -I t/lib t/

test: unit fuzz-run prove

run: deps all
	@tools/run.sh start

stop:
	@tools/run.sh stop

# the module and the services under AddressSanitizer and UBSan, then every
# suite; a report fails the worker or the service, and so the test
ASAN_BUILD := $(BUILD)/asan
ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
              -fno-omit-frame-pointer

asan: $(NGX_BUILD)/objs/Makefile
	rm -rf $(ASAN_BUILD) && mkdir -p $(ASAN_BUILD)
	cp -r $(NGX_BUILD) $(ASAN_BUILD)/nginx
	find $(ASAN_BUILD)/nginx/objs/addon -name "*.o" -delete
	$(MAKE) -C $(ASAN_BUILD)/nginx -f objs/Makefile $(NGX_MODULES) \
	    CFLAGS="-pipe -O1 -g -W -Wall -Wpointer-arith \
	            -Wno-unused-parameter -Werror $(ASAN_FLAGS)"
	$(MAKE) BUILD=$(ASAN_BUILD) SRV_SAN="$(ASAN_FLAGS)" \
	    $(ASAN_BUILD)/ten-vfs $(ASAN_BUILD)/ten-factotum \
	    $(ASAN_BUILD)/ten-key $(ASAN_BUILD)/ten-livefuzz \
	    $(ASAN_BUILD)/ten-ssr $(ASAN_BUILD)/9p
	TEN_MODULE=$(ASAN_BUILD)/nginx/objs/ngx_http_9p_module.so \
	TEN_BUILD=$(ASAN_BUILD) TEST_NGINX_BINARY=$(CURDIR)/tools/nginx-asan.sh \
	TEN_SANITIZED=1 prove -I t/lib t/

# two of everything on a replicated GlusterFS volume, TLS between the
# tiers, processes killed in turn (root, FUSE; see README "Tests")
.PHONY: test-scale
test-scale: module progs
	TEN_MODULE=$(MODULE) TEN_BUILD=$(BUILD) prove -I t/lib -v t/scale/

# the ten-vfs suites (t/02*.t) with every root on a single-brick GlusterFS
# volume served through libgfapi (TEN_VFS_GLUSTER_FUSE=1: through the FUSE
# mount); GFAPI_TESTS: prove options or test files instead (root, FUSE;
# tools/test-gfapi.sh, README "Tests")
.PHONY: test-gfapi
test-gfapi: progs
	TEN_BUILD=$(BUILD) tools/test-gfapi.sh $(GFAPI_TESTS)

# Linux's v9fs in a QEMU guest against ten-vfs and the kernel (t/100, also
# in make test)
.PHONY: test-v9fs
test-v9fs: module progs
	TEN_MODULE=$(MODULE) TEN_BUILD=$(BUILD) prove -I t/lib -v t/100-v9fs.t

# t/060-stress.t for a minute (make test runs it for 8 s)
stress: module progs
	TEN_MODULE=$(NGX_BUILD)/objs/ngx_http_9p_module.so TEN_BUILD=$(BUILD) \
	TEN_STRESS_SECONDS=$${TEN_STRESS_SECONDS:-60} \
	    prove -I t/lib t/060-stress.t

clean:
	rm -rf $(BUILD) t/servroot*

# make deb: the nginx module packages (libnginx-mod-http-9p and
# libnginx-mod-stream-9p, with dh_nginx's load files and ABI dependency)
# and ten in build/deb/, built from a clean copy of what is committed (of
# the tree as it is where there is no git: the Dockerfile's build stage)
DEB_DIR := $(BUILD)/deb

.PHONY: deb
deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/ten
	if git rev-parse --git-dir > /dev/null 2>&1; then \
	    git archive HEAD | tar -x -C $(DEB_DIR)/ten; \
	else \
	    tar -c --exclude=./build --exclude=./node_modules . \
	        | tar -x -C $(DEB_DIR)/ten; \
	fi
	cd $(DEB_DIR)/ten && dpkg-buildpackage -b -us -uc > ../build.log 2>&1 \
	    || { tail -30 $(DEB_DIR)/build.log; exit 1; }
	lintian --fail-on error $(DEB_DIR)/*.deb
	@ls $(DEB_DIR)/*.deb

# make test-deb: the packages installed next to Debian's nginx, used, and
# purged (tools/test-deb.sh says how); root, about two minutes
.PHONY: test-deb
test-deb: all
	tools/test-deb.sh

# make test-docker: the Dockerfile's steps run in an mmdebstrap tree and
# compose.yaml's services started from it (tools/test-docker.py says
# how; no Docker engine runs here); root, about three minutes
.PHONY: test-docker
test-docker:
	tools/test-docker.py

# make install [PREFIX=/usr/local] [DESTDIR=...]: the module where Debian's
# nginx looks for modules (load_module modules/ngx_http_9p_module.so), the
# services in sbin, 9p and ten-key in bin, 9p(1), and under share/ten the
# skeleton, the web UI and an example nginx.conf.
PREFIX      ?= /usr/local
MODULES_DIR ?= /usr/lib/nginx/modules
SHARE_DIR   := $(PREFIX)/share/ten
SBIN_PROGS  := ten-factotum ten-ssr
BIN_PROGS   := 9p ten-key
WEB_FILES   := $(wildcard web/*.js web/*.css web/*.html web/*.svg)

$(BUILD)/install/ten-vfs: VFS_SKEL = $(SHARE_DIR)/skel

install: all $(BUILD)/install/ten-vfs
	install -d $(DESTDIR)$(MODULES_DIR) $(DESTDIR)$(PREFIX)/sbin \
	    $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(SHARE_DIR)/web $(DESTDIR)$(SHARE_DIR)/examples
	install -m 0644 $(MODULE) $(STREAM_MODULE) $(DESTDIR)$(MODULES_DIR)/
	install -m 0755 $(BUILD)/install/ten-vfs \
	    $(addprefix $(BUILD)/,$(SBIN_PROGS)) $(DESTDIR)$(PREFIX)/sbin/
	install -m 0755 $(addprefix $(BUILD)/,$(BIN_PROGS)) \
	    $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 tools/ten-setup.sh $(DESTDIR)$(PREFIX)/sbin/ten-setup
	install -m 0644 man/9p.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(WEB_FILES) $(DESTDIR)$(SHARE_DIR)/web/
	install -m 0644 conf/nginx.conf $(DESTDIR)$(SHARE_DIR)/examples/
	install -m 0644 conf/skel.perms $(DESTDIR)$(SHARE_DIR)/
	rm -rf $(DESTDIR)$(SHARE_DIR)/skel
	cp -r conf/skel $(DESTDIR)$(SHARE_DIR)/skel
	@echo "install: done; nginx.conf: load_module $(MODULES_DIR)/ngx_http_9p_module.so;"
	@echo "  and for raw 9P over TCP, after load_module modules/ngx_stream_module.so:"
	@echo "  load_module $(MODULES_DIR)/ngx_stream_9p_module.so;"

uninstall:
	rm -f $(DESTDIR)$(MODULES_DIR)/ngx_http_9p_module.so \
	    $(DESTDIR)$(MODULES_DIR)/ngx_stream_9p_module.so \
	    $(addprefix $(DESTDIR)$(PREFIX)/sbin/,ten-vfs ten-setup $(SBIN_PROGS)) \
	    $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(BIN_PROGS)) \
	    $(DESTDIR)$(PREFIX)/share/man/man1/9p.1
	rm -rf $(DESTDIR)$(SHARE_DIR)

# bench/ten-load: the 9P load generator (see bench/README.md).
.PHONY: bench-tools bench-vfs
bench-vfs: progs bench-tools
	bench/vfs.sh

bench-tools: $(BUILD)/ten-load $(BUILD)/ten-echo $(BUILD)/ten-splice

$(BUILD)/ten-load: bench/ten-load.c bench/hostport.c bench/hostport.h \
    $(NINEP_SRCS) $(NINEP_HDRS)
	@mkdir -p $(BUILD)
	gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Isrc/ninep \
	    -o $@ bench/ten-load.c bench/hostport.c $(NINEP_SRCS)

# bench/gluster.sh: ten-vfs on local disk against ten-vfs on a GlusterFS
# FUSE mount, and bench/gfapi-probe.c: FUSE against libgfapi for
# ten-vfs's operations.  Needs root and FUSE (tools/gluster-local.sh).
.PHONY: bench-gluster
bench-gluster: progs bench-tools $(BUILD)/gfapi-probe
	bench/gluster.sh

$(BUILD)/gfapi-probe: bench/gfapi-probe.c
	@mkdir -p $(BUILD)
	gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror \
	    $$(pkg-config --cflags glusterfs-api) -o $@ bench/gfapi-probe.c \
	    $$(pkg-config --libs glusterfs-api)

# bench/echo.c: the loopback round trip a server is measured against
$(BUILD)/ten-echo: bench/echo.c bench/hostport.c bench/hostport.h
	@mkdir -p $(BUILD)
	gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o $@ bench/echo.c \
	    bench/hostport.c -lpthread

# bench/splice.c: a blind relay that never copies a byte, the cheapest hop
# bench/kernel.sh sets the kernel against
$(BUILD)/ten-splice: bench/splice.c bench/hostport.c bench/hostport.h
	@mkdir -p $(BUILD)
	gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o $@ bench/splice.c \
	    bench/hostport.c

# bench/ssr.sh: ten-ssr's pages per second, cold and cached, against the
# raw file, through the kernel.
.PHONY: bench-ssr
bench-ssr: all bench-tools
	bench/ssr.sh

# bench/kernel.sh: the kernel against a TCP relay and websockify.
.PHONY: bench-kernel
bench-kernel: all bench-tools
	bench/kernel.sh
