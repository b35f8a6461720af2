# Production image: one image, three roles (web, worker, beat) chosen by the command in compose.yaml.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=crm_site.settings.prod \
    CRM_VAR_DIR=/srv/var
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /srv crm
WORKDIR /srv/app
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt
COPY --chown=crm:crm . .
# Static files are hashed at build time; the secret here is only for this build step.
# Production settings require both URLs; collectstatic connects to neither.
RUN DJANGO_SECRET_KEY=build-only ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    CELERY_BROKER_URL=redis://localhost:6379/0 python manage.py collectstatic --noinput \
    && mkdir -p /srv/var && chown -R crm:crm /srv/var
USER crm
EXPOSE 8000
CMD ["gunicorn", "crm_site.wsgi:application", "-c", "deploy/gunicorn.conf.py"]
