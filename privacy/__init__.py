"""Personal data in free text: find it, mask it. Pure: standard library only, nothing of the project.

Inspectors write findings in their own words, and a finding about a child can name the child, the
class, the family's phone or the house. The finding keeps what was written (for those allowed to
see it); every letter, circular, export and audit payload carries `mask(text)` instead, and the
inspector is warned (`find(text)`) before filing.
"""

from privacy.detector import KIND_LABELS, Hit, find, mask, warnings

__all__ = ["KIND_LABELS", "Hit", "find", "mask", "mask_value", "warnings"]


def mask_value(value):
    """`value` with every string inside it (dicts, lists, tuples) masked; other values unchanged."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {key: mask_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_value(item) for item in value)
    return value
