"""Hypothesis without per-example deadlines: on a shared 2-core CI machine a pause of the
whole process would otherwise fail a property test that has nothing wrong with it."""

from hypothesis import settings

settings.register_profile("zhtj", deadline=None)
settings.load_profile("zhtj")
