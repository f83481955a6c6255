"""Serve the baseline with the service's uvicorn options (uvloop, httptools, no access log)."""

import argparse
import logging
import sys

import uvicorn

from api.serve import uvicorn_options
from bench.baseline.app import create_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    uvicorn.Server(uvicorn.Config(create_app(), **uvicorn_options(args.host, args.port))).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
