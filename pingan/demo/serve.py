"""Serve the demo: the Huey task consumer as a child process plus Django's server.

The consumer must not outlive the server: it is stopped in a `finally` (normal exit,
Ctrl-C, SIGTERM), and on Linux the kernel also kills it if this process dies abruptly.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

from django.conf import settings
from django.core.management import call_command

CONSUMER_STOP_SECONDS = 10
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask Linux to SIGTERM the consumer when its parent dies (even by SIGKILL)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@contextlib.contextmanager
def task_consumer() -> Iterator[subprocess.Popen]:
    """Run `pingan run_huey` with this process's environment for the duration of the block."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "pingan.settings"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "pingan", "run_huey"],
        env=env,
        preexec_fn=_die_with_parent,
    )
    try:
        yield process
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen, timeout: float = CONSUMER_STOP_SECONDS) -> None:
    """SIGTERM, wait for a graceful stop, then SIGKILL."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """Turn SIGTERM into SystemExit so `finally` blocks (stopping the consumer) run."""

    def _exit(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, _exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(port: int) -> None:
    """Start the consumer, then Django's server on 127.0.0.1:`port` until interrupted."""
    if not settings.DEBUG:
        # WhiteNoise serves from the finders only in DEBUG; otherwise it needs STATIC_ROOT.
        call_command("collectstatic", interactive=False, verbosity=0)
    # Ctrl-C is the normal way out; the consumer is stopped before it is swallowed.
    with contextlib.suppress(KeyboardInterrupt), sigterm_as_exit(), task_consumer():
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
