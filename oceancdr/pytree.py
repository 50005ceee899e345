"""A frozen-dataclass decorator that registers the class as a JAX pytree.

Fields declared with ``static_field()`` are static metadata (hashed into the jit cache key:
shapes, names, switches); every other field is a leaf (an array or a nested pytree).
"""
import dataclasses

import jax


def static_field(**kwargs):
    """A dataclass field that is static metadata rather than a pytree leaf."""
    return dataclasses.field(metadata={"static": True}, **kwargs)


def pytree_dataclass(cls):
    """Make ``cls`` a frozen dataclass and register it with JAX as a pytree."""
    cls = dataclasses.dataclass(frozen=True)(cls)
    fields = dataclasses.fields(cls)
    meta = [f.name for f in fields if f.metadata.get("static")]
    data = [f.name for f in fields if not f.metadata.get("static")]
    jax.tree_util.register_dataclass(cls, data_fields=data, meta_fields=meta)
    cls.replace = dataclasses.replace
    return cls
