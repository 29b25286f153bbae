"""Typed sync and async client for OpenRouter's speech-to-text endpoint."""

__all__: list[str] = []
