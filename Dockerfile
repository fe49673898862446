# watcher as a long-lived container: `docker run -v watcher-state:/state -v "$PWD/config:/config:ro"
#   -e TELEGRAM_BOT_TOKEN=... --stop-timeout 60 watcher` (or compose.yaml beside this file).
FROM python:3.11-slim

RUN useradd --create-home --uid 10001 watcher \
 && mkdir /state && chown watcher /state

WORKDIR /app
COPY pyproject.toml README.md ./
COPY watcher ./watcher
RUN pip install --no-cache-dir . && rm -rf /root/.cache

# The bundled config, in a folder: mount your own folder over it (-v ./config:/config:ro). A folder, not the
# file: an editor that saves by writing a new file and renaming it leaves a single-file mount on the old
# one, and the running watcher would never see the change.
COPY sources.yaml /config/sources.yaml
ENV WATCHER_CONFIG=/config/sources.yaml \
    WATCHER_STATE=/state \
    PYTHONUNBUFFERED=1

VOLUME /state
USER watcher

# `watcher status` exits 1 when a source has not succeeded within its stale_after.
HEALTHCHECK --interval=5m --timeout=30s --start-period=15m CMD ["watcher", "status"]
CMD ["watcher", "run"]
