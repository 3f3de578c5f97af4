#!/usr/bin/env python3
"""Checks the daemon's layout: every include names its folder, and includes only go down the layers
    (daemon/ itself) > session > records > osc > pipeline > sources > host > config > base
(a folder may include its own headers and those of any lower layer); the daemon reaches the plugins' code only
through the SDK (myofeed/) and the DSP library's public headers (mfdsp/); no plugin includes a daemon header;
no file-level include cycle. usage: check_layers.py SOURCE_DIR"""
import os
import re
import sys

LAYERS = ["base", "config", "host", "sources", "pipeline", "osc", "records", "session", ""]  # low to high; "" = daemon/
INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
EXTERNAL = ("myofeed/", "mfdsp/")


def files_under(root, exts=(".c", ".h")):
    for d, _, fs in os.walk(root):
        for f in sorted(fs):
            if f.endswith(exts):
                yield os.path.join(d, f)


def main(src):
    daemon = os.path.join(src, "daemon")
    problems = []
    graph = {}
    for path in files_under(daemon):
        rel = os.path.relpath(path, daemon)
        folder = os.path.dirname(rel)
        if folder not in LAYERS:
            problems.append(f"daemon/{rel}: folder '{folder}' is not one of the layers {LAYERS}")
            continue
        text = open(path, encoding="utf-8").read()
        graph[rel] = []
        for lineno, line in enumerate(text.splitlines(), 1):
            m = INC.match(line)
            if not m:
                continue
            inc = m.group(1)
            where = f"daemon/{rel}:{lineno}"
            if inc.startswith(EXTERNAL):
                continue
            if inc == "embedded_config.c":
                continue
            target = os.path.join(daemon, inc)
            if not os.path.exists(target):
                problems.append(f'{where}: #include "{inc}" is not a daemon header named by its folder '
                                f'(write "config/config.h", not "config.h")')
                continue
            graph[rel].append(inc)
            to = os.path.dirname(inc)
            if LAYERS.index(to) > LAYERS.index(folder):
                problems.append(f'{where}: #include "{inc}" goes up from {folder or "daemon/"} to {to or "daemon/"}; '
                                f'move the shared part down a layer')
    # file-level cycles
    state = {}

    def visit(n, stack):
        state[n] = 1
        for m in graph.get(n, []):
            if state.get(m) == 1:
                problems.append("include cycle: " + " -> ".join(stack[stack.index(m):] + [m]) if m in stack
                                else f"include cycle through {m}")
            elif not state.get(m):
                visit(m, stack + [m])
        state[n] = 2

    for n in graph:
        if not state.get(n):
            visit(n, [n])
    # plugins never include daemon headers; the daemon never includes a plugin's source folder
    for path in files_under(os.path.join(src, "plugins")):
        for lineno, line in enumerate(open(path, encoding="utf-8").read().splitlines(), 1):
            m = INC.match(line)
            if m and not m.group(1).startswith(EXTERNAL) and "/" in m.group(1):
                problems.append(f'{os.path.relpath(path, src)}:{lineno}: #include "{m.group(1)}" reaches outside '
                                f'the SDK (myofeed/) and the DSP library (mfdsp/)')
    for p in problems:
        print(p)
    print(f"{len(graph)} daemon files checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")))
