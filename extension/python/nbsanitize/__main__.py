"""``python -m nbsanitize``: runs the ``nbsanitize`` binary installed with the package."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig


def find_binary() -> str:
    """The path of the ``nbsanitize`` binary that the wheel installed into the scripts dir."""
    exe = "nbsanitize" + (sysconfig.get_config_var("EXE") or "")
    candidates = [sysconfig.get_path("scripts")]
    user_scheme = f"{os.name}_user"
    if user_scheme in sysconfig.get_scheme_names():
        candidates.append(sysconfig.get_path("scripts", scheme=user_scheme))
    candidates.append(os.path.dirname(sys.executable))
    for directory in candidates:
        path = os.path.join(directory, exe)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise FileNotFoundError(f"the nbsanitize binary was not found in {', '.join(candidates)}")


def main() -> int:
    binary = find_binary()
    if sys.platform == "win32":
        return subprocess.call([binary, *sys.argv[1:]])
    os.execv(binary, [binary, *sys.argv[1:]])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
