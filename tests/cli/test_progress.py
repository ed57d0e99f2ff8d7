"""Command-line progress: redrawn on a terminal, plain lines elsewhere (never silent)."""

import io

from colorcore.cli.progress import ProgressBar


def test_plain_lines_at_each_tenth_when_not_a_terminal():
    stream = io.StringIO()
    with ProgressBar("rendering demo.keyhue", stream=stream) as progress:
        for i in range(101):
            progress(i / 100)
    lines = stream.getvalue().splitlines()
    assert [line.split(": ")[1].split("%")[0] for line in lines] == [str(p) for p in range(10, 101, 10)]
    assert all(line.startswith("rendering demo.keyhue: ") and "\r" not in line for line in lines)
