"""Peers measured in the same run as our kernels (optional benchmark dependencies, ``bench`` extra):
Veros's superbee advection-flux kernel (:mod:`.veros_superbee`, run in a subprocess because Veros
fixes its backend and float type at import) and a plain NumPy version of our transport step
(:mod:`.numpy_transport`), the floor a user could write without JAX. PyCO2SYS, the carbonate peer,
is called from :mod:`benchmarks.carbonate`."""
