#!/usr/bin/env python3
"""Seed realistic demo hotline weeks: the same as `hotline seed` (see --help)."""

import sys

from service.cli import app

if __name__ == "__main__":
    app(["seed", *sys.argv[1:]])
