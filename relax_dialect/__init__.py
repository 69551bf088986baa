# Load the dialect first: call_ops and value_ops import the helpers of ops,
# which imports them back, so ops must be the module that starts the cycle.
from xrelax.relax import ops as _ops  # noqa: F401
