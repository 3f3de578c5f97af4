#!/bin/sh
# Makes the README's screenshots again: docs/monitor.png (myofeed-monitor at 80x24 in tmux, during a protocol),
# docs/game.png (myofeed-game in Xvfb at a set's end) and docs/dashboard.png (the web dashboard in headless
# Chromium after its start button started a protocol). Each comes from the test that checks that screen
# (tests/integration/test_clients.py), run with MYOFEED_SCREENSHOTS set. Needs the test packages (deps.sh test).
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh test
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
MYOFEED_SCREENSHOTS=$PWD/docs /usr/bin/python3 -c "
import sys, unittest
sys.argv = ['screenshots', 'build/bin', '.']
sys.path.insert(0, 'tests/integration')
import test_clients
r = unittest.main(module=test_clients, argv=['screenshots', 'TestMonitorKeys', 'TestGameWords', 'TestDashboard'],
                  exit=False).result
sys.exit(0 if r.wasSuccessful() else 1)"
ls -l docs/monitor.png docs/game.png docs/dashboard.png
