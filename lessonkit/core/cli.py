"""The command-line programs' parser: an error is one line and exit 2, as at run time.

    parser = OneLineParser(prog="python -m lessonkit.mnist", error_prefix="lessonkit.mnist")
"""
import argparse


class OneLineParser(argparse.ArgumentParser):
    """argparse, but an error prints `<error_prefix>: error: <message><error_suffix>` on one line
    and exits with status 2 (no usage block to scroll past)."""

    def __init__(self, *args, error_prefix: str | None = None, error_suffix: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.error_prefix, self.error_suffix = error_prefix, error_suffix

    def error(self, message):
        self.exit(2, f"{self.error_prefix or self.prog}: error: {message}{self.error_suffix}\n")
