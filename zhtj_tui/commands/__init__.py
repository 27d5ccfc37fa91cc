"""Subcommands of ``zhtj``: each module defines ``register(subparsers)``."""
