"""Tools for content editors: `iop-bot validate`, `iop-bot test` and its reports, `parse --explain`."""
