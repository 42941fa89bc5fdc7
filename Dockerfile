# roseyd: multi-stage build on Debian 12. The runtime image has only the
# shared libraries roseyd links, runs as a non-root user, and keeps its
# SQLite file in the /var/lib/roseyd volume. OpenSSL (SHA-256 of the plugin
# storage API) and libpq (the PostgreSQL store) are installed ahead of the code
# that links them, so the image keeps building when it lands.
FROM debian:12 AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config git ca-certificates \
      libnats-dev libsqlite3-dev prometheus-cpp-dev libspdlog-dev libyaml-cpp-dev \
      nlohmann-json3-dev libsimdjson-dev libasio-dev libssl-dev libpq-dev \
 && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release \
      -DROSEYD_BUILD_TESTS=OFF -DROSEYD_BUILD_BENCH=OFF \
 && cmake --build /build -j"$(nproc)" \
 && cmake --install /build --prefix /opt/roseyd

FROM debian:12-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libnats3.4 libsqlite3-0 libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 \
      libspdlog1.10 libyaml-cpp0.7 libsimdjson14 libssl3 libpq5 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/roseyd --create-home roseyd
COPY --from=build /opt/roseyd/bin/roseyd /usr/local/bin/roseyd
COPY config/roseyd.yaml /etc/roseyd/roseyd.yaml
USER roseyd
WORKDIR /var/lib/roseyd
VOLUME ["/var/lib/roseyd"]
# Same config as the README's, but for addresses: NATS from the compose
# network, /metrics reachable by Prometheus in the next container.
ENV ROSEYD_DATA_DIR=/var/lib/roseyd \
    ROSEYD_NATS_URL=nats://nats:4222 \
    ROSEYD_METRICS_LISTEN=0.0.0.0:9464
EXPOSE 9464
# /ready beside /metrics: 200 once roseyd serves with NATS connected, else 503.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/9464 && printf "GET /ready HTTP/1.0\r\n\r\n" >&3 && head -n 1 <&3 | grep -q " 200 "'
ENTRYPOINT ["roseyd"]
CMD ["run", "--config", "/etc/roseyd/roseyd.yaml"]
