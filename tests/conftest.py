"""Fixtures for tests against the real local stack (``./dev up`` or ``./dev test``).

Nothing here is mocked or skipped: a test that asks for Kafka or Redis talks to the
broker and server on 127.0.0.1, and fails loudly when they are not running. Each
test session gets its own topic prefix, each test its own topics, consumer group
and Redis key prefix, so several engineers can run tests on one stack at once.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from tests.stack_turn import lock_dir, stack_turn

# The tests run a development stack: services they start may use the published secrets.
os.environ.setdefault("FENLIU_ENVIRONMENT", "development")

KAFKA_ANSWER_TIMEOUT_S = 10.0
ADMIN_TIMEOUT_S = 30.0
# Tests use their own Redis database so they never touch the dev stack's data in db 0.
TEST_REDIS_DB = 15

TopicFactory = Callable[..., str]


def _unique(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}"


def _redis_url_with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


def _wait_all(futures: dict[str, Any], ignore: tuple[int, ...] = ()) -> None:
    """Wait for AdminClient futures; errors whose code is in ``ignore`` are expected."""
    for future in futures.values():
        try:
            future.result(timeout=ADMIN_TIMEOUT_S)
        except KafkaException as error:
            if error.args[0].code() not in ignore:
                raise


def _delete_topics(admin: AdminClient, names: list[str]) -> None:
    if names:
        _wait_all(admin.delete_topics(names), ignore=(KafkaError.UNKNOWN_TOPIC_OR_PART,))


@pytest.fixture(scope="session")
def settings() -> Iterator[Settings]:
    """Settings for this test session: a unique topic prefix and Redis db 15.

    Fails (never skips) when Kafka does not answer, and deletes every topic with the
    session's prefix at the end, including those the code under test created.
    """
    base = Settings()
    session_settings = base.replace(
        topics={"prefix": f"test-{uuid.uuid4().hex[:12]}-"},
        teams={"redis_url": _redis_url_with_db(base.teams.redis_url, TEST_REDIS_DB)},
    )
    admin = AdminClient(confluent_config(session_settings))
    try:
        metadata = admin.list_topics(timeout=KAFKA_ANSWER_TIMEOUT_S)
    except KafkaException as error:
        pytest.fail(
            f"Kafka at {session_settings.kafka.bootstrap} did not answer within "
            f"{KAFKA_ANSWER_TIMEOUT_S:.0f} s ({error}): run ./dev up or ./dev test",
            pytrace=False,
        )
    if not metadata.brokers:
        pytest.fail(
            f"Kafka at {session_settings.kafka.bootstrap} lists no broker: run ./dev up",
            pytrace=False,
        )
    yield session_settings
    leftovers = [
        name
        for name in admin.list_topics(timeout=ADMIN_TIMEOUT_S).topics
        if name.startswith(session_settings.topics.prefix)
    ]
    _delete_topics(admin, leftovers)


@pytest.fixture(scope="session")
def kafka_admin(settings: Settings) -> AdminClient:
    """An AdminClient on the stack's broker, with the settings' security config."""
    return AdminClient(confluent_config(settings))


@pytest.fixture()
def isolated_settings(settings: Settings) -> Settings:
    """The session settings with a prefix of this test's own: catalogue names never clash."""
    return settings.replace(topics={"prefix": f"{settings.topics.prefix}{_unique('t')}-"})


@pytest.fixture()
def topic_factory(isolated_settings: Settings, kafka_admin: AdminClient) -> Iterator[TopicFactory]:
    """Create real topics for one test and delete them afterwards.

    ``topic_factory("raw.110", partitions=3)`` creates ``isolated_settings.topic("raw.110")``
    (pass ``isolated_settings`` to the code under test so it finds it); without a name
    a random one is made. Returns the physical topic name.
    """
    created: list[str] = []

    def create(
        name: str | None = None, *, partitions: int = 1, config: dict[str, str] | None = None
    ) -> str:
        physical = isolated_settings.topic(name or _unique("topic"))
        new_topic = NewTopic(
            physical, num_partitions=partitions, replication_factor=1, config=config or {}
        )
        _wait_all(kafka_admin.create_topics([new_topic], operation_timeout=ADMIN_TIMEOUT_S))
        created.append(physical)
        return physical

    yield create
    _delete_topics(kafka_admin, created)


@pytest.fixture()
def consumer_group(kafka_admin: AdminClient) -> Iterator[str]:
    """A consumer group id no other test uses; deleted afterwards when it is empty."""
    group = _unique("test-group")
    yield group
    try:
        _wait_all(kafka_admin.delete_consumer_groups([group], request_timeout=ADMIN_TIMEOUT_S))
    except KafkaException:
        pass  # never joined, or members still closing: the broker expires it anyway


