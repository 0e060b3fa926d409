"""Apache Kafka in KRaft mode from the official jars, resolved by Maven into ~/.m2.

No tarball, no Docker: ``deploy/kafka/pom.xml`` lists the broker and its log4j
backend, Maven writes the classpath to the state dir, and ``java -cp ... kafka.Kafka``
runs a single node that is broker and controller at once.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from string import Template

from fenliu.stack.layout import StackError
from fenliu.stack.process import port_answers
from fenliu.stack.services import LOCALHOST, Service, find_binary


class Kafka(Service):
    """Single-node KRaft broker+controller on 127.0.0.1."""

    name = "kafka"
    start_timeout_s = 60.0
    stop_timeout_s = 30.0

    @property
    def port(self) -> int:
        return self.settings.stack.kafka_port

    @property
    def _deploy(self) -> Path:
        return self.layout.deploy_dir / "kafka"

    @property
    def classpath_file(self) -> Path:
        return self.workdir / f"classpath-{self.settings.stack.kafka_version}.txt"

    def resolve_classpath(self) -> str:
        """Let Maven fetch the jars (once) and return the classpath it wrote."""
        if not self.classpath_file.exists():
            self.workdir.mkdir(parents=True, exist_ok=True)
            result = subprocess.run(
                [
                    find_binary("mvn"), "-B", "-q", "-Dstyle.color=never",
                    "-f", str(self._deploy / "pom.xml"),
                    f"-Dkafka.version={self.settings.stack.kafka_version}",
                    "dependency:build-classpath",
                    f"-Dmdep.outputFile={self.classpath_file}",
                ],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if result.returncode != 0 or not self.classpath_file.exists():
                self.classpath_file.unlink(missing_ok=True)
                raise StackError(
                    f"Maven could not resolve Kafka {self.settings.stack.kafka_version}:\n"
                    f"{result.stdout[-3000:]}{result.stderr[-3000:]}"
                )
        return self.classpath_file.read_text().strip()

    def _java(self, classpath: str, *args: str, log4j: str = "tools-log4j.properties") -> list[str]:
        return [
            find_binary("java"),
            f"-Dlog4j.configuration=file:{self._deploy / log4j}",
            "-cp", classpath,
            *args,
        ]  # fmt: skip

    def _run_tool(self, classpath: str, *args: str) -> str:
        result = subprocess.run(
            self._java(classpath, "kafka.tools.StorageTool", *args),
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise StackError(f"kafka-storage {args[0]} failed:\n{result.stdout}{result.stderr}")
        return result.stdout.strip()

    def write_server_properties(self) -> Path:
        """Render deploy/kafka/server.properties.in with the settings' ports and data dir."""
        data_dir = self.workdir / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        template = Template((self._deploy / "server.properties.in").read_text())
        properties = self.workdir / "server.properties"
        properties.write_text(
            template.substitute(
                kafka_port=self.settings.stack.kafka_port,
                controller_port=self.settings.stack.kafka_controller_port,
                log_dirs=data_dir,
                metadata_log_dir=data_dir,
            )
        )
        return properties

    def _cluster_id(self, classpath: str) -> str:
        """A cluster id made once per state dir: the formatted storage is bound to it."""
        id_file = self.workdir / "cluster.id"
        if not id_file.exists():
            id_file.write_text(self._run_tool(classpath, "random-uuid").splitlines()[-1] + "\n")
        return id_file.read_text().strip()

    def _jvm_options(self) -> list[str]:
        lines = (self._deploy / "jvm.options").read_text().splitlines()
        return [line.strip() for line in lines if line.strip() and not line.startswith("#")]

    def command(self) -> list[str]:
        classpath = self.resolve_classpath()
        properties = self.write_server_properties()
        if not (self.workdir / "data" / "meta.properties").exists():
            cluster_id = self._cluster_id(classpath)
            self._run_tool(
                classpath, "format", "-t", cluster_id, "-c", str(properties), "--ignore-formatted"
            )
        logs_dir = self.workdir / "logs"
        logs_dir.mkdir(parents=True, exist_ok=True)
        java = self._java(classpath, "kafka.Kafka", str(properties), log4j="log4j.properties")
        return [java[0], *self._jvm_options(), f"-Dkafka.logs.dir={logs_dir}", *java[1:]]

    def is_ready(self) -> bool:
        """The broker answers a metadata request and lists itself."""
        if not port_answers(self.port):
            return False
        from confluent_kafka import KafkaException
        from confluent_kafka.admin import AdminClient

        admin = AdminClient({"bootstrap.servers": f"{LOCALHOST}:{self.port}"})
        try:
            return bool(admin.list_topics(timeout=5).brokers)
        except KafkaException:
            return False

    def log_files(self) -> list[Path]:
        return [*super().log_files(), self.workdir / "logs" / "server.log"]
