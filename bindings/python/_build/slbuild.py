"""A tiny in-tree PEP 517 build backend for the pure-Python slotledger package.

Why not setuptools: the package is a handful of .py files, and
`pip install --no-build-isolation ./bindings/python` must work offline on a
stock Python whose setuptools lacks the `wheel` package. This backend needs
only the standard library: it zips the package with the metadata a wheel
requires (PEP 427 / PEP 566).

With a library (the config setting `lib=PATH`, e.g. `pip wheel -C lib=PATH`,
or SLOTLEDGER_WHEEL_LIB=PATH) the wheel carries it as
slotledger/libslotledger.so, which the loader tries first, and is tagged for
this platform (py3-none-linux_x86_64); without one it is pure Python and the
loader looks for the library elsewhere (SLOTLEDGER_LIB, the system).

The optional C accelerator of Database.slots_epoch() (slotledger/_accel.c,
module slotledger._accel) is compiled for the building interpreter when the
config setting accel (`-C accel=...`) is "auto" and a C compiler (CC, else
the interpreter's own) and the interpreter's headers (Python.h; Debian:
python3-dev) are there, Python >= 3.10; if anything is missing or the
compile fails, the wheel is pure ctypes, exactly as before (`pip install`
works offline with no compiler). A wheel with the accelerator is tagged for
this interpreter (e.g. cp311-cp311-linux_x86_64). accel defaults to "auto",
and to "no" for a wheel that bundles the library (tools/dist.py: a wheel
meant for other machines stays py3-none-<platform>); "yes" fails the build
when it cannot compile; "no" never compiles.
"""
import base64
import hashlib
import importlib.machinery
import os
import shlex
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import zipfile

NAME = "slotledger"
VERSION = "0.1.0"
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIST_INFO = "%s-%s.dist-info" % (NAME, VERSION)
TAG = "py3-none-any"
BUNDLED = "libslotledger.so"
ACCEL_SRC = "_accel.c"


def _bundled_lib(config_settings):
    """The library to put in the wheel (a path), or None."""
    lib = (config_settings or {}).get("lib") or os.environ.get("SLOTLEDGER_WHEEL_LIB")
    if not lib:
        return None
    lib = os.path.realpath(lib)
    if not os.path.isfile(lib):
        raise FileNotFoundError("slbuild: lib=%s: no such file" % lib)
    return lib


def _platform_tag(python="py3-none"):
    return python + "-" + sysconfig.get_platform().replace("-", "_").replace(".", "_")


def _accel_mode(config_settings, lib):
    mode = (config_settings or {}).get("accel") or ("no" if lib else "auto")
    if mode not in ("auto", "yes", "no"):
        raise ValueError("slbuild: accel=%s: not auto, yes or no" % mode)
    return mode


def _accel_obstacle(include):
    """Why slotledger._accel cannot be compiled here, or None."""
    if sys.implementation.name != "cpython":
        return "not CPython"
    if sys.version_info < (3, 10):
        return "Python < 3.10"
    if not os.path.isfile(os.path.join(include, "Python.h")):
        return "no %s/Python.h (Debian: python3-dev)" % include
    return None


def _compile_accel(mode):
    """(arcname, bytes) of slotledger._accel compiled for this interpreter,
    or None when it cannot be (see the module's docstring)."""
    if mode == "no":
        return None
    include = sysconfig.get_paths()["include"]
    name = "_accel" + importlib.machinery.EXTENSION_SUFFIXES[0]
    cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    why = _accel_obstacle(include)
    with tempfile.TemporaryDirectory(prefix="slbuild-") as tmp:
        out = os.path.join(tmp, name)
        if why is None:
            cmd = cc + ["-shared", "-fPIC", "-O2", "-I" + include, os.path.join(HERE, NAME, ACCEL_SRC), "-o", out]
            try:
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode != 0:
                    why = "%s failed: %s" % (" ".join(cmd), r.stderr.strip()[-500:])
            except OSError as exc:
                why = "no C compiler (%s)" % exc
        if why is not None:
            if mode == "yes":
                raise RuntimeError("slbuild: accel=yes: cannot build slotledger._accel: %s" % why)
            print("slbuild: slotledger._accel not built (%s): the binding is pure ctypes" % why, file=sys.stderr)
            return None
        with open(out, "rb") as f:
            return "%s/%s" % (NAME, name), f.read()


def _metadata():
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    return (
        "Metadata-Version: 2.1\n"
        "Name: %s\nVersion: %s\n"
        "Summary: Lesson scheduling and an idempotent credit ledger: ctypes binding of libslotledger\n"
        "License: MIT\nRequires-Python: >=3.8\n"
        "Description-Content-Type: text/markdown\n\n%s" % (NAME, VERSION, readme)
    )


def _package_files():
    pkg = os.path.join(HERE, NAME)
    for name in sorted(os.listdir(pkg)):
        if name.endswith(".py"):
            yield os.path.join(pkg, name), "%s/%s" % (NAME, name)
    yield os.path.join(pkg, "py.typed"), "%s/py.typed" % NAME


def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d\n" % (arcname, digest, len(data))


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def _write_wheel(wheel_directory, files, tag=TAG):
    wheel_name = "%s-%s-%s.whl" % (NAME, VERSION, tag)
    record = ""
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w", zipfile.ZIP_DEFLATED) as z:
        for arcname, data in files:
            info = zipfile.ZipInfo(arcname, (1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if arcname.endswith(".so") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
            record += _record_line(arcname, data)
        meta = [
            (DIST_INFO + "/METADATA", _metadata().encode()),
            (DIST_INFO + "/WHEEL", ("Wheel-Version: 1.0\nGenerator: slbuild\nRoot-Is-Purelib: %s\nTag: %s\n"
                                    % ("true" if tag == TAG else "false", tag)).encode()),
        ]
        for arcname, data in meta:
            z.writestr(arcname, data)
            record += _record_line(arcname, data)
        record += DIST_INFO + "/RECORD,,\n"
        z.writestr(DIST_INFO + "/RECORD", record)
    return wheel_name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = []
    for path, arcname in _package_files():
        with open(path, "rb") as f:
            files.append((arcname, f.read()))
    lib = _bundled_lib(config_settings)
    accel = _compile_accel(_accel_mode(config_settings, lib))
    if accel:
        files.append(accel)
    if lib is not None:
        with open(lib, "rb") as f:
            files.append(("%s/%s" % (NAME, BUNDLED), f.read()))
    if accel:
        cp = "cp%d%d" % sys.version_info[:2]
        return _write_wheel(wheel_directory, files, _platform_tag("%s-%s%s" % (cp, cp, sys.abiflags)))
    return _write_wheel(wheel_directory, files, TAG if lib is None else _platform_tag())


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    # A .pth file pointing at the source tree.
    return _write_wheel(wheel_directory, [("%s.pth" % NAME, (HERE + "\n").encode())])


def build_sdist(sdist_directory, config_settings=None):
    base = "%s-%s" % (NAME, VERSION)
    name = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as t:
        for rel in ["pyproject.toml", "README.md", "_build/slbuild.py", "%s/%s" % (NAME, ACCEL_SRC)]:
            t.add(os.path.join(HERE, rel), arcname="%s/%s" % (base, rel))
        for path, arcname in _package_files():
            t.add(path, arcname="%s/%s" % (base, arcname))
        info = tarfile.TarInfo("%s/PKG-INFO" % base)
        data = _metadata().encode()
        info.size = len(data)
        import io
        t.addfile(info, io.BytesIO(data))
    return name
