#!/usr/bin/env python3
"""The daemon's key table (daemon/config/config_keys.c) and config/myofeed.cfg say the same: the file's sections
from source to plugins are exactly what `myofeedd --print-config` prints, every muscle key is named in the file,
and the printed reference is itself a valid configuration. usage: test_config_reference.py MYOFEEDD SOURCE_DIR"""
import difflib
import os
import subprocess
import sys
import tempfile

MUSCLES = "# muscles: One entry per electrode pair"  # the muscles list's own help (protocols have a muscles key too)
FIX = "fix: scripts/update-config.sh (pastes myofeedd --print-config's sections into config/myofeed.cfg), then rebuild"


def daemon_sections(text, what):
    try:
        a = text.index("# source:")
        b = text.index(MUSCLES) if MUSCLES in text else text.index("# One entry per electrode pair.")
    except ValueError:
        sys.exit(f"FAIL: {what} has no '# source:' ... muscles sections")
    return text[a:b]


def main(daemon, src):
    ref = subprocess.run([daemon, "--print-config"], check=True, capture_output=True, text=True).stdout
    cfg_path = os.path.join(src, "config", "myofeed.cfg")
    cfg = open(cfg_path, encoding="utf-8").read()
    want, got = daemon_sections(ref, "--print-config"), daemon_sections(cfg, cfg_path)
    failures = 0
    if want != got:
        diff = difflib.unified_diff(got.splitlines(), want.splitlines(), "config/myofeed.cfg", "myofeedd --print-config",
                                    lineterm="")
        print("FAIL: config/myofeed.cfg and the key table disagree:")
        print("\n".join(list(diff)[:60]))
        print(FIX)
        failures += 1
    # every muscle key is named in the file's muscles part
    muscles = cfg[cfg.index("muscles = ("):]
    comment = cfg[cfg.index("# One entry per electrode pair."):cfg.index("muscles = (")]
    keys = [line.split(":")[0].lstrip("# ").strip() for line in ref[ref.index(MUSCLES):].splitlines()
            if line.startswith("# ") and ":" in line and not line.startswith("#  ")]
    keys = [k for k in keys if k and k != "muscles" and " " not in k]
    for k in keys:
        if f"{k} =" not in muscles and k not in comment:
            print(f"FAIL: config/myofeed.cfg never names the muscle key '{k}'")
            failures += 1
    # the reference is a configuration the daemon accepts
    with tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False) as f:
        f.write(ref)
    try:
        r = subprocess.run([daemon, "-c", f.name, "--check-config"], capture_output=True, text=True)
        if r.returncode != 0:
            print("FAIL: myofeedd --print-config is not a valid configuration:\n" + r.stdout + r.stderr)
            failures += 1
    finally:
        os.unlink(f.name)
    checks = 3 + len(keys)
    print(f"{checks - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
