"""The health checks answer everyone, signed in or not (tests/ops/test_health.py tests them)."""

ROUTES: list = []
PUBLIC = {"ops.healthz", "ops.readyz"}


def object_ids() -> dict:
    return {}
