"""The invoke collections, one module per namespace. Import nothing heavy here: `invoke --list` must stay fast."""
