"""``python -m ecr_mock`` / ``ecr-mock``: the command line."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    from ecr_mock import __version__

    parser = argparse.ArgumentParser(prog="ecr-mock", description="Amazon ECR for boto3 tests, in-process.")
    parser.add_argument("--version", action="version", version=f"ecr-mock {__version__}")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("demo", help="run a short registry workflow against the in-process mock")
    operations = commands.add_parser("operations", help="print the operation coverage table (Markdown)")
    operations.add_argument("--update", nargs="+", metavar="FILE", help="rewrite the generated table in FILEs")
    from ecr_mock._server import cli as serve_cli  # the standard library only: the server loads when serve runs

    serve_cli.add_parser(commands)
    args = parser.parse_args(argv)
    if args.command is None:  # no command: say what there is, as a successful run
        parser.print_help()
        return 0
    if args.command == "serve":
        return serve_cli.run(args)
    if args.command == "demo":
        from ecr_mock._demo import run

        return run()
    from ecr_mock import _coverage

    if args.update:
        for path in args.update:
            _coverage.update_file(path)
        return 0
    print(_coverage.operations_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
