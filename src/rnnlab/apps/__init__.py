"""The chapter's applications, one subpackage each; siblings never import each other."""