@pytest.fixture()
def redis_prefix() -> str:
    """A key prefix of this test's own; ``redis_client`` deletes its keys afterwards."""
    return f"{_unique('test')}:"


@pytest.fixture()
def redis_client(settings: Settings, redis_prefix: str) -> Iterator[redis.Redis]:
    """A client on the stack's Redis (db 15); keys under ``redis_prefix`` are removed after."""
    client = redis.Redis.from_url(settings.teams.redis_url, socket_timeout=5.0)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(
            f"Redis at {settings.teams.redis_url} does not answer ({error}): run ./dev up",
            pytrace=False,
        )
    yield client
    stale = list(client.scan_iter(match=f"{redis_prefix}*", count=500))
    if stale:
        client.delete(*stale)
    client.close()


STACK_MARKERS = ("kafka", "redis", "prometheus")
#: Stack tests that talk to the broker and Redis from their own process or start their own
#: services on free ports, and stop nothing: their group runs beside the ``stack`` group.
PARALLEL_MARKER = "stack_parallel"
#: A test that stops a service of the shared stack: it runs with the stack to itself.
STOPS_MARKER = "stops_the_stack"


# tryfirst: xdist reads the `xdist_group` marks in its own collection hook (it appends the
# group to each node id); run after it, the marks added here did not group anything.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``secure`` run on the secure stack only (``./dev test --secure``, which
    CI runs after the whole suite); on the plaintext stack they are skipped, saying so.

    Every test of the real stack joins an xdist group: with ``-n 2 --dist loadgroup`` (CI)
    the ``stack`` group (tests that start services on fixed ports and measure what the stack
    did) runs one test after another in one worker, the ``stack-parallel`` group (marked
    ``stack_parallel``) and the pure tests in the other; ``pytest_runtest_protocol`` below
    gives a test that stops the broker the stack to itself."""
    for item in items:
        if any(marker in item.keywords for marker in STACK_MARKERS):
            parallel = PARALLEL_MARKER in item.keywords
            item.add_marker(pytest.mark.xdist_group("stack-parallel" if parallel else "stack"))
    if Settings().kafka.sasl_mechanism is not None:
        return
    skip = pytest.mark.skip(reason="needs the secure stack: ./dev test --secure")
    for item in items:
        if "secure" in item.keywords:
            item.add_marker(skip)


#: The shared turn each ``stack_parallel`` module holds from its first test to its last.
_module_turns: dict[str, ExitStack] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A stack test's setup, call and teardown hold the stack shared; one marked
    ``stops_the_stack`` holds it alone (tests/stack_turn.py). A ``stack_parallel`` module
    holds it from its first test's setup to its last test's teardown: its module fixtures
    (a worker started once for the module) outlive each test and must not see the broker
    stop between two of them. (The ``stack`` group runs in one process, one test after
    another, so the stopping test's own worker needs no such span: it would wait on itself.)"""
    if item.get_closest_marker("xdist_group") is None:
        yield
        return
    directory = lock_dir(Settings().kafka.bootstrap)
    if PARALLEL_MARKER not in item.keywords:
        with stack_turn(directory, exclusive=STOPS_MARKER in item.keywords):
            yield
        return
    module = item.nodeid.split("::")[0]
    if module not in _module_turns:
        turn = ExitStack()
        turn.enter_context(stack_turn(directory, exclusive=False))
        _module_turns[module] = turn
    try:
        yield
    finally:
        if nextitem is None or nextitem.nodeid.split("::")[0] != module:
            _module_turns.pop(module).close()


#: Lines of each process log attached to a failing test's report.
PROCESS_LOG_LINES = 150


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failing test that ran processes logging under its ``tmp_path`` (workers write
    ``worker-N.log``, ``tests/streams_worker.py``; the fault tests' supervisor
    ``<service>.log``) gets their last lines in its report: a failure seen once in CI, on
    a machine that is gone, is then readable from CI's output alone."""
    outcome = yield
    report = outcome.get_result()
    tmp_path = getattr(item, "funcargs", {}).get("tmp_path")
    if report.when != "call" or not report.failed or tmp_path is None:
        return
    for log in sorted(tmp_path.rglob("*.log")):
        lines = log.read_text(errors="replace").splitlines()[-PROCESS_LOG_LINES:]
        report.sections.append((f"log {log.relative_to(tmp_path)}", "\n".join(lines)))
