"""Apache Kafka in KRaft mode from the official jars, resolved by Maven into ~/.m2.

No tarball, no Docker: ``deploy/kafka/pom.xml`` lists the broker and its log4j
backend, Maven writes the classpath to the state dir, and ``java -cp ... kafka.Kafka``
runs a single node that is broker and controller at once.
"""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path
from string import Template
from typing import Any

from pydantic import SecretStr

from fenliu.stack.layout import StackError
from fenliu.stack.process import owned_process, port_answers
from fenliu.stack.services import LOCALHOST, Service, find_binary

SCRAM_MECHANISM = "SCRAM-SHA-512"


class Kafka(Service):
    """Single-node KRaft broker+controller on 127.0.0.1.

    Plaintext by default; with ``stack.secure`` (``fenliu stack up --secure``) SASL/SCRAM
    with one user per service and the standard authorizer, in a data folder of its own
    (``data-secure``), the users' passwords in ``secrets/`` (docs/runbook.md).
    """

    name = "kafka"
    start_timeout_s = 60.0
    stop_timeout_s = 30.0

    @property
    def mode_file(self) -> Path:
        """Written at start: ``secure`` or ``plain``, so status and readiness ask the right way."""
        return self.workdir / "mode"

    @property
    def secure(self) -> bool:
        """The mode of the broker this state dir runs, else the settings' (``FENLIU_STACK_SECURE``)."""
        if self.mode_file.exists() and owned_process(self.layout.pid_file(self.name)) is not None:
            return self.mode_file.read_text().strip() == "secure"
        return self.settings.stack.secure

    @property
    def data_dir(self) -> Path:
        return self.workdir / ("data-secure" if self.settings.stack.secure else "data")

    @property
    def secrets_dir(self) -> Path:
        return self.workdir / "secrets"

    def password_file(self, principal: str) -> Path:
        """The file holding ``principal``'s SCRAM password (FENLIU_KAFKA_SASL_PASSWORD_FILE)."""
        return self.secrets_dir / principal

    def password(self, principal: str) -> str:
        """``principal``'s password, made once per state dir (mode 0600)."""
        path = self.password_file(principal)
        if not path.exists():
            self.secrets_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(24) + "\n")
        return path.read_text().strip()

    def client_config(self) -> dict[str, Any]:
        """librdkafka settings of the stack's own checks (the admin user when secure)."""
        conf: dict[str, Any] = {"bootstrap.servers": f"{LOCALHOST}:{self.port}"}
        if self.secure:
            conf.update({
                "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": SCRAM_MECHANISM,
                "sasl.username": "admin", "sasl.password": self.password("admin"),
            })  # fmt: skip
        return conf

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
        """Render deploy/kafka/server.properties.in (and secure.properties.in when secure)."""
        data_dir = self.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        values = {
            "kafka_port": self.settings.stack.kafka_port,
            "controller_port": self.settings.stack.kafka_controller_port,
            "log_dirs": data_dir,
            "metadata_log_dir": data_dir,
        }
        text = Template((self._deploy / "server.properties.in").read_text()).substitute(values)
        if self.settings.stack.secure:
            secure = Template((self._deploy / "secure.properties.in").read_text())
            text += "\n" + secure.substitute(values, admin_password=self.password("admin"))
        properties = self.workdir / "server.properties"
        properties.touch(mode=0o600)  # it holds the admin password when secure
        properties.write_text(text)
        return properties

    def scram_users(self) -> list[str]:
        """``--add-scram`` arguments: one SCRAM user per service principal, admin included."""
        from fenliu.topics.acls import PRINCIPALS

        args: list[str] = []
        for principal in PRINCIPALS:
            args += [
                "--add-scram",
                f"{SCRAM_MECHANISM}=[name={principal},password={self.password(principal)}]",
            ]
        return args

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
        if not (self.data_dir / "meta.properties").exists():
            cluster_id = self._cluster_id(classpath)
            users = self.scram_users() if self.settings.stack.secure else []
            self._run_tool(
                classpath,
                "format",
                "-t",
                cluster_id,
                "-c",
                str(properties),
                "--ignore-formatted",
                *users,
            )
        self.mode_file.write_text("secure\n" if self.settings.stack.secure else "plain\n")
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

        admin = AdminClient(self.client_config())
        try:
            return bool(admin.list_topics(timeout=5).brokers)
        except KafkaException:
            return False

    def check_running(self) -> None:
        """A plaintext broker is not made secure by asking (nor the other way round)."""
        if self.mode_file.exists() and self.secure != self.settings.stack.secure:
            running, wanted = ("secure", "plaintext") if self.secure else ("plaintext", "secure")
            raise StackError(
                f"kafka: the running broker is {running}, {wanted} was asked for: "
                f"stop it first (fenliu stack down)"
            )

    def after_ready(self) -> None:
        """Secure mode: grant each service principal its topics and group (the settings' prefix)."""
        if self.secure:
            from fenliu.topics.acls import apply_grants, grants

            apply_grants(self.admin_settings(), grants(self.settings))

    def admin_settings(self) -> Any:
        """The settings with the admin user of the secure broker (for ACLs and topics)."""
        return self.settings.replace(kafka={
            "bootstrap": f"{LOCALHOST}:{self.port}",
            "security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": SCRAM_MECHANISM,
            "sasl_username": "admin", "sasl_password": SecretStr(self.password("admin")),
        })  # fmt: skip

    def log_files(self) -> list[Path]:
        return [*super().log_files(), self.workdir / "logs" / "server.log"]
