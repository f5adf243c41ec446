# syntax=docker/dockerfile:1
#
# The CMARAC case manager as one image: the web application (the default
# command, gunicorn on port 8000), and the Celery worker and beat (same image,
# other commands; see docker-compose.yml).
#
#   docker build -t cmarac .
#   docker run --rm -p 8000:8000 -e SECRET_KEY=... -e DATABASE_URL=... -e REDIS_URL=... cmarac
#
# Before the first start and after every upgrade, as the schema's owner (same
# image): `python manage.py migrate --noinput`, then
# `python manage.py grant_app_database_access --role <the application's role>`.
# The server and workers connect as that role, which owns nothing (README, Security).

# --- Stage 1: front-end assets ----------------------------------------------
# GOV.UK Frontend and MOJ Frontend from npm, and the SCSS compiled to
# frontend/build/application.css.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ frontend/
RUN npm run build

# --- Stage 2: the application -----------------------------------------------
FROM python:3.11-slim-bookworm AS app

# WEB_CONCURRENCY: gunicorn's number of worker processes (gunicorn reads it itself).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    WEB_CONCURRENCY=3

# Pango and HarfBuzz for WeasyPrint (meeting packs as PDF), and fonts for it.
# Not pinned to versions: Debian drops superseded versions from its archive,
# which would break the build; the python:3.11-slim-bookworm base fixes the release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# The application runs as this unprivileged user; the code stays owned by root.
RUN groupadd --system --gid 10001 cmarac \
    && useradd --system --uid 10001 --gid cmarac --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin cmarac

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY . .
COPY --from=assets /app/node_modules/govuk-frontend/dist node_modules/govuk-frontend/dist
COPY --from=assets /app/node_modules/@ministryofjustice/frontend/moj node_modules/@ministryofjustice/frontend/moj
COPY --from=assets /app/frontend/build frontend/build

# Static files into STATIC_ROOT (var/static), hashed and compressed for
# whitenoise. collectstatic never uses SECRET_KEY, so none is given: the web
# server and the workers refuse to start until one is set at run time. var/
# itself is left writable for the application (e-mail files, when
# EMAIL_BACKEND is the file backend).
RUN DEBUG=false python manage.py collectstatic --noinput \
    && mkdir -p var \
    && chown cmarac:cmarac var

USER 10001:10001

EXPOSE 8000

# /healthz answers 200 when the database (and the broker, if configured) can
# be reached. The request carries a Host from ALLOWED_HOSTS so that Django
# accepts it whatever the deployment's host names are.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request as u; hosts = [h.strip().lstrip('.') for h in os.environ.get('ALLOWED_HOSTS', 'localhost').split(',') if h.strip() not in ('', '*')]; r = u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': (hosts or ['localhost'])[0]}), timeout=8); sys.exit(0 if r.status == 200 else 1)"]

# Workers: WEB_CONCURRENCY (above). The timeout leaves room for building a
# meeting pack PDF. No control socket: nothing in the container uses gunicornc.
CMD ["gunicorn", "cmarac.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--timeout", "120", \
     "--worker-tmp-dir", "/dev/shm", \
     "--no-control-socket", \
     "--access-logfile", "-"]
