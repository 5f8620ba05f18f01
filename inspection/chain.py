"""The audit chains' arithmetic, pure: the canonical payload, the link hash, the heads and their root.

The services append and verify (inspection/services/audit.py); the public feed (inspection/
publication.py, beside access.py) publishes the heads and the root from here too, so there is one
definition of what a root is.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

GENESIS = "0" * 64
DEPLOYMENT = ""  # the chain of events without a county (and of the legacy single chain)


def canonical_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def chain_hash(prev_hash: str, payload: str) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + payload.encode("utf-8")).hexdigest()


def chain_label(chain: str) -> str:
    """How a chain is named in output and checkpoints: its county code, `-` for the deployment."""
    return chain or "-"


@dataclass(frozen=True)
class Head:
    chain: str
    seq: int
    hash: str

    @property
    def line(self) -> str:
        return f"{chain_label(self.chain)} {self.seq} {self.hash}"


def root_hash(heads: Iterable[Head]) -> str:
    rows = sorted([h.chain, h.seq, h.hash] for h in heads)
    return hashlib.sha256(canonical_json(rows).encode("utf-8")).hexdigest()
