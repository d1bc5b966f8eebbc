# The gateway as one process per container; replicas share state through Redis.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 gateway \
    && useradd --system --uid 10001 --gid gateway --no-create-home --shell /usr/sbin/nologin gateway

WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY providers ./providers
# the otel extra: traces stay off unless OTEL_* variables turn them on
RUN pip install '.[otel]' && rm -rf /app/build

USER 10001:10001
EXPOSE 8000

# slim has no curl: ask /healthz with the interpreter already in the image
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"]

# SIGTERM drains: /readyz 503, subscriptions ended with a resume cursor, requests finished
# (GATEWAY_SHUTDOWN__*); `docker stop -t` must leave drain + grace + a second
STOPSIGNAL SIGTERM
CMD ["gateway", "serve", "--host", "0.0.0.0"]
