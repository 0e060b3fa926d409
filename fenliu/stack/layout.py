"""Where the local stack keeps its files: config from ``deploy/``, state under ``state_dir``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fenliu.settings import Settings

# The repository's deploy/ folder. The local stack is a developer tool that runs from a
# checkout (editable install); an installed wheel does not carry deploy/ and says so.
DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy"


class StackError(RuntimeError):
    """A service of the local stack could not be installed, started or stopped."""


@dataclass(frozen=True)
class StackLayout:
    """Absolute paths of one stack instance, derived from the settings."""

    state_dir: Path
    deploy_dir: Path = DEPLOY_DIR

    @classmethod
    def from_settings(cls, settings: Settings) -> StackLayout:
        """Resolve ``state_dir`` once so services never depend on the cwd later."""
        if not DEPLOY_DIR.is_dir():
            raise StackError(
                f"the local stack runs from a fenliu checkout: its configuration folder "
                f"{DEPLOY_DIR} is missing (install with `pip install -e .` in a clone, or use "
                f"docker-compose.yml in a data centre)"
            )
        return cls(state_dir=Path(settings.stack.state_dir).expanduser().resolve())

    def service_dir(self, name: str) -> Path:
        """The folder holding one service's data, log and PID file."""
        return self.state_dir / name

    def pid_file(self, name: str) -> Path:
        return self.service_dir(name) / f"{name}.pid"

    def log_file(self, name: str) -> Path:
        """What the process writes to stdout/stderr."""
        return self.service_dir(name) / f"{name}.log"

    @property
    def lock_file(self) -> Path:
        """Serialises concurrent ``up``/``down`` calls on the same state dir."""
        return self.state_dir / "stack.lock"
