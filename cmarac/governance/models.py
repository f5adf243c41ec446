"""Information governance records."""
