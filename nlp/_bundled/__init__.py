"""Data shipped inside the wheel: the repository's ``models/`` and ``corpora/labelsets/`` (see pyproject.toml)."""
