# One image for every pipeline service: `docker run fenliu run router`, `... topics apply`.
# WITH_GRID_SIM=1 also installs the reference grid platform (simulators/grid_sim), which
# is not part of the product: docker-compose builds that variant for its grid-sim service.
FROM python:3.11-slim
ARG WITH_GRID_SIM=0

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY . .
RUN pip install . \
 && if [ "$WITH_GRID_SIM" = 1 ]; then pip install ./simulators/grid_sim; fi \
 && useradd --system --uid 10001 --home-dir /app --create-home fenliu

USER fenliu
WORKDIR /app
ENTRYPOINT ["fenliu"]
CMD ["--help"]
