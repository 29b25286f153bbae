"""A faithful offline mock of OpenRouter's speech-to-text endpoint."""

__all__: list[str] = []
