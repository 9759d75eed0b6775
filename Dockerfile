# The API in a container: the knowledge base is built at image build, served read-only. The
# workers keep its snapshot (and exports) under /tmp, built at the first start; mount a volume
# there (SNAPSHOT_DIR) to keep them across starts, as a large library wants.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite:////app/data/knowledge.db \
    HOST=0.0.0.0 \
    PORT=8000 \
    WEB_CONCURRENCY=2 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/metrics \
    SNAPSHOT_DIR=/tmp/snapshots

WORKDIR /app

# Dependencies in their own layer, exactly as locked (versions and hashes), the PostgreSQL
# driver included: rebuilt only when the lock changes.
COPY requirements/runtime.txt requirements/runtime.txt
RUN pip install --require-hashes -r requirements/runtime.txt

COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY seed ./seed
# The package itself, in place (its metadata gives the API's version), built by the locked
# setuptools; its code compiled now, since the server cannot write bytecode at run time; then
# the database, built by the same migrations as everywhere else.
RUN pip install --no-deps --no-build-isolation -e . \
    && python -m compileall -q app migrations \
    && alembic upgrade head

# Served by a user that owns nothing: the database is read-only to the server anyway.
RUN groupadd --system --gid 10001 api \
    && useradd --system --no-create-home --uid 10001 --gid 10001 api
USER 10001:10001

EXPOSE 8000
# Healthy means ready: the database answers at the revision this code serves.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['PORT']}/ready\", timeout=4)"]

# The workers add up their metrics through files in PROMETHEUS_MULTIPROC_DIR, emptied at every
# start (under a read-only root, /tmp must be a tmpfs); uvicorn reads its number of worker
# processes from WEB_CONCURRENCY. The access log is the app's own, one JSON line per request.
CMD ["sh", "-c", "mkdir -p \"$PROMETHEUS_MULTIPROC_DIR\" && rm -f \"$PROMETHEUS_MULTIPROC_DIR\"/*.db && exec uvicorn app.main:app --host \"$HOST\" --port \"$PORT\" --loop uvloop --http httptools --no-access-log --no-server-header"]
