# Ten in an image: the Debian packages that `make deb` builds (the build
# stage runs the same `make deb` that CI tests), installed on
# debian:bookworm-slim with Debian's nginx.  One image for every service
# of compose.yaml: the command chooses what a container runs.  No key is
# made in the image: compose's "setup" service makes them in volumes at
# the first start (ten-setup).  tools/test-docker.sh runs these steps in
# a bookworm tree made by mmdebstrap (no Docker engine here).

FROM debian:bookworm-slim AS build
WORKDIR /src
COPY debian/ debian/
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y \
        --no-install-recommends make lintian \
    && DEBIAN_FRONTEND=noninteractive apt-get build-dep -y ./
COPY . .
RUN make deb

FROM debian:bookworm-slim
COPY --from=build /src/build/deb/*.deb /tmp/deb/
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y \
        --no-install-recommends nginx /tmp/deb/*.deb \
    && rm -rf /var/lib/apt/lists/* /tmp/deb \
    && rm -f /etc/ten/kernel.key /etc/ten/kernel.trust \
        /var/lib/ten/*/*.key /var/lib/ten/*/trust \
    && rm -f /etc/nginx/sites-enabled/default
COPY docker/nginx.conf /etc/nginx/nginx.conf
EXPOSE 80 564
CMD ["nginx", "-g", "daemon off;"]
