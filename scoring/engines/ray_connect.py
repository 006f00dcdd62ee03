"""Starting or joining Ray, with failures turned into messages that say what to do.

Ray 2.60 facts this module works around (see STACK.md, "Facts found 2026-12-07"):

- ``ray.init()`` with no address joins whatever cluster Ray's ``ray_current_cluster``
  file names, even a long-dead one from an earlier ``ray start``; ``address="local"``
  always starts a private instance.
- Joining an address that does not answer makes Ray retry for minutes; a TCP check
  first answers in at most :data:`CONNECT_TIMEOUT_S`.
- A head node started with token authentication refuses a client without
  ``RAY_AUTH_MODE=token`` (or with the wrong token): Ray logs "InvalidAuthToken" from
  C++ for about 20 s, then raises a bare ``ConnectionError``. The C++ log is captured
  while connecting so the message can say which case it was.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import tempfile
from collections.abc import Iterator

from scoring.errors import ConfigError

CONNECT_TIMEOUT_S = 5.0
DEFAULT_GCS_PORT = 6379
DEFAULT_CLIENT_PORT = 10001
AUTH_HINT = ("set RAY_AUTH_MODE=token and give this machine the cluster's token: copy ~/.ray/auth_token from the "
             "head node (or set RAY_AUTH_TOKEN, or RAY_AUTH_TOKEN_PATH to a file holding it)")
AUTH_MARKERS = ("InvalidAuthToken", "Unauthenticated", "authentication token")


def host_port(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of a Ray address, or None for ``auto`` (found by Ray itself).

    >>> host_port("ray://10.0.0.5:10001"), host_port("head:6379"), host_port("auto")
    (('10.0.0.5', 10001), ('head', 6379), None)
    """
    if address in ("auto", "local"):
        return None
    client = address.startswith("ray://")
    rest = address.removeprefix("ray://").split("/", 1)[0]
    host, sep, port = rest.rpartition(":")
    if not sep:
        host, port = rest, str(DEFAULT_CLIENT_PORT if client else DEFAULT_GCS_PORT)
    try:
        number = int(port)
    except ValueError:
        raise ConfigError(f"--ray-address {address!r}: the port must be a number (e.g. 127.0.0.1:6379)") from None
    return host.strip("[]") or "127.0.0.1", number


def check_reachable(address: str) -> None:
    """Raise ConfigError unless something accepts TCP connections at ``address``."""
    target = host_port(address)
    if target is None:
        return
    try:
        with socket.create_connection(target, timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        reason = "no answer" if isinstance(exc, TimeoutError) else (exc.strerror or type(exc).__name__)
        raise ConfigError(
            f"cannot reach the Ray cluster at {address}: {reason.lower()} (is its head node running? "
            f"`ray start --head` prints the address to use; check host, port and firewall)") from None


@contextlib.contextmanager
def captured_stderr() -> Iterator[list[str]]:
    """Send file descriptor 2 (Python and Ray's C++ logging) to a temporary file while
    inside; the list yielded receives its text on exit."""
    text: list[str] = []
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield text
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            text.append(tmp.read().decode("utf-8", "replace"))


def join_error(address: str, exc: BaseException, log: str) -> str:
    """What to tell the user when joining ``address`` failed with ``exc`` (and Ray logged ``log``)."""
    said = f"{exc} {log}"
    token_mode = os.environ.get("RAY_AUTH_MODE", "").lower() == "token"
    if type(exc).__name__ == "AuthenticationError" and token_mode:
        return f"cannot join the Ray cluster at {address}: RAY_AUTH_MODE=token is set but no token was found; {AUTH_HINT}"
    if any(m in said for m in AUTH_MARKERS):
        if token_mode:
            return (f"the Ray cluster at {address} refused this machine's authentication token; use the head node's "
                    "token: copy its ~/.ray/auth_token here (or set RAY_AUTH_TOKEN)")
        return f"the Ray cluster at {address} requires token authentication; {AUTH_HINT}"
    if address.startswith("ray://") and "grpc" in said.lower():
        return (f"cannot join {address}: ray:// addresses need Ray Client (pip install 'ray[client]==2.60.0'); "
                "or give the head node's address (HOST:6379) from a machine on the cluster's network")
    first = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
    hint = "" if token_mode else f"; if the cluster uses token authentication, {AUTH_HINT}"
    return f"cannot join the Ray cluster at {address}: {first}{hint}"


def join(ray, address: str) -> None:
    """``ray.init`` onto the cluster at ``address``; ConfigError (exit 2) with what to do if refused."""
    check_reachable(address)
    with captured_stderr() as log:
        try:
            ray.init(address=address, log_to_driver=False, configure_logging=False)
        except Exception as exc:  # noqa: BLE001 - every way of being refused becomes one clear message
            failure: BaseException | None = exc
        else:
            failure = None
    if failure is not None:
        raise ConfigError(join_error(address, failure, "".join(log))) from None


def start_local(ray, cpus: int) -> str | None:
    """A private Ray instance on this machine, whatever ``ray_current_cluster`` says.

    Returns the caller's ``RAY_AUTH_MODE`` (None: unset), for :func:`restore_auth_mode`
    after ``ray.shutdown()``: ``ray.init`` turns token authentication on for a new local
    instance by writing ``RAY_AUTH_MODE=token`` into ``os.environ``.
    """
    before = os.environ.get("RAY_AUTH_MODE")
    with captured_stderr() as log:
        try:
            ray.init(address="local", num_cpus=cpus, include_dashboard=False, log_to_driver=False,
                     configure_logging=False)
        except Exception as exc:  # noqa: BLE001
            failure: BaseException | None = exc
        else:
            failure = None
    if failure is not None:
        restore_auth_mode(before)
        first = next((ln for ln in str(failure).splitlines() if ln.strip()), type(failure).__name__)
        tail = "".join(log).strip().splitlines()[-3:]
        raise ConfigError(f"could not start Ray on this machine: {first}"
                          + (f" (Ray said: {' | '.join(tail)})" if tail else ""))
    return before


def restore_auth_mode(before: str | None) -> None:
    """Put ``RAY_AUTH_MODE`` back as the user had it (a later join must see their setting)."""
    if before is None:
        os.environ.pop("RAY_AUTH_MODE", None)
    else:
        os.environ["RAY_AUTH_MODE"] = before
