# syntax=docker/dockerfile:1
# Vigía API image. Needs BuildKit (the default builder since Docker 23): a COPY
# whose `[x]` wildcard matches nothing copies nothing instead of failing, which
# makes README.md, frontend/package.json and frontend/dist optional.

# --- Dashboard: built only when frontend/package.json exists -----------------
FROM node:20-slim AS frontend
WORKDIR /src/frontend
COPY fronten[d]/package*.json ./
RUN if [ -f package.json ]; then npm ci --no-audit --no-fund; fi
COPY fronten[d] ./
RUN if [ -f package.json ]; then npm run build; fi

# --- Python dependencies and the project, in a relocatable venv --------------
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /src
# Dependencies first, from pyproject alone, so code changes reuse this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt
COPY READM[E].md ./
COPY api ./api
COPY migrations ./migrations
RUN pip install --no-deps .

# --- Runtime ------------------------------------------------------------------
FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    VIGIA_ENVIRONMENT=production \
    VIGIA_DATA_DIR=/var/lib/vigia \
    VIGIA_EVIDENCE_DIR=/var/lib/vigia/evidence \
    VIGIA_FRONTEND_DIST=/app/frontend/dist
# The evidence directory is created here, owned by the app user, so that a fresh
# named volume mounted on it inherits that ownership.
RUN groupadd --system --gid 10001 vigia \
    && useradd --system --uid 10001 --gid vigia --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin vigia \
    && mkdir -p /app /var/lib/vigia/evidence \
    && chown -R vigia:vigia /var/lib/vigia
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --from=frontend /src/frontend/dis[t] ./frontend/dist/
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4)"]
CMD ["vigia", "serve", "--host", "0.0.0.0", "--port", "8000"]
