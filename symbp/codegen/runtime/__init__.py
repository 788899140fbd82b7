"""A generated module's training runtime, as ordinary Python of the package.

train and its optimisers, History, the validation split, early stopping, the
resume rule and its cache, BFGS through SciPy, numeric gradients, save/load,
predict, accuracy and main: linted and unit-tested as Python. ``symbp
generate`` copies each part below, from its ``# symbp: copied`` line to its
end, in the order of PARTS, after a module's derived part (their imports
joined with the module's), so the module stays one standalone file of NumPy
and the standard library. In a module the derived part defines the names that
each part's package-only lines import from ``derived_interface``; here
``derived_interface.bind`` puts a derived part's values into the parts.
"""

# the parts in the order a generated module carries them: each reads only names defined before it
PARTS = ("optimizers", "progress", "settings", "minimize", "training", "helpers", "entry")
