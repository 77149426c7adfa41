"""Runs moto's server with this project's extension on 127.0.0.1 at a free port.

Prints `ready http://127.0.0.1:<port>` once it answers, then serves until its standard input
closes (the launcher ended or died) or it receives SIGTERM or SIGINT; it then kills the functions'
runners still running, and stops. EMULATOR_DEPLOYMENT_SECONDS and EMULATOR_MONITORING_SECONDS set
its timing (moto_extension/timing.py); a value that is no number of seconds stops it at once.
"""
import logging
import os
import signal
import sys
import threading

import moto_extension  # must come before the first stack operation
from moto.server import ThreadedMotoServer


def main() -> None:
    try:
        moto_extension.timing.configure(os.environ)
    except ValueError as error:
        sys.exit(f"The emulator's timing is wrong: {error}")
    # Not a line per request in the log, which keeps the functions' logs and tracebacks: writing
    # them took 7% of the emulator's CPU in the fleet end-to-end test.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    moto_extension.functions.configure(f"http://{host}:{port}")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    print(f"ready http://{host}:{port}", flush=True)
    stop.wait()
    moto_extension.functions.stop_all()
    server.stop()


if __name__ == "__main__":
    main()
