# The queueing service image: API, RQ worker/scheduler and migrations (the command picks the role).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 queueing \
    && useradd --system --uid 10001 --gid queueing --home-dir /app --shell /usr/sbin/nologin queueing

WORKDIR /app
COPY pyproject.toml README.md ./
COPY queueing ./queueing
COPY workers ./workers
COPY displays ./displays
RUN pip install . \
    && mkdir -p /app/.queueing \
    && chown queueing:queueing /app/.queueing

USER queueing
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=2).status == 200 else 1)"]

# `queueing api` is granian: SIGTERM (docker stop) ends open event streams, runs the app's
# shutdown and exits 0.
ENTRYPOINT ["queueing"]
CMD ["api", "--host", "0.0.0.0", "--port", "8000"]
