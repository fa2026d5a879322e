"""``ecr-mock serve``: the registry server from the command line.

Binds loopback by default, prints where it serves and how to log docker in, logs one line per request on stderr,
and on SIGTERM or Ctrl-C stops accepting, lets the requests in flight finish, saves, and exits 0. With
``--data-dir`` the state survives a restart (``ecr_mock._store.state``); without, blobs go to a temporary
directory that is removed on exit.

Only the standard library is imported at module level: ``python -m ecr_mock`` builds its parser from here
without loading the server.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import tempfile
import threading
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from ecr_mock import _config

if TYPE_CHECKING:
    from ecr_mock._backend import Backends
    from ecr_mock._server.app import ServerSettings
    from ecr_mock._server.serving import Server
    from ecr_mock._store.world import SaveOnChange, WorldStore

DEFAULT_PORT = 5000
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]+")
_LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``serve`` and its flags to ``ecr-mock``'s subcommands."""
    serve = commands.add_parser(
        "serve",
        help="serve ECR's API and the OCI registry API over HTTP (docker, skopeo, the AWS CLI, boto3)",
        description="Serve ECR's JSON API (POST /) and the OCI distribution API (/v2/) on one port, over one "
        "registry state. Stops cleanly on SIGTERM or Ctrl-C.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, loopback only)")
    serve.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port to bind (default: {DEFAULT_PORT}; 0: any free port)"
    )
    kept = serve.add_mutually_exclusive_group()
    kept.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="keep the registry here (blobs as files, the rest in SQLite) so a restart serves the same registry; "
        "default: a temporary directory, removed on exit",
    )
    kept.add_argument(
        "--database",
        metavar="URL",
        help="keep the registry, blobs included, in PostgreSQL (postgresql://user@host:port/db; needs psycopg: "
        "pip install 'ecr_mock[postgres]'): every server on one database serves the same registry",
    )
    serve.add_argument(
        "--account-id",
        type=_account_id,
        metavar="ID",
        help=f"the server's account, 12 digits (default: ${_config.ACCOUNT_ENV}, else {_config.DEFAULT_ACCOUNT_ID}); "
        "a request signed with a 12-digit access key id acts as that account",
    )
    serve.add_argument(
        "--region",
        type=_region,
        help="region of requests that name none (default: $AWS_DEFAULT_REGION, else $AWS_REGION, else "
        f"{_config.DEFAULT_REGION}); signed requests use their credential scope's",
    )
    serve.add_argument(
        "--strict",
        action="store_true",
        help="behave as real ECR where the default mode is lenient, and refuse unsigned API calls "
        f"(also ${_config.STRICT_ENV}=1)",
    )
    serve.add_argument(
        "--localhost-names",
        action="store_true",
        help="hand out <registry>.dkr.ecr.<region>.localhost:<port> names (they need a hosts entry to resolve)",
    )


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Serve until SIGTERM or SIGINT; 0 after a clean stop, 1 when the server cannot start, 2 for bad settings."""
    out = out or sys.stdout
    try:
        account_id = _config.account_for(args.account_id)
    except ValueError as error:
        print(f"ecr-mock serve: error: {error}", file=sys.stderr)
        return 2
    region = args.region or os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION")
    region = region or _config.DEFAULT_REGION
    if not _REGION.fullmatch(region):
        print(f"ecr-mock serve: error: the region must look like us-east-1, got {region!r}", file=sys.stderr)
        return 2
    _log_to_stderr()
    stop = _stop_on_signals()
    with ExitStack() as cleanup:
        try:
            served = _Served.start(cleanup, args, account_id, region)
        except _CannotStart as error:
            print(f"ecr-mock serve: {error}", file=sys.stderr)
            return 1
        out.write(served.banner())
        out.flush()
        while not stop.wait(1.0):
            pass
        logging.getLogger("ecr_mock.server").info("stopping: letting requests in flight finish")
        served.stop()
    return 0


class _CannotStart(Exception):
    """The data directory is unusable or the address cannot be bound."""


@dataclass
class _Served:
    """A running server over its state, what saves that state, and where it lives."""

    world: Backends
    server: Server
    settings: ServerSettings
    store: WorldStore
    where: str

    @classmethod
    def start(cls, cleanup: ExitStack, args: argparse.Namespace, account_id: str, region: str) -> _Served:
        from ecr_mock._domain.endpoint import Endpoint
        from ecr_mock._server.app import App, ServerSettings
        from ecr_mock._server.serving import Server

        behaviour = _config.behaviour_for(True if args.strict else None)
        if args.database:
            world, store, where = _database(cleanup, args.database, behaviour)
        else:
            world, store, where = _world(cleanup, args.data_dir, behaviour)
        settings = ServerSettings(account_id, region)
        try:
            server = Server(App(world, settings, store), args.host, args.port)
        except OSError as error:
            raise _CannotStart(f"cannot listen on {args.host}:{args.port}: {error.strerror or error}") from None
        except SystemExit:  # werkzeug's answer to a port in use: its own explanation on stderr, then exit(1)
            raise _CannotStart(f"cannot listen on {args.host}:{args.port}: Address already in use") from None
        world.endpoint = Endpoint(server.address, localhost_names=args.localhost_names)
        return cls(world, server.start(), settings, store, where)

    def stop(self) -> None:
        """Stop accepting, let the requests in flight finish (each saved before it was answered), save once more
        (a store of this process alone: pull times are saved with the next change)."""
        from ecr_mock._store.world import SaveOnChange

        self.server.stop()
        if isinstance(self.store, SaveOnChange):
            with self.world.lock:
                self.store.save()

    def banner(self) -> str:
        """What the server prints once it listens: its URL on the first line (scripts and tests read it)."""
        endpoint = self.world.endpoint
        assert endpoint is not None
        url, region = endpoint.url, self.settings.region
        host = endpoint.registry_host(self.settings.account_id, region)
        mode = "strict mode: real ECR's rules" if self.world.behaviour.strict else "default mode"
        lines = [
            f"ecr-mock serving {url}",
            f"  ECR API:  POST {url}/  (aws --endpoint-url {url}; boto3 endpoint_url={url!r})",
            f"  registry: {host}  (account {self.settings.account_id}, region {region}, {mode})",
            f"  data:     {self.where}",
            "  log docker in:",
            f"    aws ecr get-login-password --endpoint-url {url} --region {region}"
            f" | docker login --username AWS --password-stdin {host}",
        ]
        if endpoint.localhost_names:
            name = host.rpartition(":")[0]
            lines.append(f"  ({name} must resolve to 127.0.0.1: add it to /etc/hosts where it does not)")
        lines.append("  stop: Ctrl-C or SIGTERM")
        return "\n".join(lines) + "\n"


def _world(
    cleanup: ExitStack, data_dir: Path | None, behaviour: _config.Behaviour
) -> tuple[Backends, SaveOnChange, str]:
    """The registry state to serve, what saves it after each change, and where it lives (for the banner)."""
    from ecr_mock._backend import Backends
    from ecr_mock._store.blobs import BlobStore
    from ecr_mock._store.state import StateError, open_data_dir
    from ecr_mock._store.world import SaveOnChange

    if data_dir is None:
        temporary = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="ecr-mock-"))
        world = Backends(behaviour)
        store = world.blob_store = BlobStore(Path(temporary) / "blobs", durable=False)  # gone with the process

        def collect() -> None:  # nothing is saved, so a blob file can go once no repository holds it
            store.collect()

        return world, SaveOnChange(world, collect), f"{temporary} (temporary: removed on exit)"
    try:
        world, state = open_data_dir(data_dir, behaviour)
    except (StateError, OSError) as error:
        raise _CannotStart(str(error)) from None
    cleanup.callback(state.close)

    def save() -> None:
        state.save(world)

    return world, SaveOnChange(world, save), f"{data_dir.resolve()} (kept: a restart on it serves the same registry)"


def _database(cleanup: ExitStack, url: str, behaviour: _config.Behaviour) -> tuple[Backends, WorldStore, str]:
    """The registry a PostgreSQL database holds, shared with every other server on it."""
    try:
        from ecr_mock._store.postgres import DatabaseError, SharedWorld, redacted
    except ImportError as error:
        raise _CannotStart(f"--database needs psycopg 3 ({error}): pip install 'ecr_mock[postgres]'") from None
    try:
        shared = SharedWorld(url, behaviour)
    except DatabaseError as error:
        raise _CannotStart(str(error)) from None
    cleanup.callback(shared.close)
    return shared.world, shared, f"{redacted(url)} (shared: every server on this database serves the same registry)"


def _stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT (Ctrl-C), so the main thread can stop the server cleanly."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


def _log_to_stderr() -> None:
    """One line per request (the ``ecr_mock.server`` logger) and the mock's notes, on stderr."""
    logger = logging.getLogger("ecr_mock")
    if not any(getattr(handler, "ecr_mock_cli", False) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_LOG_FORMAT))
        handler.ecr_mock_cli = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a port is a number from 0 to 65535, got {value!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 0 to 65535, got {value!r}")
    return port


def _account_id(value: str) -> str:
    if not _config.ACCOUNT_ID.fullmatch(value):
        raise argparse.ArgumentTypeError(f"must be a 12-digit AWS account id, got {value!r}")
    return value


def _region(value: str) -> str:
    if not _REGION.fullmatch(value):
        raise argparse.ArgumentTypeError(f"a region looks like us-east-1, got {value!r}")
    return value
