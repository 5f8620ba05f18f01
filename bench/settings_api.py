"""Bench-only settings: the product's, plus the floor endpoint's urlconf (bench/api_urls.py)."""

from ancha.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
