#!/usr/bin/env python3
"""prenv-local: the local AWS endpoint for prenv's tests, benchmarks and demo.

    python3 infra/local/prenv_local.py --port 4566

moto (in server mode, in this process, on an internal port) behind a threaded proxy
that adds CodePipeline executions, CodeBuild UpdateProject, CloudFormation progress
over time, fault injection, credential endpoints and an admin API under /_prenv/.
Never needed in production: see README.md.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from motoctl import Moto  # noqa: E402
from proxy import Config, Layer, make_server  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="prenv_local.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=4566, help="public port (0 = pick a free one)")
    p.add_argument("--moto-port", type=int, default=0, help="internal moto port (default: a free port)")
    p.add_argument("--verify-signatures", action="store_true",
                   help="make moto verify SigV4 (INITIAL_NO_AUTH_ACTION_COUNT=0); create keys via POST /_prenv/iam/user")
    p.add_argument("--stage-seconds", type=float, default=1.0, help="seconds per CodePipeline stage (default 1.0)")
    p.add_argument("--stack-seconds", type=float, default=1.0, help="seconds a stack stays *_IN_PROGRESS (default 1.0)")
    p.add_argument("--build-seconds", type=float, default=0.0, help="seconds a CodeBuild build stays IN_PROGRESS (default 0)")
    p.add_argument("--seed", type=int, default=None, help="seed for fault-injection rates")
    p.add_argument("--ready-file", default=None, help="write {url, port, moto_port, pid} as JSON here once serving")
    p.add_argument("--log-level", default="WARNING", help="DEBUG logs every request (default WARNING)")
    p.add_argument("--exit-with-parent", action="store_true",
                   help="shut down when the parent process goes away (for test harnesses that may die)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.ERROR if args.log_level.upper() != "DEBUG" else logging.INFO)
    try:
        if not ipaddress.ip_address(args.host).is_loopback:
            logging.warning("binding %s: this endpoint has no real auth; keep it on loopback", args.host)
    except ValueError:
        pass

    try:  # bind first, so a busy port fails at once, before moto's start-up
        server = make_server(args.host, args.port, None)
    except OSError as err:
        print(f"prenv-local: cannot listen on {args.host}:{args.port}: {err.strerror or err}", file=sys.stderr)
        return 2
    moto = Moto("127.0.0.1", args.moto_port, verify_signatures=args.verify_signatures)
    moto.start()
    config = Config(args.stage_seconds, args.stack_seconds, args.build_seconds, args.seed)
    layer = Layer(moto, config)
    server.RequestHandlerClass.layer = layer
    host, port = server.server_address[:2]
    url = f"http://{host}:{port}"

    stopping = threading.Event()

    def stop(signum, _frame) -> None:
        if not stopping.is_set():
            stopping.set()
            logging.info("signal %s: shutting down", signum)
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # A parent (Swift's Process, say) may start us with these blocked: stop would then wait for SIGKILL.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    if args.exit_with_parent:
        parent = os.getppid()

        def watch_parent() -> None:
            while not stopping.wait(1.0):
                if os.getppid() != parent:
                    stop("parent-exit", None)

        threading.Thread(target=watch_parent, daemon=True).start()

    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"url": url, "port": port, "moto_port": moto.port, "pid": os.getpid()}, f)
        os.replace(tmp, args.ready_file)
    print(f"prenv-local listening on {url} (moto on 127.0.0.1:{moto.port}"
          f"{', signatures verified' if args.verify_signatures else ''})", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        # Keep-alive client connections can keep moto's server (and non-daemon threads) from
        # stopping; never let a test or CI wait on that: clean up for at most 3 s, then exit hard.
        watchdog = threading.Timer(3.0, lambda: os._exit(0))
        watchdog.daemon = True
        watchdog.start()
        server.server_close()
        moto.stop()
        if args.ready_file:
            try:
                os.remove(args.ready_file)
            except FileNotFoundError:
                pass
    print("prenv-local stopped", flush=True)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
