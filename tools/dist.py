#!/usr/bin/env python3
"""Build the installable packages that carry the library (./run dist, and
the install tests of the bindings).

    python3 tools/dist.py --lib build-dist/libslotledger.so --out dist wheel npm

wheel: the Python wheel, built by the package's own in-tree backend
       (bindings/python/_build/slbuild.py: offline, standard library only),
       with the library inside as slotledger/libslotledger.so.
npm:   `npm pack` of a staged copy of bindings/node with the library under
       prebuilds/<platform>-<arch>/libslotledger.so (the source tree is left
       as it is, so the in-tree tests never pick up a stale copy).
Prints the path of each file made, one a line.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODE_PKG = os.path.join(ROOT, "bindings", "node")


def wheel(lib, out):
    sys.path.insert(0, os.path.join(ROOT, "bindings", "python", "_build"))
    import slbuild  # noqa: E402  (the package's own backend)
    return os.path.join(out, slbuild.build_wheel(out, {"lib": lib}))


def node_platform():
    r = subprocess.run(["node", "-p", "process.platform + '-' + process.arch"],
                       capture_output=True, text=True, check=True)
    return r.stdout.strip()


def npm(lib, out):
    with tempfile.TemporaryDirectory(prefix="slotledger-npm-") as stage:
        pkg = os.path.join(stage, "package")
        # What package.json's "files" names, and nothing of node_modules.
        shutil.copytree(NODE_PKG, pkg, ignore=shutil.ignore_patterns(
            "node_modules", "prebuilds", "test", "*.tgz"))
        pre = os.path.join(pkg, "prebuilds", node_platform())
        os.makedirs(pre)
        shutil.copyfile(os.path.realpath(lib), os.path.join(pre, "libslotledger.so"))
        r = subprocess.run(["npm", "pack", "--silent", "--pack-destination", os.path.abspath(out)],
                           cwd=pkg, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("npm pack failed:\n" + r.stderr)
        return os.path.join(out, r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lib", required=True, help="the built libslotledger.so")
    ap.add_argument("--out", required=True, help="the directory to write into")
    ap.add_argument("what", nargs="+", choices=["wheel", "npm"])
    a = ap.parse_args()
    if not os.path.isfile(a.lib):
        sys.exit("dist: %s: no such file (build the library first)" % a.lib)
    os.makedirs(a.out, exist_ok=True)
    for what in a.what:
        print(os.path.abspath({"wheel": wheel, "npm": npm}[what](os.path.abspath(a.lib), a.out)))


if __name__ == "__main__":
    main()
