"""relax: types, ops (`ops.py` is the dialect), the builder, frontends."""
