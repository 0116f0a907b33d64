"""Session documents with information-sharing markings (issue 19)."""
