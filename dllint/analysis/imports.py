"""Import resolution: which library a name in the file refers to.

A small resolver of our own: libcst's QualifiedNameProvider runs at about 2k lines/s, which would
make it the dominant cost of a lint. Imports are collected anywhere in the file (module level and
inside functions): deep-learning scripts often import inside ``main()``, and a name that shadows an
import in one function and not another is rare enough to accept.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

if TYPE_CHECKING:
    from dllint.context import FileContext

# Top-level packages whose presence makes a file deep-learning code worth the deeper analyses.
DL_PACKAGES = frozenset({
    "torch", "torchvision", "torchaudio", "torchtext", "lightning", "pytorch_lightning",
    "transformers", "timm", "accelerate", "sklearn", "numpy", "pandas", "jax", "flax", "optax",
    "tensorflow", "keras",
})


_ATTRIBUTE, _NAME = cst.Attribute, cst.Name
_UNASKED = object()


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    # Exact type tests: libcst's node classes are abstract-base-class instances, and an
    # isinstance() that fails goes through ABCMeta in Python; Name and Attribute have no subclasses.
    kind = type(node)
    if kind is _NAME:
        return node.value  # type: ignore[attr-defined]
    if kind is not _ATTRIBUTE:
        return None
    parts: list[str] = []
    while kind is _ATTRIBUTE:
        parts.append(node.attr.value)  # type: ignore[attr-defined]
        node = node.value  # type: ignore[attr-defined]
        kind = type(node)
    if kind is _NAME:
        parts.append(node.value)  # type: ignore[attr-defined]
        return ".".join(reversed(parts))
    return None


def _module_name(node: cst.BaseExpression | None) -> str:
    if node is None:
        return ""
    return dotted_name(node) or ""


class ImportMap:
    """Maps local names to the fully qualified names they were imported as."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        self.modules: set[str] = set()  # every module imported, dotted
        self.star_from: set[str] = set()
        # the names ``aliases`` holds only because a star-imported project module imports them
        self.star_exported: set[str] = set()
        self._top_cache: tuple[int, frozenset[str]] | None = None
        # node -> its qualified name: most rules qualify every call of the file (about 400,000
        # questions a lint of 300 torch files), the same nodes asked again by each
        self._qualified: dict[cst.CSTNode, str | None] = {}

    @classmethod
    def compute(cls, ctx: "FileContext") -> "ImportMap":
        result = cls()
        for node in ctx.index.of_type(cst.Import):
            for alias in node.names:
                full = _module_name(alias.name)
                result.modules.add(full)
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    result.aliases[alias.asname.name.value] = full
                else:
                    head = full.split(".")[0]
                    result.aliases.setdefault(head, head)
        for node in ctx.index.of_type(cst.ImportFrom):
            if node.relative:
                continue  # a project-local module: not a library we know
            base = _module_name(node.module)
            result.modules.add(base)
            if isinstance(node.names, cst.ImportStar):
                result.star_from.add(base)
                continue
            for alias in node.names:
                name = _module_name(alias.name)
                local = name
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                result.aliases[local] = f"{base}.{name}" if base else name
        if result.star_from:
            result._add_star_exports(ctx)
        return result

    def _add_star_exports(self, ctx: "FileContext") -> None:
        """``from baseline.pytorch.torchy import *`` of a project module binds here the names that
        module imports (``torch``, ``nn``) when it has no ``__all__``: the file uses torch through
        them. One level: that module's own star imports are not followed."""
        from dllint.analysis.project import PROJECT, project_imports  # project imports this module
        project = project_imports(ctx)
        if project is None:
            return
        for base in sorted(self.star_from):
            path = project._absolute(base)
            if path is None or PROJECT.mentions(path, "__all__"):
                continue
            outline = PROJECT.class_outline(path)
            if outline is None:
                continue
            for local, full in sorted(outline.imports.aliases.items()):
                if not local.startswith("_") and local not in self.aliases:
                    self.aliases[local] = full
                    self.star_exported.add(local)
                    # a module (``torch``, ``torch.nn``) or a name of one (``torch.nn.functional.relu``)
                    module = full if full in outline.imports.modules else full.rpartition(".")[0]
                    self.modules.add(module or full)

    def qualify(self, node: cst.BaseExpression) -> str | None:
        """The qualified name of a Name/Attribute chain whose head is an import, else None."""
        found = self._qualified.get(node, _UNASKED)
        if found is _UNASKED:
            dotted = dotted_name(node)
            found = self._qualified[node] = None if dotted is None else self.qualify_dotted(dotted)
        return found  # type: ignore[return-value]

    def qualify_dotted(self, dotted: str) -> str | None:
        head, _, rest = dotted.partition(".")
        target = self.aliases.get(head)
        if target is None:
            return None
        return f"{target}.{rest}" if rest else target

    def top_packages(self) -> set[str]:
        return set(self._tops())

    def _tops(self) -> frozenset[str]:
        # Asked for every model question (``Models.is_model``: tens of thousands of times a lint
        # of torch's sources); ``modules`` only grows, while the map is built, so its size tells
        # whether the set computed last is still the one.
        cached = self._top_cache
        if cached is None or cached[0] != len(self.modules):
            cached = self._top_cache = (len(self.modules), frozenset(m.split(".")[0] for m in self.modules if m))
        return cached[1]

    def uses(self, *packages: str) -> bool:
        tops = self._tops()
        return any(p in tops for p in packages)

    def is_deep_learning_file(self) -> bool:
        return bool(self._tops() & DL_PACKAGES)
