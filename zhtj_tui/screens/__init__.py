"""The screens of the interface, one module each. They call services only (never Pony)."""
