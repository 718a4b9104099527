"""Cross-model work of the campaign, one module per part of it."""
