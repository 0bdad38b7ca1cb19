from django.core.exceptions import ValidationError


class ConflictError(ValidationError):
    """Someone else saved the same record first; the caller must reload and try again."""


class ScopeError(Exception):
    """The actor may not write where they asked to (pages turn this into a 404)."""
