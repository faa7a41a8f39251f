"""The public API is typed and documented: py.typed ships, every public
name has a docstring, every public function and method annotates each
parameter and its result, and help(slotledger.Database) reads well."""
import inspect
import os
import pydoc
import re
import typing
import unittest

import slotledger as sl

PKG = os.path.dirname(sl.__file__)


def public_members(cls):
    """(name, object) of the public methods and properties `cls` defines or
    inherits from the package (not from object, Exception, tuple ...)."""
    for klass in cls.__mro__:
        if not klass.__module__.startswith("slotledger"):
            continue
        for name, obj in vars(klass).items():
            if name.startswith("_"):
                continue
            if isinstance(obj, (property, staticmethod, classmethod)) or inspect.isfunction(obj):
                yield "%s.%s" % (klass.__name__, name), obj


class ApiTests(unittest.TestCase):
    def test_py_typed_ships(self):
        self.assertTrue(os.path.isfile(os.path.join(PKG, "py.typed")))

    def test_every_public_name_has_a_docstring(self):
        missing = []
        for name in sl.__all__:
            obj = getattr(sl, name)
            if not (inspect.isclass(obj) or callable(obj)):
                continue
            if not (inspect.getdoc(obj) or "").strip():
                missing.append(name)
            if inspect.isclass(obj):
                for qual, member in public_members(obj):
                    fn = member.fget if isinstance(member, property) else member
                    if not (inspect.getdoc(fn) or "").strip():
                        missing.append(qual)
        self.assertEqual(sorted(set(missing)), [])

    def test_every_public_function_and_method_is_annotated(self):
        unannotated = []
        checked = 0
        for name in sl.__all__:
            obj = getattr(sl, name)
            if inspect.isfunction(obj):
                funcs = [(name, obj)]
            elif inspect.isclass(obj) and obj.__module__ in ("slotledger.database",):
                funcs = [(q, m.fget if isinstance(m, property) else m) for q, m in public_members(obj)]
            else:
                continue
            for qual, fn in funcs:
                checked += 1
                hints = typing.get_type_hints(fn)  # every annotation resolves
                sig = inspect.signature(fn)
                for p in sig.parameters.values():
                    if p.name != "self" and p.name not in hints:
                        unannotated.append("%s(%s)" % (qual, p.name))
                if "return" not in hints:
                    unannotated.append("%s -> ?" % qual)
        self.assertGreater(checked, 50)
        self.assertEqual(unannotated, [])

    def test_help_database_reads_well(self):
        text = pydoc.render_doc(sl.Database, renderer=pydoc.plaintext)
        self.assertIn("A library handle", text)
        self.assertRegex(text, r"book\(self, tenant: 'int', \*, student: 'int', start: 'datetime',")
        self.assertRegex(text, r"balance\(self, tenant: 'int', account: 'int'.*\) -> 'Balance'")
        # no method is listed without its sentence
        blocks = re.split(r"\n {4}(?=\w+\(self)", text.split("Methods defined here:", 1)[-1])
        bare = [b.split("(")[0] for b in blocks[1:] if "\n" not in b.strip()]
        self.assertEqual(bare, [])


if __name__ == "__main__":
    unittest.main()
