"""Pages of information governance: retention, subject access, sharing agreements."""
