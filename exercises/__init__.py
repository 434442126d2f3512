"""Exercises: small tasks that rebuild the engine's core, each checked by its own tests."""
