# watcher as a long-lived container: `docker run -v watcher-state:/state -e TELEGRAM_BOT_TOKEN=... watcher`
FROM python:3.11-slim

RUN useradd --create-home --uid 10001 watcher \
 && mkdir /state && chown watcher /state

WORKDIR /app
COPY pyproject.toml README.md ./
COPY watcher ./watcher
RUN pip install --no-cache-dir . && rm -rf /root/.cache

# The bundled config; mount your own over it (-v ./sources.yaml:/app/sources.yaml:ro).
COPY sources.yaml /app/sources.yaml
ENV WATCHER_CONFIG=/app/sources.yaml \
    WATCHER_STATE=/state \
    PYTHONUNBUFFERED=1

VOLUME /state
USER watcher

# `watcher status` exits 1 when a source has not succeeded within its stale_after.
HEALTHCHECK --interval=5m --timeout=30s --start-period=15m CMD ["watcher", "status"]
CMD ["watcher", "run"]
