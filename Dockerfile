# One image for every pipeline service: `docker run fenliu run router`, `... topics apply`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY . .
RUN pip install . \
 && useradd --system --uid 10001 --home-dir /app --create-home fenliu

USER fenliu
WORKDIR /app
ENTRYPOINT ["fenliu"]
CMD ["--help"]
