"""The contract commands end quietly when the reader of their output goes away (``| head``)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from openrouter_stt_mock.contract.cli import EXIT_PIPE_CLOSED

from ._documents import APRIL, OCTOBER, OURS

# The installed command, run by the test's own interpreter.
COMMAND = [
    sys.executable,
    "-c",
    "import sys; from openrouter_stt._cli import main; sys.exit(main())",
]


@pytest.mark.parametrize(
    "args",
    [
        ["diff", str(APRIL), str(OCTOBER)],
        ["diff", str(APRIL), str(OCTOBER), "--json"],
        ["excerpt", str(OURS)],
        ["drift", "--against", str(APRIL)],
    ],
    ids=["diff", "diff-json", "excerpt", "drift"],
)
def test_a_closed_pipe_ends_the_command_without_a_traceback(args: list[str]) -> None:
    # The pipe's reading end is closed before the command writes: its first write fails, as when
    # head has read its lines and gone.
    reading, writing = os.pipe()
    os.close(reading)
    try:
        done = subprocess.run(  # the test's own interpreter, fixed arguments
            [*COMMAND, "contract", *args],
            stdout=writing,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(writing)
    assert done.stderr == ""
    assert done.returncode == EXIT_PIPE_CLOSED == 141
