#!/bin/sh
# Regenerates config/myofeed.cfg's daemon sections (from '# source:' to the muscles) from the key table:
# myofeedd --print-config. Run after changing daemon/config/config_keys.c. usage: scripts/update-config.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
"$build/bin/myofeedd" --print-config > "$build/reference.cfg"
/usr/bin/env python3 - "$build/reference.cfg" config/myofeed.cfg <<'PY'
import sys
ref, path = open(sys.argv[1]).read(), sys.argv[2]
cfg = open(path).read()
mark = "# muscles: One entry per electrode pair"
new = cfg[:cfg.index("# source:")] + ref[ref.index("# source:"):ref.index(mark)] + cfg[cfg.index("# One entry per electrode pair."):]
open(path, "w").write(new)
print(f"{path}: daemon sections regenerated; rebuild to embed it")
PY
