"""pytest plugin registered by the package: the ``openrouter_mock`` fixtures."""
