"""Run the real nbstripout command line (its `main()`) on many files in one Python process.

Usage: nbstripout_batch.py OUTDIR FLAGS -- FILE...
FLAGS is one shell-like string of nbstripout flags (split on whitespace, `@` joins words
inside one argument, e.g. `--extra-keys metadata.kernelspec@cell.metadata.foo`). For file i,
writes OUTDIR/i.out (what `nbstripout -t FLAGS FILE` printed) and OUTDIR/i.rc (its exit code).
Spawning nbstripout per file costs ~0.4 s of Python start-up; this keeps the comparison fast.
"""
import io
import os
import sys
import contextlib

from nbstripout import _nbstripout


class KeepOpen(io.BytesIO):
    """main() wraps stdout's buffer in its own TextIOWrapper, which closes it when collected."""

    def close(self):
        pass


def run(argv):
    out = KeepOpen()
    fake_stdout = io.TextIOWrapper(out, encoding="utf-8")
    sys.argv = ["nbstripout"] + argv
    # main() also wraps (and so eventually closes) stdin.
    sys.stdin = io.TextIOWrapper(KeepOpen(), encoding="utf-8")
    code = 0
    with contextlib.redirect_stdout(fake_stdout), contextlib.redirect_stderr(io.StringIO()):
        try:
            _nbstripout.main()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except Exception:
            code = 1
    return out.getvalue(), code


def main():
    outdir, flags, sep, *files = sys.argv[1:]
    assert sep == "--"
    flag_list = [f.replace("@", " ") for f in flags.split()]
    for i, path in enumerate(files):
        data, code = run(["-t"] + flag_list + [path])
        with open(os.path.join(outdir, f"{i}.out"), "wb") as f:
            f.write(data)
        with open(os.path.join(outdir, f"{i}.rc"), "w") as f:
            f.write(str(code))


if __name__ == "__main__":
    main()
