"""Reusable pieces of the interface: labelled fields, the organisation tree, the top bar,
and the helper that runs service calls in thread workers."""
