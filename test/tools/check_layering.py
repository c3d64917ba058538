#!/usr/bin/env python3
"""Every #include of a project header points down the layer order that README's Layout
section states ("Layer order: core → processors, observe → ..."): a module may include
its own headers and those of modules in lower layers, never a module of its own layer
or above. Exits 1 naming each include that breaks it."""
import glob
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
readme = open(os.path.join(root, "README.md"), encoding="utf-8").read()
m = re.search(r"^Layer order: (.+)$", readme, re.M)
if not m:
    sys.exit("README.md has no 'Layer order:' line in its Layout section")
layer = {}
for rank, group in enumerate(m.group(1).rstrip(".").split("→")):
    for module in group.split(","):
        layer[module.strip().strip("`")] = rank

broken, checked = [], 0
files = glob.glob(os.path.join(root, "include/sightline/*/*.hpp")) + glob.glob(os.path.join(root, "src/*/*.cpp"))
for path in sorted(files):
    rel = os.path.relpath(path, root)
    parts = rel.split(os.sep)
    module = parts[2] if parts[0] == "include" else parts[1]
    if module not in layer:
        broken.append(f"{rel}: module {module!r} is not in README's layer order")
        continue
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        inc = re.match(r'#include "sightline/(\w+)/', line)
        if not inc:
            continue
        checked += 1
        dep = inc.group(1)
        if dep != module and layer.get(dep, len(layer)) >= layer[module]:
            broken.append(f"{rel}:{n}: {module} includes {dep}, which is not below it")
for b in broken:
    print("FAIL", b)
print(f"layering: {checked} includes in {len(files)} files checked; {len(broken)} break the order")
sys.exit(1 if broken else 0)
